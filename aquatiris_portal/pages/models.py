from .accessibility import AccessibilityStatementPage  # noqa: F401
from .client_space import ClientSpacePage  # noqa: F401
from .faq import FaqPage  # noqa: F401
from .news import ArticlePage, NewsIndexPage  # noqa: F401
from .pro_space import ProSpacePage  # noqa: F401
