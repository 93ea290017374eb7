"""Every email the portal sends: written to the database first, then sent
by one retried dramatiq actor. Imports nothing else of the portal."""
