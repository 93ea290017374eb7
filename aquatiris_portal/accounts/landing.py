"""After login: the visit is recorded and the user lands somewhere
(accounts/view_helpers.py, second_factor_views.py, pages/wrong_space.py)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from .models import PortalAccount

# Hook (wagtail.hooks) answering where a user lands after login: fn(user) ->
# URL or None. The package registers views.landing_url (wagtail_hooks.py).
LANDING_URL_HOOK = "aquatiris_portal_landing_url"


def record_visit(user):
    """At login: the account's visit moves on. Its start is the login each
    record's own visit compares with: the record's first opening after it
    starts the record's visit (new_marks.py, « Nouveau » per record)."""
    now = timezone.now()
    account = PortalAccount.objects.filter(user=user).only("pk", "last_visit_at").first()
    if account is not None:
        PortalAccount.objects.filter(pk=account.pk).update(previous_visit_at=account.last_visit_at, last_visit_at=now)


def landing_url(user):
    """Where a user lands after login when no ``next`` was given: the first
    answer of the ``aquatiris_portal_landing_url`` hooks (the package's own
    gives the user's space: the pages room is above this one, so it answers
    through a hook; a host may register its own), else the Wagtail admin
    for staff, else ``LOGIN_REDIRECT_URL``."""
    for hook in hooks.get_hooks(LANDING_URL_HOOK):
        url = hook(user)
        if url:
            return url
    if user.is_staff or user.is_superuser:
        return reverse("wagtailadmin_home")
    return settings.LOGIN_REDIRECT_URL
