"""Imported by django_dramatiq's autodiscovery (and by ``rundramatiq``) so that
workers know every actor of the package."""

from .enquiries.tasks import *  # noqa: F401,F403
from .notifications.tasks import *  # noqa: F401,F403
from .schedule import *  # noqa: F401,F403
from .sync.tasks import *  # noqa: F401,F403
