"""StreamField blocks of the portal. Import them from here."""

from .access import PortalAccessButtonsBlock  # noqa: F401
from .actions import QuickActionsBlock  # noqa: F401
from .body import ArticleBodyBlock  # noqa: F401
from .callout import CalloutBlock  # noqa: F401
from .contact import ContactCardBlock  # noqa: F401
from .documents import DocumentListBlock  # noqa: F401
from .faq import FaqListBlock  # noqa: F401
from .news import NewsStreamBlock  # noqa: F401
