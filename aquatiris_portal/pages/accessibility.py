"""The accessibility statement (déclaration d'accessibilité), on the RGAA 4.1
model: editors fill in the audit's results, the page writes the statement's
fixed parts (conformance sentence, feedback, remedies)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class AccessibilityStatementPage(Page):
    class Conformance(models.TextChoices):
        FULL = "full", _("fully compliant")
        PARTIAL = "partial", _("partially compliant")
        NONE = "none", _("not compliant")

    template = "aquatiris_portal/pages/accessibility_statement.html"
    max_count = 1
    subpage_types = []

    entity = models.CharField(_("who commits to accessibility"), max_length=200, default="Aquatiris")
    scope = models.CharField(
        _("what the statement covers"),
        max_length=255,
        default=_("the client space and the pro space of the Aquatiris website"),
    )
    conformance = models.CharField(
        _("conformance status"), max_length=10, choices=Conformance.choices, default=Conformance.PARTIAL
    )
    compliance_rate = models.CharField(
        _("rate of criteria met"),
        max_length=40,
        blank=True,
        help_text=_("As the audit gives it, e.g. “82 %”. Empty until an audit was made."),
    )
    audit_date = models.DateField(_("date of the audit"), null=True, blank=True)
    audited_by = models.CharField(_("audit made by"), max_length=200, blank=True)
    non_compliant = RichTextField(
        _("non-compliant content"), blank=True, help_text=_("The criteria not met and what they concern.")
    )
    derogations = RichTextField(_("derogations for disproportionate burden"), blank=True)
    not_subject = RichTextField(_("content not subject to the obligation"), blank=True)
    technologies = models.CharField(_("technologies used"), max_length=255, default="HTML5, CSS, JavaScript")
    environment = RichTextField(_("test environment (browsers and assistive technologies)"), blank=True)
    tools = RichTextField(
        _("tools used to check accessibility"),
        blank=True,
        default="<p>axe-core, Lighthouse, navigation au clavier seul</p>",
    )
    pages_checked = RichTextField(_("pages checked"), blank=True)
    contact_email = models.EmailField(_("contact email for accessibility"), blank=True)
    contact_address = models.TextField(_("contact postal address"), blank=True)
    established_on = models.DateField(_("statement established on"), null=True, blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("entity"), FieldPanel("scope"), FieldPanel("established_on")], heading=_("Statement")
        ),
        MultiFieldPanel(
            [
                FieldPanel("conformance"),
                FieldPanel("compliance_rate"),
                FieldPanel("audit_date"),
                FieldPanel("audited_by"),
            ],
            heading=_("Conformance"),
        ),
        MultiFieldPanel(
            [FieldPanel("non_compliant"), FieldPanel("derogations"), FieldPanel("not_subject")],
            heading=_("Content not accessible"),
        ),
        MultiFieldPanel(
            [FieldPanel("technologies"), FieldPanel("environment"), FieldPanel("tools"), FieldPanel("pages_checked")],
            heading=_("How it was checked"),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("contact_address")], heading=_("Feedback and contact")
        ),
    ]

    class Meta:
        verbose_name = _("accessibility statement")
