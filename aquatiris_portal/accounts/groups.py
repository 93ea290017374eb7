"""The groups portal users belong to.

Client users are in ``AQUATIRIS_PORTAL_CLIENT_GROUP_NAME`` (the Wagtail
collection of generic maintenance guides is restricted to it, so Wagtail's
own document view serves the guides to clients and to nobody else), SPANC
users in ``SPANC_GROUP``. ``migrate`` creates both (receivers.py); the
activation and the client space put users in them, and a new client
membership puts its person in the clients' group. The client group's name
is read from the setting here and nowhere else."""

from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..conf import app_settings
from .models import Membership

SPANC_GROUP = "Portal SPANC"


def client_group_name():
    return app_settings.CLIENT_GROUP_NAME


def group_names():
    """The groups ``migrate`` creates."""
    return (client_group_name(), SPANC_GROUP)


def client_group(using=None):
    manager = Group.objects.using(using) if using else Group.objects
    return manager.get_or_create(name=client_group_name())[0]


def spanc_group():
    return Group.objects.get_or_create(name=SPANC_GROUP)[0]


def ensure_client_group(user):
    """Add ``user`` to the clients' group if missing (one query when already in)."""
    if not user.groups.filter(name=client_group_name()).exists():
        user.groups.add(client_group())


@receiver(post_save, sender=Membership, dispatch_uid="aquatiris_portal_client_group")
def add_client_members_to_group(sender, instance, created=False, raw=False, **kwargs):
    """Whoever joins a client (activation, invitation, the admin, a host's
    script) is in the clients' group: the guides' collection is theirs."""
    if created and not raw and instance.client_id and instance.removed_at is None:
        ensure_client_group(instance.person)
