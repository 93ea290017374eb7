"""Log in with an email address (any case) and a password.

Portal users have username = ``login_name`` of the canonical email
(``records.emails``: the email itself unless it is longer than a username
holds). Staff created otherwise
(e.g. ``createsuperuser`` with a username) log in with their email too when
exactly one user has it. The host's user model is not replaced.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from ..records.emails import canonical_email_or_none, login_name


def find_user_by_email(email):
    """The user whose username is the login of ``email``'s canonical form, else the
    only user whose email has that canonical form; None otherwise (and for
    text that is no address, e.g. a look-alike ``ı``). One query either way.

    The database only proposes candidates (``iexact`` is ``UPPER()`` on
    PostgreSQL, which maps ``ı`` to ``I``); the choice compares canonical
    forms exactly, in Python, the same way on every database."""
    email = canonical_email_or_none(email)
    if not email:
        return None
    login = login_name(email)
    User = get_user_model()
    candidates = list(User._default_manager.filter(Q(username=login) | Q(email__iexact=email)).order_by("pk")[:5])
    for user in candidates:
        if user.username == login:
            return user
    matching = [user for user in candidates if canonical_email_or_none(user.email) == email]
    return matching[0] if len(matching) == 1 else None


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        identifier = email or username
        if identifier is None or password is None:
            return None
        user = find_user_by_email(identifier)
        if user is None:
            # Same hashing work as for an existing user (no timing oracle).
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
