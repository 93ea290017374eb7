"""Whom a page or a mail addressed to one person greets (one login per
person): the person by their own name; one who gave none (an owner activated
with the record's code) by the record's name, else by their address.

Here, below the rooms that mail people (accounts, enquiries, digests), so
that each greets alike."""

from __future__ import annotations

from typing import Any


def greeting_name(user: Any, record: Any = None) -> str:
    """The name to greet ``user`` with; ``record`` (a client) stands in when they gave none."""
    own = (user.get_full_name() or "").strip()
    if own:
        return own
    if record is not None:
        return record.full_name
    return user.email or ""
