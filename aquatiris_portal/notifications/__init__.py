"""Every email the portal sends: written to the database first, then sent
by one retried dramatiq actor. Imports nothing of the portal but the kernel
(conf, storage): docs/architecture.md."""
