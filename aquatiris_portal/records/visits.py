"""Visits of an installation: planned and done maintenance,
emptying, repairs, SPANC inspections, commissioning. Synced records: the
internal system plans and reports them (``visit`` records of the exchange
format); the portal shows them and reminds the client.

``Installation.last_maintenance_on`` is the denormalised date of the last
maintenance done (``refresh_last_maintenance``), kept by the import, so the
SPANC's folder list sorts and filters on an index without joining visits.
"""

from django.db import models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from .models import Installation, PortalDocument, SyncedRecord, unique_external_id


class VisitKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance visit")
    EMPTYING = "emptying", _("Emptying")
    REPAIR = "repair", _("Repair")
    SPANC_INSPECTION = "spanc_inspection", _("SPANC inspection")
    COMMISSIONING = "commissioning", _("Commissioning")


class VisitSlot(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")


# Kinds that count as maintenance done (the "last maintenance" of the folder list).
MAINTENANCE_KINDS = (VisitKind.MAINTENANCE, VisitKind.EMPTYING)


class VisitQuerySet(models.QuerySet):
    def live(self):
        return self.filter(cancelled_at__isnull=True)

    def done(self):
        return self.filter(done_on__isnull=False)

    def planned(self):
        return self.filter(done_on__isnull=True, planned_for__isnull=False)


class Visit(SyncedRecord):
    # No index of its own: aqp_visit_inst_done and aqp_visit_inst_planned start with it.
    installation = models.ForeignKey(
        Installation,
        verbose_name=_("installation"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    slot = models.CharField(_("slot"), max_length=10, choices=VisitSlot.choices, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    technician = models.CharField(_("technician"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    report_document = models.ForeignKey(
        PortalDocument,
        verbose_name=_("report"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visible_to_client = models.BooleanField(_("visible to the client"), default=True)
    visible_to_spanc = models.BooleanField(_("visible to the SPANC"), default=False)
    # The planned date the last reminder was about, and how many versions of
    # the calendar entry the client was sent (the .ics SEQUENCE).
    reminded_for = models.DateField(_("reminder sent for"), null=True, blank=True, editable=False)
    reminded_slot = models.CharField(_("reminder sent for slot"), max_length=10, blank=True, editable=False)
    # Deleted by an export after the client was reminded: kept until the
    # cancellation is mailed (digests/visit_reminders.py), hidden from everyone.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    ics_sequence = models.PositiveIntegerField(_("calendar version"), default=0, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        constraints = [unique_external_id("aqp_visit")]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-planned_for"]
        indexes = [
            models.Index(fields=["installation", "done_on"], name="aqp_visit_inst_done"),
            models.Index(fields=["installation", "planned_for"], name="aqp_visit_inst_planned"),
            models.Index(fields=["planned_for", "done_on"], name="aqp_visit_planned"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.done_on or self.planned_for or ''}".strip()

    @property
    def date(self):
        return self.done_on or self.planned_for


def refresh_last_maintenance(installation_pks):
    """Copy the date of each installation's last maintenance done onto it
    (``Installation.last_maintenance_on``); one query to read, one update per
    installation that changed."""
    installation_pks = list(set(installation_pks))
    if not installation_pks:
        return
    latest = dict(
        Visit.objects.live()
        .filter(installation_id__in=installation_pks, kind__in=MAINTENANCE_KINDS, done_on__isnull=False)
        .values("installation_id")
        .annotate(last=Max("done_on"))
        .values_list("installation_id", "last")
    )
    current = dict(Installation.objects.filter(pk__in=installation_pks).values_list("pk", "last_maintenance_on"))
    for pk, value in current.items():
        if latest.get(pk) != value:
            Installation.objects.filter(pk=pk).update(last_maintenance_on=latest.get(pk))
