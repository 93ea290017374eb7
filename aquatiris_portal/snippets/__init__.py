"""Editor-managed snippets. Imports nothing else of the portal."""
