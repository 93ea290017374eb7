"""Which record a person is, and their account: a typed client or pro code
and email matched to a Client or Spanc, and the account of the person whose
login is that record's email, its lead (activation.py, email_moves.py)."""

from django.db.models import Subquery

from ..records.codes import KEY_MAX_LENGTH, TYPED_MAX_LENGTH, canonical_code
from ..records.emails import canonical_email_or_none
from ..records.models import Client, Spanc
from .models import Membership, PortalAccount


def record_kind(record: Client | Spanc) -> str:
    """The Membership field a record fills: "client" or "spanc"."""
    return "client" if isinstance(record, Client) else "spanc"


def record_name(record: Client | Spanc) -> str:
    return record.full_name if isinstance(record, Client) else record.name


def typed_code_key(code: object) -> str | None:
    """The ``code_key`` a typed code stands for (records/codes.py: any
    separators, case, spaces around), or None when it cannot be one."""
    if not isinstance(code, str) or len(code) > TYPED_MAX_LENGTH:
        return None
    key = canonical_code(code)
    return key if 0 < len(key) <= KEY_MAX_LENGTH else None


def find_record(email: str | None, code: object) -> Client | Spanc | None:
    """The Client or Spanc whose code is ``code`` (any case, spaces or
    separators) and email is ``email`` (canonical forms), or None. One
    exact query on the unique ``code_key`` per record type (none for a code
    or an email that cannot match), both always run: the answer and its
    time never say which of the two did not match."""
    email = canonical_email_or_none(email)
    key = typed_code_key(code)
    if not (email and key):
        return None
    found = None
    for model in (Client, Spanc):
        for record in model.objects.filter(code_key=key)[:1]:
            if found is None and record.email and canonical_email_or_none(record.email) == email:
                found = record
    return found


def account_of(record: Client | Spanc) -> PortalAccount | None:
    """The account of the record's lead, or None.

    The lead is the person of the record's oldest active owner (client) or
    manager (SPANC) membership: the login that is the record's email, the
    one activation and email moves act on. Household members and agents are
    never it, however old; a removed lead is not either (None when the
    record has no active lead, even if others are members)."""
    lead = (
        Membership.objects.filter(
            removed_at__isnull=True, role__in=Membership.LEAD_ROLES, **{record_kind(record): record}
        )
        .order_by("pk")
        .values("person_id")[:1]
    )
    return PortalAccount.objects.select_related("user").filter(user_id__in=Subquery(lead)).first()
