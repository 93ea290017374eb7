"""Where personal data is mailed is decided by admins, never by editors.

The network-head addresses (they receive every after-sales request with the
client's recap and attachments) and the sender address are fields of the
portal settings that only users with ``MAIL_ROUTING_PERMISSION`` see and
change (snippets/site_settings.py; the permission is in no group,
backoffice/groups.py). Each change made in the admin is written to the
security log (``settings_changed``) and mailed to every active superuser,
with the addresses before and after, so a change nobody expected is seen.

Registered by ``wagtail_hooks`` (Wagtail's before/after_edit_setting hooks).
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail import hooks

from ..notifications.mail import queue_mail
from ..security_log import Kind, record_security_event
from ..snippets.site_settings import MAIL_ROUTING_FIELDS, PortalSettings

logger = logging.getLogger(__name__)

MAIL_TEMPLATE = "aquatiris_portal/mail/mail_routing_changed"
_BEFORE = "_aquatiris_portal_mail_routing_before"


def routing_of(portal_settings):
    return {name: (getattr(portal_settings, name, "") or "").strip() for name in MAIL_ROUTING_FIELDS}


def admin_emails():
    users = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return sorted({email.strip().lower() for email in users.values_list("email", flat=True)})


@hooks.register("before_edit_setting")
def remember_routing(request, instance):
    if isinstance(instance, PortalSettings):
        setattr(instance, _BEFORE, routing_of(instance))


@hooks.register("after_edit_setting")
def report_routing_change(request, instance):
    if not isinstance(instance, PortalSettings) or not hasattr(instance, _BEFORE):
        return
    before, after = getattr(instance, _BEFORE), routing_of(instance)
    changes = {
        name: {"before": before[name], "after": after[name]}
        for name in MAIL_ROUTING_FIELDS
        if before[name] != after[name]
    }
    if not changes:
        return
    event = record_security_event(
        Kind.SETTINGS_CHANGED, request, setting="mail_routing", site=instance.site_id, changes=changes
    )
    user = getattr(request, "user", None)
    queue_mail(
        key=f"mail_routing:{instance.pk}:{event.pk if event else timezone.now().timestamp()}",
        to=admin_emails(),
        template=MAIL_TEMPLATE,
        context={"changes": changes, "site": instance.site, "user": user, "when": timezone.now()},
    )
    logger.warning(
        "Mail routing of site %s changed by %s: %s", instance.site_id, user.get_username() if user else "-", changes
    )
