"""The one canonical form of an email address.

Every place that compares, stores as a login, throttles or looks up an
address uses ``canonical_email``, so that two spellings of one address are
one address, and a look-alike is never a second one:

- invisible characters dropped wherever they are, a no-break space a
  space (``records.invisible``: a zero-width space pasted before the
  address is dropped as one after it is);
- Unicode NFKC (``ſ`` U+017F becomes ``s``, the Kelvin sign ``K`` becomes
  ``K``, full-width letters become ASCII), then case folding;
- the local part (before the last ``@``) must be ASCII once normalised:
  ``ı`` (dotless i) or ``ß`` have no ASCII form and are refused rather than
  being second spellings of ``i`` or ``ss`` that a database's ``UPPER()``
  would match;
- the domain is IDNA-encoded (``exämple.fr`` → ``xn--exmple-cua.fr``),
  its ideographic full stops are dots, without a trailing dot.

The login (the username) of an account is ``login_name`` of its canonical
address: the address itself when it fits Django's 150-character username,
else a stable name derived from it.

Python's ``lower()`` keeps ``ſ`` and ``ı`` as they are while PostgreSQL's
``UPPER()`` maps them to ``S`` and ``I``: comparing canonical forms exactly
closes that gap.
"""

import functools
import hashlib
import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .invisible import without_format_characters


class InvalidEmail(ValueError):
    """The text cannot be an email address the portal accepts."""


MESSAGE = _("Enter a valid email address (letters without accents before the @).")
# The longest address stored (the records' EmailField; RFC 5321's limit of a path).
MAX_LENGTH = 254
# Hex digits of the SHA-256 that end a login derived from a long address.
_LOGIN_DIGEST_LENGTH = 32


def canonical_email(value: str | None) -> str:
    """The canonical form of ``value`` ("" for an empty value).

    Raises ``InvalidEmail`` (a ValueError) when it is not an address: no
    ``@``, a local part that is not ASCII once normalised, a domain IDNA
    refuses, more than 254 characters once encoded, or anything Django's
    email validator refuses."""
    text = unicodedata.normalize("NFKC", without_format_characters(value or "")).strip()
    if not text:
        return ""
    local, sep, domain = text.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidEmail("no local part or no domain")
    if not local.isascii():
        raise InvalidEmail("non-ASCII local part")
    local = local.casefold()
    # "。" (U+3002, what an ideographic keyboard types; NFKC made U+FF61 and
    # U+FF0E into it or into ".") separates labels for IDNA too: one dot.
    domain = domain.casefold().replace("\u3002", ".")
    domain = domain.rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise InvalidEmail(f"domain: {error}") from None
    email = f"{local}@{domain.lower()}"
    if len(email) > MAX_LENGTH:
        # An IDN domain grows as punycode: 254 characters typed can be more stored.
        raise InvalidEmail("longer than 254 characters")
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEmail("not an email address") from None
    return email


def login_name(email: str) -> str:
    """The username of the account whose address is the canonical ``email``.

    The address itself when it fits the user model's username (150
    characters in Django's); else its first characters, "+" and 32 hex
    digits of its SHA-256: stable, one per address, never an address itself
    ("+" is not allowed in a domain), so never another person's login.
    People log in with the address all the same (accounts/backends.py)."""
    limit = get_user_model()._meta.get_field("username").max_length
    if limit is None or len(email) <= limit:
        return email
    digest = hashlib.sha256(email.encode()).hexdigest()[:_LOGIN_DIGEST_LENGTH]
    return f"{email[: limit - _LOGIN_DIGEST_LENGTH - 1]}+{digest}"


def canonical_email_or_none(value: str | None) -> str | None:
    """``canonical_email`` that answers None instead of raising."""
    try:
        return canonical_email(value)
    except InvalidEmail:
        return None


def same_email(first: str | None, second: str | None) -> bool:
    """Whether two texts are the same address (False if either is none)."""
    a, b = canonical_email_or_none(first), canonical_email_or_none(second)
    return bool(a) and a == b


def normalise_email(value: str | None) -> str:
    """The stored form of a record's address: ``canonical_email``; what is
    not an address is kept trimmed and lower-cased (the sync quarantines it,
    an admin fixes it)."""
    return canonical_email_or_none(value) or (value or "").strip().lower()


def display_email(value: str | None) -> str:
    """The address as people read it: its domain in Unicode
    (``…@xn--exmple-cua.fr`` → ``…@exämple.fr``), as they typed it; stored
    and sent in ASCII all the same. A domain that is not valid punycode, or
    anything that is not an address, is shown as stored."""
    text = value or ""
    local, sep, domain = text.rpartition("@")
    domain = domain.lower()
    if not sep or "xn--" not in domain or not domain.isascii():
        return text  # nothing to decode (most addresses)
    unicode_domain = _unicode_domain(domain)
    return text if unicode_domain is None else f"{local}@{unicode_domain}"


@functools.lru_cache(maxsize=1024)
def _unicode_domain(domain: str) -> str | None:
    """The Unicode form of an IDNA ``domain``, None when it is not valid
    punycode. Kept: decoding costs 25 µs, and an export of 50,000 rows
    shows a handful of domains many times."""
    try:
        # Python's IDNA codec checks each label encodes back to itself.
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return None
