"""Receivers of the accounts room, connected by aquatiris_portal/signals.py."""

import time

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from ..records.signals import email_changed
from . import groups
from .email_moves import move_login
from .middleware import LAST_SEEN_SESSION_KEY


@receiver(email_changed, dispatch_uid="aquatiris_portal.accounts.move_login")
def move_login_on_email_change(sender, record, old_email, new_email, **kwargs):
    move_login(record, old_email, new_email)


@receiver(user_logged_in, dispatch_uid="aquatiris_portal.accounts.start_idle_clock")
def start_idle_clock(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_SESSION_KEY] = int(time.time())


@receiver(post_migrate, dispatch_uid="aquatiris_portal.accounts.create_groups")
def create_groups(sender, app_config=None, using="default", **kwargs):
    """The groups portal users join at activation (Wagtail collections and
    document privacy can be restricted to them)."""
    if app_config is None or app_config.label != "aquatiris_portal":
        return
    for name in groups.group_names():
        Group.objects.using(using).get_or_create(name=name)
