"""Who wants which notification mails, and the one-click way out.

Each kind of notification mail has a default (on for what people would
expect to hear of, off for what they must ask for). A person's choice is a
``NotificationPreference`` row; no row means the default. Every
notification mail carries a signed unsubscribe link (no login, no expiry)
and the RFC 8058 headers ``List-Unsubscribe`` and ``List-Unsubscribe-Post``.

Other rooms add their kinds to ``KINDS`` (label, default, audience:
"client" or "spanc"). Imports nothing of the portal but ``conf``.

    if wants(user, "client_documents"):
        headers, url = unsubscribe_headers(user, "client_documents")
        queue_mail(..., headers=headers, context={..., "unsubscribe_url": url})
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import public_base_url

UNSUBSCRIBE_SALT = "aquatiris_portal.notifications.unsubscribe"


@dataclass(frozen=True)
class Kind:
    label: str
    help: str
    default: bool
    audience: str  # "client" or "spanc"


KINDS = {
    "request_answers": Kind(
        _("Answers to my requests"),
        _("An email when your franchisee or Aquatiris answers one of your requests."),
        True,
        "client",
    ),
    "client_documents": Kind(
        _("New documents"),
        _("At most one email a day listing the documents added for your installations."),
        True,
        "client",
    ),
    "visit_reminders": Kind(
        _("Visit reminders"),
        _(
            "An email a few days before a planned visit, with a calendar invitation, "
            "and when the visit is moved or cancelled."
        ),
        True,
        "client",
    ),
    "seasonal_tasks": Kind(
        _("This month's maintenance tasks"),
        _("One email a month with what to do at your installation this season."),
        False,
        "client",
    ),
    "proof_requests": Kind(
        _("Proofs my SPANC asks for"),
        _("An email when your SPANC asks for a proof of maintenance, a week before it is due and on the due date."),
        True,
        "client",
    ),
    "spanc_digest": Kind(
        _("New folders and documents of the territory"),
        _("A weekly email listing the new folders and the documents shared with your SPANC."),
        True,
        "spanc",
    ),
}


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_notification_preferences",
    )
    kind = models.CharField(_("notification"), max_length=40)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Digests: the end of the period the last mail covered.
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        app_label = "aquatiris_portal"
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="aqp_notification_pref_unique")]

    def __str__(self):
        return f"{self.user} {self.kind} {'on' if self.enabled else 'off'}"


def wants(user, kind):
    row = NotificationPreference.objects.filter(user=user, kind=kind).values_list("enabled", flat=True).first()
    return KINDS[kind].default if row is None else row


def choices_for(user, audiences):
    """[(kind, Kind, enabled)] for the kinds of these audiences, in one query."""
    rows = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return [(name, kind, rows.get(name, kind.default)) for name, kind in KINDS.items() if kind.audience in audiences]


def set_preference(user, kind, enabled):
    if kind not in KINDS:
        raise KeyError(kind)
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"enabled": bool(enabled), "changed_at": timezone.now()}
    )


# -- unsubscribe ----------------------------------------------------------------------


def unsubscribe_token(user, kind):
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=False)


def from_unsubscribe_token(token):
    """(user pk, kind) of a genuine token, else None."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_pk, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user_pk, kind) if kind in KINDS else None


_base_url = public_base_url


def unsubscribe_url(user, kind):
    return _base_url() + reverse("aquatiris_portal:unsubscribe", args=[unsubscribe_token(user, kind)])


def unsubscribe_headers(user, kind):
    """(headers for queue_mail, the link for the mail's text)."""
    url = unsubscribe_url(user, kind)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, url
