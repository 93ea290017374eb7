"""Client users belong to one group: the Wagtail collection of generic
maintenance guides is restricted to it, so Wagtail's own document view
serves the guides to clients and to nobody else."""

from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..accounts.models import PortalAccount
from ..conf import app_settings


def client_group():
    return Group.objects.get_or_create(name=app_settings.CLIENT_GROUP_NAME)[0]


def ensure_client_group(user):
    """Add ``user`` to the clients' group if missing (one query when already in)."""
    if not user.groups.filter(name=app_settings.CLIENT_GROUP_NAME).exists():
        user.groups.add(client_group())


@receiver(post_save, sender=PortalAccount, dispatch_uid="aquatiris_portal_client_group")
def add_client_users_to_group(sender, instance, **kwargs):
    if instance.client_id and instance.user_id and not kwargs.get("raw"):
        ensure_client_group(instance.user)
