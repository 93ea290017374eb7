"""Which record a person is, and their account: a typed client or pro code
and email matched to a Client or Spanc, and the PortalAccount linked to it
(activation.py, email_moves.py)."""

import re
from functools import reduce
from operator import or_

from django.db.models import Q

from ..records.emails import canonical_email_or_none
from ..records.models import Client, Spanc
from .models import PortalAccount


def record_kind(record):
    """The PortalAccount field a record fills: "client" or "spanc"."""
    return "client" if isinstance(record, Client) else "spanc"


def record_name(record):
    return record.full_name if isinstance(record, Client) else record.name


def canonical_code(code):
    """A client or pro code as compared: letters and digits only, upper
    case ("cli 1037", "Cli_1037" and "CLI-1037" are one code)."""
    return re.sub(r"[^0-9A-Z]", "", (code or "").upper())


def _code_spellings(code):
    """The stored spellings a typed code may stand for: its canonical form
    and that form with one hyphen anywhere (codes are "PREFIX-REST")."""
    canonical = canonical_code(code)
    if not canonical or len(canonical) > 40:
        return []
    return [canonical] + [f"{canonical[:i]}-{canonical[i:]}" for i in range(1, len(canonical))]


def find_record(email, code):
    """The Client or Spanc whose code is ``code`` (any case, spaces or
    separators) and email is ``email`` (canonical forms), or None. Always
    two queries (none for a code or an email that cannot match)."""
    email = canonical_email_or_none(email)
    spellings = _code_spellings(code)
    found = None
    for model in (Client, Spanc):
        if not (email and spellings):
            continue
        query = reduce(or_, (Q(code__iexact=spelling) for spelling in spellings))
        for record in model.objects.filter(query)[:5]:
            if (found is None and canonical_code(record.code) == canonical_code(code) and record.email
                    and canonical_email_or_none(record.email) == email):
                found = record
    return found


def account_of(record):
    return PortalAccount.objects.select_related("user").filter(**{record_kind(record): record}).first()
