"""Give a staff user the email the portal's login asks for.

Once the portal is installed, the admin's login is the portal's: email and
password, then a second factor (its enrolment sends a code to that email).
A superuser made by ``createsuperuser`` without an email could no longer log
in; this sets it, without ``manage.py shell``:

    python manage.py portal_staff_email                    # lists staff who cannot log in by email
    python manage.py portal_staff_email admin admin@your-site.fr
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from aquatiris_portal.accounts.backends import find_user_by_email
from aquatiris_portal.records.emails import canonical_email_or_none


def staff_without_login(User):
    """Staff and superusers the email login cannot find (no email, not an
    address, or an email another user shares)."""
    found = []
    for user in User._default_manager.filter(Q(is_staff=True) | Q(is_superuser=True)).order_by("pk")[:1000]:
        if not user.email or find_user_by_email(user.email) != user:
            found.append(user)
    return found


class Command(BaseCommand):
    help = (
        "Set the email a staff user logs into the admin with (the portal's login asks for an email, then a "
        "second factor sent to it). Without arguments, list the staff who cannot log in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="the user's username (USERNAME_FIELD)")
        parser.add_argument("email", nargs="?", help="the address they will log in with and receive codes at")

    def handle(self, *args, username=None, email=None, **options):
        User = get_user_model()
        if username is None:
            return self.list_staff(User)
        if email is None:
            raise CommandError("Give the username and the email: portal_staff_email USERNAME EMAIL")
        canonical = canonical_email_or_none(email)
        if not canonical:
            raise CommandError(f"{email!r} is not an email address.")
        with transaction.atomic():
            try:
                user = User._default_manager.select_for_update().get(**{User.USERNAME_FIELD: username})
            except User.DoesNotExist:
                raise CommandError(f"No user with the username {username!r}.") from None
            # Candidates from the database, the choice on canonical forms (as the login does).
            clash = User._default_manager.exclude(pk=user.pk).filter(Q(username=canonical) | Q(email__iexact=canonical))
            if any(u.username == canonical or canonical_email_or_none(u.email) == canonical for u in clash[:5]):
                raise CommandError(f"Another user already has {email!r}: the login could not tell them apart.")
            user.email = email.strip()
            user.save(update_fields=["email"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{username} now logs in with {user.email} at the portal's login; a second factor is set up at the "
                "next login (a code is sent to this address first)."
            )
        )

    def list_staff(self, User):
        users = staff_without_login(User)
        if not users:
            self.stdout.write("Every staff user can log in with their email.")
            return
        for user in users:
            reason = "no email" if not user.email else f"email {user.email!r} not usable (shared or not an address)"
            self.stdout.write(f"{user.get_username()}: {reason}")
        self.stdout.write("Set one with: python manage.py portal_staff_email USERNAME EMAIL")
