"""Write a small sample export (exchange format v1) into a folder, for a
host's first test client:

    python manage.py portal_sample_export /tmp/exports --email you@example.org
    python manage.py portal_sync /tmp/exports

An operator tool, not demo data: it only writes files (never the database)
into a new folder ``DIR/sample-<sequence>/``: two franchisees (one without
an email), two SPANCs, four clients (the first with ``--email``; one with
five installations, one without a SPANC) and three small PDFs. Codes, names,
emails and addresses have the shapes real exports hold (several separators
and spaces, capitals, a ``+`` tag, an IDN domain, apostrophes, particles,
lieux-dits), so a first import shows what the portal does with them. Every
id starts with ``SAMPLE-`` and every code holds ``SAMPLE`` (no clash with a
real record); the sequence is 0 by default, below any real export's, so real
exports import after it.
"""

import hashlib
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FORMAT = "aquatiris-exchange/1"


def _pdf(title, lines=()):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(60, 780, title)
    pdf.setFont("Helvetica", 11)
    for n, line in enumerate(["Document d'exemple (portal_sample_export)", *lines]):
        pdf.drawString(60, 750 - 16 * n, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _address(line1, postcode, city, line2=""):
    return {"line1": line1, "line2": line2, "postcode": postcode, "city": city}


# The other sample clients, as the internal system spells them: (id, code,
# first name, last name, email). Printed after the import instructions.
OTHER_CLIENTS = [
    ("SAMPLE-C-2", "SAMPLE/22/0457", "Jean-Baptiste", "d’Hérouville", "JB.dHerouville+portail@Exämple.fr"),
    ("SAMPLE-C-3", "SAMPLE 10088 B", "Maëlys", "N'Diaye", "MAELYS.NDIAYE@Example.ORG"),
    ("SAMPLE-C-4", "sample_2020.77", "Anne-Sophie", "Le Goff", "Anne-Sophie.Le-Goff+portail@example.org"),
]
# SAMPLE-C-2's five installations: (id, franchisee, SPANC, reference, stage).
FIVE_INSTALLATIONS = [
    ("SAMPLE-I-2", "SAMPLE-F-1", "SAMPLE-S-1", "AQ-2025-900002", "study"),
    ("SAMPLE-I-3", "SAMPLE-F-2", "SAMPLE-S-2", "AQ 2022/900003", "quote"),  # a franchisee without email
    ("SAMPLE-I-4", "SAMPLE-F-1", None, "aq-2023-900004-b", "installation"),  # no SPANC on file
    ("SAMPLE-I-5", "SAMPLE-F-2", "SAMPLE-S-2", "AQ-2024-900005", "commissioned"),
    ("SAMPLE-I-6", "SAMPLE-F-1", "SAMPLE-S-1", "AQ-2019-900006", "maintenance"),
]


def sample_records(email, spanc_email):
    """(records, files): what the sample export holds."""
    files = {
        "files/SAMPLE-D-1.pdf": _pdf("Étude de sol", ["Installation SAMPLE-I-1"]),
        "files/SAMPLE-D-2.pdf": _pdf("Facture", ["Installation SAMPLE-I-1"]),
        "files/SAMPLE-D-3.pdf": _pdf("Étude de sol", ["Installation SAMPLE-I-2"]),
    }
    sha = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    records = [
        {
            "type": "franchisee",
            "id": "SAMPLE-F-1",
            "company": "Aquatiris Exemple",
            "first_name": "Luc",
            "last_name": "Martin",
            "email": "franchise@example.org",
            "phone": "02 99 00 00 01",
        },
        {
            "type": "spanc",
            "id": "SAMPLE-S-1",
            "code": "PRO-SAMPLE1",
            "name": "SPANC d'exemple",
            "email": spanc_email,
            "phone": "02 99 00 00 02",
            "address": _address("4 avenue Henri Fréville", "35200", "Rennes"),
        },
        {
            "type": "client",
            "id": "SAMPLE-C-1",
            "code": "CLI-SAMPLE1",
            "first_name": "Anne",
            "last_name": "Exemple",
            "email": email,
            "phone": "06 00 00 00 01",
            "address": _address("12 rue des Roseaux", "35400", "Saint-Malo"),
        },
        {
            "type": "franchisee",
            "id": "SAMPLE-F-2",
            "company": "Aquatiris Pays de Rance (exemple)",
            "first_name": "Gwenaël",
            "last_name": "Le Bras",
            "email": None,
            "phone": None,
        },
        {
            "type": "spanc",
            "id": "SAMPLE-S-2",
            "code": "PRO SAMPLE/35/012",
            "name": "SPANC de l’Ouest (exemple)",
            "email": "Controle.SPANC+portail@Example.ORG",
            "phone": "02 99 00 00 12",
            "address": _address("Mairie", "35430", "Saint-Père", line2="Service d’assainissement"),
        },
        {
            "type": "installation",
            "id": "SAMPLE-I-1",
            "client": "SAMPLE-C-1",
            "franchisee": "SAMPLE-F-1",
            "spanc": "SAMPLE-S-1",
            "reference": "AQ-2024-900001",
            "label": "Filtre planté de roseaux 5 EH",
            "address": _address("La Ville Ès Nonais", "35430", "Saint-Père"),
            "installed_on": "2024-05-14",
            "serial_number": None,
            "stage": "commissioned",
        },
    ]
    for n, (record_id, code, first_name, last_name, address) in enumerate(OTHER_CLIENTS):
        records.append(
            {
                "type": "client",
                "id": record_id,
                "code": code,
                "first_name": first_name,
                "last_name": last_name,
                "email": address,
                "phone": "" if n else "06 00 00 00 02",
                "address": [
                    _address("Lieu-dit La Ville Ès Nonais", "35430", "Saint-Père", line2="Bâtiment B"),
                    _address("3 impasse de l’Église", "22100", "Dinan"),
                    _address("1 rue du Port", "35400", "Saint-Malo"),
                ][n],
            }
        )
    for record_id, franchisee, spanc, reference, stage in FIVE_INSTALLATIONS:
        records.append(
            {
                "type": "installation",
                "id": record_id,
                "client": "SAMPLE-C-2",
                "franchisee": franchisee,
                "spanc": spanc,
                "reference": reference,
                "label": "Jardin d'assainissement 4 EH",
                "address": _address(
                    f"Lieu-dit Kerroch {record_id[-1]}",
                    "35430",
                    "Saint-Père",
                    line2="Bâtiment B" if record_id[-1] in "35" else "",
                ),
                "installed_on": None,
                "stage": stage,
            }
        )
    records += [
        {
            "type": "document",
            "id": "SAMPLE-D-1",
            "installation": "SAMPLE-I-1",
            "theme": "etude-de-sol",
            "title": "Étude de sol",
            "file": "files/SAMPLE-D-1.pdf",
            "sha256": sha["files/SAMPLE-D-1.pdf"],
            "issued_on": "2024-02-01",
            "visible_to": ["client", "spanc"],
        },
        {
            "type": "document",
            "id": "SAMPLE-D-2",
            "installation": "SAMPLE-I-1",
            "theme": "factures",
            "title": "Facture de l'installation",
            "file": "files/SAMPLE-D-2.pdf",
            "sha256": sha["files/SAMPLE-D-2.pdf"],
            "issued_on": "2024-05-20",
            "visible_to": ["client"],
        },
        {
            "type": "document",
            "id": "SAMPLE-D-3",
            "installation": "SAMPLE-I-2",
            "theme": "etude-de-sol",
            "title": "Étude de sol",
            "file": "files/SAMPLE-D-3.pdf",
            "sha256": sha["files/SAMPLE-D-3.pdf"],
            "issued_on": "2025-01-15",
            "visible_to": ["client", "spanc"],
        },
    ]
    return records, files


def write_sample_export(root, *, sequence=0, email="client@example.org", spanc_email="spanc@example.org"):
    """Write the sample export under ``root``; returns its folder. Refuses a
    folder that already exists (nothing is overwritten)."""
    folder = Path(root) / f"sample-{sequence:06d}"
    if folder.exists():
        raise FileExistsError(f"{folder} exists already: nothing written")
    records, files = sample_records(email, spanc_email)
    (folder / "files").mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    # The manifest last: an export is complete once it has one.
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "format": FORMAT,
                "sequence": sequence,
                "generated_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ),
        "utf-8",
    )
    return folder


class Command(BaseCommand):
    help = (
        "Write a small sample export (fake records and PDFs, no database change) into DIR, "
        "for a first test client with portal_sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="folder of exports (created if missing)")
        parser.add_argument(
            "--email",
            default="client@example.org",
            help="email of the sample client (use yours to receive the activation mail)",
        )
        parser.add_argument("--spanc-email", default="spanc@example.org", help="email of the sample SPANC")
        parser.add_argument("--sequence", type=int, default=0, help="sequence of the export (default 0)")

    def handle(self, *args, directory, email, spanc_email, sequence, **options):
        if sequence < 0:
            raise CommandError("--sequence must be 0 or more.")
        try:
            folder = write_sample_export(directory, sequence=sequence, email=email, spanc_email=spanc_email)
        except FileExistsError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        out(self.style.SUCCESS(f"Sample export #{sequence} written to {folder}"))
        out(f"  Import it:  python manage.py portal_sync {directory}")
        out(
            f"  Then activate the sample client on the portal's first-connection page with {email} "
            "and the client code CLI-SAMPLE1 (SPANC: " + spanc_email + ", code PRO-SAMPLE1)."
        )
        out(
            "  The other sample clients (their activation mails print where the site's mails go), "
            "codes spelled as real exports spell them:"
        )
        for _id, code, first_name, last_name, address in OTHER_CLIENTS:
            out(f"    {first_name} {last_name}: {address}, code {code}")
