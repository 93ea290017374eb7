"""StreamField blocks of the portal that query nothing of the pages.
Import them from here. The listing blocks (news stream, FAQ list) and the
articles' body live in ``pages`` beside what they list."""

from .access import PortalAccessButtonsBlock  # noqa: F401
from .actions import QuickActionsBlock  # noqa: F401
from .body import BodyBlock  # noqa: F401
from .callout import CalloutBlock  # noqa: F401
from .contact import ContactCardBlock  # noqa: F401
from .documents import DocumentListBlock  # noqa: F401
