"""Signal receivers. Kept empty of logic: each room connects its own here."""

from . import content_cache_receivers as _content_cache_receivers  # noqa: E402,F401
from .accounts import groups as _client_group_receivers  # noqa: E402,F401
from .accounts import receivers as _accounts_receivers  # noqa: E402,F401
from .pages import receivers as _pages_receivers  # noqa: E402,F401
from .records import receivers as _records_receivers  # noqa: E402,F401
