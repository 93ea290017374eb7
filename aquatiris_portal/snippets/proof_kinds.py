"""The kinds of proof a SPANC may ask an owner for (bordereau de vidange,
contrat d'entretien, rapport de visite...): an editor-managed list."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class ProofKind(models.Model):
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("shown in the form"), default=True)

    panels = [FieldPanel("name"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        app_label = "aquatiris_portal"
        verbose_name = _("proof kind")
        verbose_name_plural = _("proof kinds")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name
