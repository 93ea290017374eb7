"""Client space and pro (SPANC) space for the Aquatiris Wagtail website."""

__version__ = "0.1.0"
