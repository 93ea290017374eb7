"""Wagtail page types: the client space, the pro space, news and FAQ."""
