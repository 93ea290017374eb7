"""Log in with an email address (any case) and a password.

Portal users have username = lower-cased email. Staff created otherwise
(e.g. ``createsuperuser`` with a username) log in with their email too when
exactly one user has it. The host's user model is not replaced.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


def find_user_by_email(email):
    """The user whose username is ``email`` (lower-cased), else the only user
    with that email; None otherwise. One query either way."""
    email = (email or "").strip().lower()
    if not email:
        return None
    User = get_user_model()
    candidates = list(
        User._default_manager.filter(Q(username=email) | Q(email__iexact=email)).order_by("pk")[:3]
    )
    for user in candidates:
        if user.username == email:
            return user
    return candidates[0] if len(candidates) == 1 else None


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
