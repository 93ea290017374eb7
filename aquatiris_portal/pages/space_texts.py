"""The editors' texts of the two spaces, fields of the space pages.

Editors write them on the space's own page in the Wagtail admin, with the
page's preview and revisions (draft, publish, compare, revert); the screens
read them from the page they are served by (``page.intro``...): no query
and nothing to cache beyond the page itself. They used to be fields of the
portal settings (migration 0030 copied each site's values onto its pages).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel


class ClientSpaceTexts(models.Model):
    """What the client space says, besides the clients' own data."""

    intro = models.TextField(
        _("welcome text"),
        blank=True,
        help_text=_(
            "Shown at the top of the client's dashboard, under the welcome. Plain text: a line break starts a new line."
        ),
    )
    request_form_intro = models.TextField(
        _("request form introduction"),
        blank=True,
        help_text=_("Shown above the question / after-sales form (« Contact my installer »)."),
    )
    maintenance_contract_text = models.TextField(
        _("maintenance contract text"),
        blank=True,
        default=_("Ask for a maintenance contract: your franchisee will contact you with an offer."),
        help_text=_("Shown on the « Maintenance contract » screen, above the request button."),
    )
    emergency_text = models.TextField(
        _("what to do in an emergency"),
        blank=True,
        default=_(
            "Your filter overflows, water stays on the surface or it smells strongly: stop using water as far "
            "as you can (washing machine, bath), do not open the inspection chambers, and call your Aquatiris "
            "installer."
        ),
        help_text=_("Shown to clients on their dashboard and on the contact screen. Empty: no emergency box."),
    )
    emergency_phone = models.CharField(
        _("emergency phone number"),
        max_length=40,
        blank=True,
        help_text=_("Shown with the emergency text. Empty: the phone of each client's installer."),
    )

    text_panels = [
        MultiFieldPanel([FieldPanel("intro"), FieldPanel("maintenance_contract_text")], heading=_("Dashboard")),
        MultiFieldPanel([FieldPanel("request_form_intro")], heading=_("Requests")),
        MultiFieldPanel(
            [FieldPanel("emergency_text"), FieldPanel("emergency_phone")],
            heading=_("Emergency (dashboard and contact)"),
        ),
    ]

    class Meta:
        abstract = True


class ProSpaceTexts(models.Model):
    """What the pro space says to SPANC agents."""

    intro = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("Shown to SPANC agents above their list of client folders."),
    )
    spanc_upload_intro = models.TextField(
        _("upload introduction"),
        blank=True,
        help_text=_("Shown above the form where a SPANC adds a document to a folder."),
    )

    text_panels = [
        MultiFieldPanel([FieldPanel("intro"), FieldPanel("spanc_upload_intro")], heading=_("Texts of the pro space")),
    ]

    class Meta:
        abstract = True
