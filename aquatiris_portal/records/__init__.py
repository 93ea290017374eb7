"""Records owned by the internal system, brought in by ``sync``.

This room imports nothing else of the portal.
"""
