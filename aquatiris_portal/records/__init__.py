"""Records owned by the internal system, brought in by ``sync``.

It imports nothing of the portal but the kernel (conf, storage,
spreadsheets): docs/architecture.md.
"""
