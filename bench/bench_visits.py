"""Visits for the benchmark dataset: run by run.py after
``portal_bench_data``, with the site's environment (the benchmark database).

``portal_bench_data`` (example_site) creates no visits, so without this the
folder list's "no maintenance for more than N months" filter would return
every folder installed before the cut-off (last_maintenance_on is empty
everywhere) and the client's installation page would show no maintenance
log. This step gives the big SPANC's 5,000 installations and the benchmark
client's installations a maintenance history, then copies each one's last
maintenance onto the installation with the portal's own
``refresh_last_maintenance`` (what the import does).

Profile of an installation (seeded, so the same every time):
- 10 % were never maintained;
- 35 % had their last maintenance more than 24 months ago (they stopped);
- 55 % were maintained within the last 24 months;
with earlier visits every 12 to 36 months back to the installation date, a
commissioning visit on half of them, a SPANC inspection (shared with the
SPANC) on a third, a planned next visit on a third of those still maintained,
and an active contract (every 12 or 24 months) on 40 %. The benchmark
client's installations are 'maintained' with a planned visit and reports,
except the last one, left without any visit: its page is the installation
page as it was before visits existed (``client_installation_without_visits``,
the 'installation_no_visits' row).

Running it again when the visits are there changes nothing. Prints one JSON
line: counts, and how many folders the filter returns at 24 months.
"""

import datetime
import json
import random
import time

import django

MARKER = "BENCH-V-"  # external id prefix of the visits made here
BIG_SPANC = "BENCH-S-000"  # portal_bench_data's big SPANC (5,000 folders)
CLIENT_EMAIL = "bench.client@bench.example"
TECHNICIANS = ["Yann Le Goff", "Maëlle Kerjean", "Thomas Riou", "Soizic Hamon"]
SUMMARIES = [
    "Contrôle du filtre, faucardage des roseaux, nettoyage du regard de répartition.",
    "Vidange du poste de relevage, contrôle de la pompe, aucun défaut constaté.",
    "Entretien annuel : dégrillage, vérification des chasses, état des massifs correct.",
]
BATCH = 5000


def months_before(day, months):
    from aquatiris_portal.pages.client_visits import add_months

    return add_months(day, -months)


class VisitMaker:
    def __init__(self, rng, today):
        self.rng = rng
        self.today = today
        self.n = 0
        self.visits = []

    def add(self, installation, kind, *, done_on=None, planned_for=None, report=None, visible_to_spanc=False):
        from aquatiris_portal.records.visits import Visit

        done = done_on is not None
        self.visits.append(
            Visit(
                external_id=f"{MARKER}{self.n:07d}",
                installation_id=installation.pk,
                kind=kind,
                planned_for=planned_for or done_on,
                slot=self.rng.choice(["morning", "afternoon"]),
                done_on=done_on,
                technician=self.rng.choice(TECHNICIANS) if done else "",
                summary=self.rng.choice(SUMMARIES) if done else "",
                report_document_id=report,
                visible_to_client=True,
                visible_to_spanc=visible_to_spanc,
            )
        )
        self.n += 1

    def history(self, installation, last_done, reports=()):
        """Maintenance done on ``last_done`` and every 12-36 months before, back to the installation date."""
        from aquatiris_portal.records.visits import VisitKind

        interval = self.rng.choice([12, 12, 18, 24, 36])
        day, k = last_done, 0
        while day >= (installation.installed_on or day) and k < 12:
            # One visit in five is an emptying (it also counts as maintenance done).
            kind = VisitKind.EMPTYING if self.rng.random() < 0.2 else VisitKind.MAINTENANCE
            self.add(installation, kind, done_on=day, report=reports[k] if k < len(reports) else None)
            day, k = months_before(day, interval), k + 1

    def installation(self, installation, profile, reports=()):
        from aquatiris_portal.records.visits import VisitKind

        rng, today, installed = self.rng, self.today, installation.installed_on
        if installed and rng.random() < 0.5:
            self.add(installation, VisitKind.COMMISSIONING, done_on=installed)
        if installed and rng.random() < 0.33:
            inspected = installed + datetime.timedelta(days=rng.randrange(max(1, (today - installed).days)))
            self.add(installation, VisitKind.SPANC_INSPECTION, done_on=inspected, visible_to_spanc=True)
        if profile == "never":
            return
        if profile == "stopped":
            last = months_before(today, 25 + rng.randrange(60))
        else:
            last = today - datetime.timedelta(days=rng.randrange(1, 730))
        if installed and last < installed:
            return  # installed after that date: never maintained since
        self.history(installation, last, reports)
        if profile == "maintained" and (reports or rng.random() < 0.33):
            self.add(
                installation, VisitKind.MAINTENANCE, planned_for=today + datetime.timedelta(days=rng.randrange(1, 90))
            )


def main():
    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from aquatiris_portal.models import Installation, PortalDocument
    from aquatiris_portal.pages.pro_space_folders import overdue
    from aquatiris_portal.records.visits import Visit, refresh_last_maintenance

    big = Installation.objects.filter(spanc__external_id=BIG_SPANC)
    result = {}
    if Visit.objects.filter(external_id__startswith=MARKER).exists():
        result["generated_in_this_run"] = False
    else:
        started = time.perf_counter()
        rng, today = random.Random(17), timezone.localdate()
        maker = VisitMaker(rng, today)
        client_installations = list(Installation.objects.filter(client__email=CLIENT_EMAIL).order_by("pk"))
        client_pks = {installation.pk for installation in client_installations}
        contracts = []
        with transaction.atomic():
            for installation in client_installations:
                reports = list(
                    PortalDocument.objects.live()
                    .filter(installation=installation, visible_to_client=True)
                    .order_by("-created_at")
                    .values_list("pk", flat=True)[:3]
                )
                maker.installation(installation, "maintained", reports)
                contracts.append((installation.pk, 12))
            # Drawn like the others (the same random sequence for the rest), then dropped.
            without = client_installations[-1].pk
            maker.visits = [visit for visit in maker.visits if visit.installation_id != without]
            for installation in big.exclude(pk__in=client_pks).order_by("pk").only("pk", "installed_on"):
                draw = rng.random()
                maker.installation(installation, "never" if draw < 0.10 else "stopped" if draw < 0.45 else "maintained")
                if rng.random() < 0.4:
                    contracts.append((installation.pk, rng.choice([12, 24])))
            for start in range(0, len(maker.visits), BATCH):
                Visit.objects.bulk_create(maker.visits[start : start + BATCH])
            for every in (12, 24):
                Installation.objects.filter(pk__in=[pk for pk, months in contracts if months == every]).update(
                    maintenance_contract_status="active", maintenance_contract_every_months=every
                )
            refresh_last_maintenance([*client_pks, *big.values_list("pk", flat=True)])
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Visit._meta.db_table}")
            cursor.execute(f"ANALYZE {Installation._meta.db_table}")
        result.update(generated_in_this_run=True, seconds=round(time.perf_counter() - started, 1))
    visits = Visit.objects.filter(external_id__startswith=MARKER)
    result.update(
        client_installation_without_visits=Installation.objects.filter(client__email=CLIENT_EMAIL)
        .exclude(visits__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first(),
        visits=visits.count(),
        done=visits.filter(done_on__isnull=False).count(),
        planned=visits.filter(done_on__isnull=True).count(),
        big_spanc_folders=big.count(),
        big_spanc_maintained=big.filter(last_maintenance_on__isnull=False).count(),
        overdue_24_months=overdue(big, 24).count(),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
