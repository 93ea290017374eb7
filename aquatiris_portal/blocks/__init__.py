"""StreamField blocks of the portal. Import them from here."""

from .access import PortalAccessButtonsBlock  # noqa: F401
