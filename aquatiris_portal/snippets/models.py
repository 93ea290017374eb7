"""Editor-managed lists: request subjects, after-sales reasons, SPANC
document types. (Document themes are records: ``records.themes``.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class RequestSubject(models.Model):
    """An entry of the "subject" list of the client contact form."""

    name = models.CharField(_("name"), max_length=120)
    is_after_sales = models.BooleanField(
        _("after-sales (SAV)"),
        default=False,
        help_text=_("Requests with this subject also go to the network head and ask for a reason."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("shown in the form"), default=True)

    panels = [FieldPanel("name"), FieldPanel("is_after_sales"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        verbose_name = _("request subject")
        verbose_name_plural = _("request subjects")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class AfterSalesReason(models.Model):
    """The second list shown when an after-sales subject is chosen."""

    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("shown in the form"), default=True)

    panels = [FieldPanel("name"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        verbose_name = _("after-sales reason")
        verbose_name_plural = _("after-sales reasons")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class SpancDocumentType(models.Model):
    """An entry of the "type of document" list a SPANC chooses from when it
    sends a document (contrôle de conception, contrôle de bonne exécution...)."""

    name = models.CharField(_("name"), max_length=120)
    is_control_report = models.BooleanField(
        _("control report"),
        default=False,
        help_text=_(
            "A document of this type is a control report: the SPANC must give the control's result "
            "(compliant or not) when sending it."
        ),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("shown in the form"), default=True)

    panels = [FieldPanel("name"), FieldPanel("is_control_report"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        verbose_name = _("SPANC document type")
        verbose_name_plural = _("SPANC document types")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name
