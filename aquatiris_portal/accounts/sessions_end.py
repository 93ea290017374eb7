"""End every open session of a person (a person removed from their last
record). Access already refuses the record at their next request; this
closes the session itself.

With Django's database sessions (the default engine and the cached_db one)
the rows of the person are found by decoding the unexpired sessions in
chunks: a removal is rare and done by a person, and the table holds only
the sessions alive. Other engines (cache, signed cookies) cannot be listed:
there the access read alone ends the access.
"""

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

logger = logging.getLogger(__name__)
DB_ENGINES = frozenset({"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"})
CHUNK = 500


def end_sessions(user_id) -> int:
    """Delete the unexpired sessions whose user is ``user_id``; returns how many."""
    if settings.SESSION_ENGINE not in DB_ENGINES:
        logger.info("Sessions of user %s not listed (engine %s): access refuses them", user_id, settings.SESSION_ENGINE)
        return 0
    # Here, not at the top: a host on another engine may not install django.contrib.sessions.
    from django.contrib.sessions.models import Session

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    ended = []
    for session in (
        Session.objects.filter(expire_date__gt=timezone.now())
        .only("session_key", "session_data")
        .iterator(chunk_size=CHUNK)
    ):
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id):
            ended.append(session.session_key)
    for key in ended:
        store_class(session_key=key).delete()  # also drops the cached copy (cached_db)
    return len(ended)
