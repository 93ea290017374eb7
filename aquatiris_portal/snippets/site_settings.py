from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.images import get_image_model_string
from wagtail.models import Site

from .. import content_cache
from .serial_patterns import validate_serial_number_pattern

# Canonical serial numbers (enquiries.forms.canonical_serial): AQ, the year,
# six digits. Installation references (AQ-2019-5001) have four: never matched.
SERIAL_NUMBER_PATTERN = r"^AQ-\d{4}-\d{6}$"
PREVIOUS_SERIAL_NUMBER_PATTERN = r"^AQ-?\d{4}-?\d{4,6}$"  # matched references


# Granted to no group by backoffice.groups: superusers only, unless an admin
# gives it to someone on purpose.
MAIL_ROUTING_PERMISSION = "aquatiris_portal.change_mail_routing"
MAIL_ROUTING_FIELDS = ("network_head_emails", "sender_email")
# Which serial numbers earn a manufacturer certificate is not editorial
# either: the same admins' permission gates it.
SERIAL_RULE_FIELDS = ("serial_number_pattern",)


def validate_email_lines(value):
    for line in value.splitlines():
        if line.strip():
            validate_email(line.strip())


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    """What editors change without a deploy."""

    network_head_emails = models.TextField(
        _("network head email addresses"),
        blank=True,
        validators=[validate_email_lines],
        help_text=_("One address per line. They receive every after-sales (SAV) request."),
    )
    sender_email = models.EmailField(
        _("sender address"),
        blank=True,
        help_text=_("Sender of the portal's emails; empty uses the site default."),
    )
    serial_number_pattern = models.CharField(
        _("serial number pattern"),
        max_length=200,
        default=SERIAL_NUMBER_PATTERN,
        validators=[validate_serial_number_pattern],
        help_text=_(
            "Regular expression the serial number must match, written in its canonical form (capitals, "
            "groups joined by hyphens: AQ-2024-012345). It must not match installation references "
            "(AQ-2019-5001): a reference is refused anyway."
        ),
    )
    serial_number_help = models.CharField(
        _("serial number help"),
        max_length=255,
        default=_(
            "The serial number is printed on the manufacturer's plate fixed on your installation: AQ, the "
            "year, then 6 digits, e.g. AQ-2024-012345."
        ),
    )
    warranty_years = models.PositiveSmallIntegerField(
        _("length of the extended warranty (years)"),
        default=10,
        help_text=_(
            "Counted from the installation date (from the registration when it is unknown). "
            "The end date is printed on the certificate."
        ),
    )
    certificate_title = models.CharField(_("certificate title"), max_length=200, default=_("Manufacturer certificate"))
    certificate_text = models.TextField(
        _("certificate text"),
        blank=True,
        default=_(
            "Aquatiris certifies that the installation described below is covered by the extended "
            "manufacturer warranty."
        ),
    )
    certificate_signature = models.CharField(
        _("certificate signature"), max_length=200, blank=True, default="Aquatiris"
    )
    certificate_logo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("certificate logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    network_phone = models.CharField(
        _("Aquatiris phone number for account help"),
        max_length=40,
        blank=True,
        help_text=_("Shown after a first connection request, for people who receive no email."),
    )
    request_answer_days = models.PositiveSmallIntegerField(
        _("expected answer time (working days)"),
        default=2,
        help_text=_("Told to the client in the confirmation email of each request."),
    )

    panels = [
        # Where clients' personal data is mailed is not editorial: only users
        # with MAIL_ROUTING_PERMISSION (admins) see and change these fields
        # (and the serial number pattern below); the form of anyone else has
        # no such field.
        MultiFieldPanel(
            [FieldPanel(name, permission=MAIL_ROUTING_PERMISSION) for name in MAIL_ROUTING_FIELDS],
            heading=_("Emails"),
            permission=MAIL_ROUTING_PERMISSION,
        ),
        MultiFieldPanel(
            [
                *(FieldPanel(name, permission=MAIL_ROUTING_PERMISSION) for name in SERIAL_RULE_FIELDS),
                FieldPanel("serial_number_help"),
                FieldPanel("certificate_title"),
                FieldPanel("certificate_text"),
                FieldPanel("certificate_signature"),
                FieldPanel("certificate_logo"),
                FieldPanel("warranty_years"),
            ],
            heading=_("Warranty extension"),
        ),
        # The spaces' texts are fields of the space pages (pages/space_texts.py).
        MultiFieldPanel([FieldPanel("request_answer_days")], heading=_("Requests")),
        MultiFieldPanel([FieldPanel("network_phone")], heading=_("First connection")),
    ]

    class Meta:
        verbose_name = _("portal settings")
        permissions = [
            (
                "change_mail_routing",
                _(
                    "Can change where the portal's emails go (network heads, sender) "
                    "and which serial numbers are accepted"
                ),
            )
        ]

    @classmethod
    def for_site(cls, site):
        """Wagtail's ``for_site`` (get or create), cached per site: the spaces
        read the settings on every page. Forgotten when settings, a site or
        an image are saved or deleted (content_cache_receivers.py)."""
        if site is None:
            return super().for_site(site)  # Wagtail's DoesNotExist
        return content_cache.get_or_set(
            content_cache.SETTINGS, (site.pk,), lambda: super(PortalSettings, cls).for_site(site)
        )

    @property
    def network_head_email_list(self):
        return [line.strip() for line in self.network_head_emails.splitlines() if line.strip()]


def default_sender_email():
    """The sender address admins set in the default site's settings, or ""
    (notifications.mail asks it through the ``aquatiris_portal_sender_email``
    hook, registered in wagtail_hooks.py). Cached with the settings: a loop
    queueing mails pays a cache read per mail, not a query; saving the
    settings or a site forgets it (content_cache_receivers.py)."""
    return content_cache.get_or_set(content_cache.SETTINGS, ("default-sender",), _read_default_sender)


def _read_default_sender():
    site = Site.objects.filter(is_default_site=True).first()
    return (PortalSettings.for_site(site).sender_email or "").strip() if site else ""
