"""The security log: who did what that matters for security, when, from where.

One function, callable from any room (it imports nothing of the portal but
the kernel, ``conf`` and ``compat``: docs/architecture.md)::

    from aquatiris_portal.security_log import record_security_event
    record_security_event("login_failed", request, email_hash=..., reason="password")

Each event is a ``SecurityEvent`` row (listed in the Wagtail admin for
superusers and holders of ``view_securityevent`` only; editors never) and a
structured line on the ``aquatiris_portal.security`` logger. Rows older than
``AQUATIRIS_PORTAL_SECURITY_LOG_DAYS`` are deleted (at most once an hour, by
the next event).
"""

from .events import Kind, purge_expired, record_security_event  # noqa: F401
from .hashing import email_hash  # noqa: F401
from .refusals import record_refused_token, refusals_blocked  # noqa: F401
from .request_ip import address_bucket, client_ip  # noqa: F401
