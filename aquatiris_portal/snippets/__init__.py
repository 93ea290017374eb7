"""Editor-managed snippets and settings. Imports records and the kernel
(conf, content_cache), nothing above: docs/architecture.md."""
