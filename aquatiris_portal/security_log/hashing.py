"""What people typed, kept as a keyed hash: an email typed at a failed login
may belong to nobody (or be a password typed in the wrong field), so it is
never logged in clear.

    email_hash("Anne@Example.org")  # 'e1c3…' (24 hex digits)

HMAC-SHA256 under a key derived from SECRET_KEY (``salted_hmac``): the same
address gives the same hash in every event, so an admin can follow it (and
check a given address: hash it with the site's key, ``manage.py shell``),
while the log alone, without the key, cannot be reversed by hashing a list
of addresses.
"""

from django.utils.crypto import salted_hmac

SALT = "aquatiris_portal.security_log.email"


def email_hash(email):
    """The keyed hash of an email as typed, trimmed and case-folded; "" for
    nothing typed."""
    email = (email or "").strip().casefold()
    if not email:
        return ""
    return salted_hmac(SALT, email, algorithm="sha256").hexdigest()[:24]
