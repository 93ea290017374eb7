"""Who of a record's people wrote a message or sent a request: their own
name on the thread, the admin and the outbox event (``sent_by``), since a
record has several people (a couple, a SPANC's agents).

A person's name is their user's full name (asked when they accept an
invitation); the owner activated without one is the client's name; else
the address, never the record's name for someone who is not its owner.
"""

from .. import access
from ..records.emails import display_email


def author_label(user, record_name: str = "") -> str:
    """The name a message of ``user`` is signed with."""
    if user is None or not getattr(user, "pk", None):
        return record_name
    name = (user.get_full_name() or "").strip()
    if name:
        return name
    if record_name and access.role_for(user, "client") == "owner":
        return record_name
    return display_email(user.email or user.get_username())


def sent_by(user, name: str = "", record_name: str = "") -> dict | None:
    """The outbox's ``sent_by``: ``{"name", "email"}`` of the person, None without one."""
    if user is None or not getattr(user, "pk", None):
        return None
    return {"name": name or author_label(user, record_name), "email": user.email}
