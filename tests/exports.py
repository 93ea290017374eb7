"""Exports written for the tests and the benchmark (not part of the package).

``sample_export`` writes an export with every record type and, optionally,
one bad record of each kind the importer quarantines; ``EXPECTED`` says
what importing it must give. ``large_export`` streams a big export to disk.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from home.demo.pdf import make_pdf as _make_pdf  # the example site's demo PDFs

FORMAT = "aquatiris-exchange/1"


def make_docx(text="Document"):
    """A minimal Word document (enough to be recognised by its content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
            'main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>',
        )
    return buffer.getvalue()


def make_pdf(title):
    return _make_pdf(title, ["Aquatiris"])


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_export(root, sequence, lines, files=None, name=None):
    """Write an export folder under ``root``; ``lines`` are dicts or raw strings."""
    folder = Path(root) / (name or f"export-{sequence:06d}")
    (folder / "files").mkdir(parents=True, exist_ok=True)
    for relative, data in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")
    # The manifest last: an export is complete once it has one.
    (folder / "manifest.json").write_text(
        json.dumps({"format": FORMAT, "sequence": sequence, "generated_at": "2026-11-22T10:00:00Z"}), "utf-8"
    )
    return folder


def _address(line1, postcode, city, line2=""):
    return {"line1": line1, "line2": line2, "postcode": postcode, "city": city}


def varied_records():
    """Records with the shapes real exports hold, all valid: codes with
    several separators and spaces, emails with capitals, a "+" tag or an IDN
    domain, names with apostrophes (’ and '), particles, hyphens and
    accents, a lieu-dit with a second address line, a franchisee without an
    email, an installation without a SPANC, a client with five
    installations. (The ``sample_records`` below hold them.)"""
    lines = [
        {
            "type": "franchisee",
            "id": "F-2",
            "company": "Aquatiris Pays de Rance",
            "first_name": "Gwenaël",
            "last_name": "Le Bras",
            "email": None,
            "phone": None,
        },
        {
            "type": "franchisee",
            "id": "F-3",
            "company": "Aquatiris Côtes-d’Armor",
            "first_name": "Anne-Laure",
            "last_name": "Le Floc’h",
            "email": "Agence.Rance+SAV@Exämple.fr",
            "phone": "02 96 00 00 03",
        },
        {
            "type": "spanc",
            "id": "S-2",
            "code": "PRO 35/012",
            "name": "SPANC de l’Ouest",
            "email": "Controle.SPANC+portail@Example.ORG",
            "phone": "02 99 00 00 12",
            "address": _address("Mairie", "35430", "Saint-Père", line2="Service d’assainissement"),
        },
        {
            "type": "client",
            "id": "C-3",
            "code": "AQ/22/0457",
            "first_name": "Jean-Baptiste",
            "last_name": "d’Hérouville",
            "email": "JB.dHerouville+portail@Exämple.fr",
            "phone": "06 00 00 00 03",
            "address": _address("Lieu-dit La Ville Ès Nonais", "35430", "Saint-Père", line2="Bâtiment B"),
        },
        {
            "type": "client",
            "id": "C-4",
            "code": "C 10088 B",
            "first_name": "Maëlys",
            "last_name": "N'Diaye",
            "email": "MAELYS.NDIAYE@Example.ORG",
            "phone": None,
            "address": _address("3 impasse de l’Église", "22100", "Dinan"),
        },
        {
            "type": "client",
            "id": "C-5",
            "code": "cli_2020.77",
            "first_name": "Anne-Sophie",
            "last_name": "de La Villemarqué",
            "email": "anne-sophie.dlv@example.org",
            "phone": "",
            "address": _address("Le Clos d’Ès Nonais", "35400", "Saint-Malo"),
        },
        {
            "type": "client",
            "id": "C-6",
            "code": "CLI-ACC-1A",
            "first_name": "Loïc",
            "last_name": "Le Goff",
            "email": "Loic.Le-Goff@example.org",
            "phone": "",
            "address": _address("12 rue des Roseaux", "35400", "Saint-Malo"),
        },
    ]
    # Only F-2, F-3 and S-2: what tests do to F-1 and S-1 leaves these alone.
    for n, (franchisee, spanc, reference, stage) in enumerate(
        [
            ("F-3", "S-2", "AQ-2021-0457", "study"),
            ("F-2", "S-2", "AQ 2022/0458", "quote"),  # no franchisee email
            ("F-3", None, "aq-2023-0459-b", "installation"),  # no SPANC on file
            ("F-2", "S-2", "AQ-2024-0460", "commissioned"),
            ("F-3", "S-2", "AQ-2025-0461", "maintenance"),
        ],
        start=3,
    ):
        lines.append(
            {
                "type": "installation",
                "id": f"I-{n}",
                "client": "C-3",
                "franchisee": franchisee,
                "spanc": spanc,
                "reference": reference,
                "label": "Filtre planté de roseaux 5 EH",
                "address": _address(
                    f"Lieu-dit Kerroch {n}", "35430", "Saint-Père", line2="Bâtiment B" if n % 2 else ""
                ),
                "installed_on": None,
                "stage": stage,
            }
        )
    lines.append(
        {
            "type": "installation",
            "id": "I-8",
            "client": "C-4",
            "franchisee": "F-2",
            "spanc": "S-2",
            "reference": "AQ 2019/0462",
            "label": "Jardin d'assainissement 4 EH",
            "address": _address("3 impasse de l’Église", "22100", "Dinan"),
            "installed_on": "2019-03-01",
            "stage": "commissioned",
        }
    )
    return lines


def sample_records(*, bad=True):
    """(lines, files) of the sample export."""
    pdf = make_pdf("Étude de sol")
    pdf2 = make_pdf("Plan")
    docx = make_docx("Contrat d'entretien")
    html = b"<!DOCTYPE html><html><body>not a document</body></html>"
    files = {
        "files/D-1.pdf": pdf,
        "files/D-2.docx": docx,
        "files/D-3.pdf": pdf2,
        "files/D-BADSHA.pdf": pdf,
        "files/D-HTML.pdf": html,
    }
    lines = [
        # The installation comes before the client, franchisee and SPANC it refers to.
        {
            "type": "installation",
            "id": "I-1",
            "client": "C-1",
            "franchisee": "F-1",
            "spanc": "S-1",
            "reference": "AQ-2019-0001",
            "label": "Filtre planté de roseaux 5 EH",
            "address": _address("La Ville Ès Nonais", "35430", "Saint-Père"),
            "installed_on": "2019-05-14",
            "serial_number": None,
            "stage": "commissioned",
            "colour": "green",
        },
        {
            "type": "franchisee",
            "id": "F-1",
            "company": "Aquatiris Ille-et-Vilaine",
            "first_name": "Luc",
            "last_name": "Martin",
            "email": "Luc.Martin@Example.org",
            "phone": "02 99 00 00 01",
        },
        {
            "type": "spanc",
            "id": "S-1",
            "code": "PRO-8Q4K2",
            "name": "SPANC de Rennes Métropole",
            "email": "SPANC@example.org",
            "phone": "02 99 00 00 02",
            "address": _address("4 avenue Henri Fréville", "35200", "Rennes"),
        },
        {
            "type": "client",
            "id": "C-1",
            "code": "CLI-7H2M9",
            "first_name": "Anne",
            "last_name": "Durand",
            "email": "Anne.Durand@Example.ORG",
            "phone": "06 00 00 00 01",
            "address": _address("12 rue des Roseaux", "35400", "Saint-Malo"),
        },
        {
            "type": "client",
            "id": "C-2",
            "code": "CLI-2",
            "first_name": "Paul",
            "last_name": "Le Goff",
            "email": "paul@example.org",
            "phone": "",
            "address": _address("1 rue du Port", "29200", "Brest"),
        },
        {
            "type": "installation",
            "id": "I-2",
            "client": "C-2",
            "franchisee": "F-1",
            "spanc": None,
            "reference": "AQ-2020-0002",
            "label": "Filtre 3 EH",
            "installed_on": None,
            "stage": "study",
        },
        {
            "type": "document",
            "id": "D-1",
            "installation": "I-1",
            "theme": "etude-de-sol",
            "title": "Étude de sol",
            "file": "files/D-1.pdf",
            "sha256": sha256(pdf),
            "issued_on": "2019-02-01",
            "visible_to": ["client", "spanc"],
        },
        {
            "type": "document",
            "id": "D-2",
            "installation": "I-1",
            "theme": "contrats-speciaux",
            "title": "Contrat d'entretien",
            "file": "files/D-2.docx",
            "sha256": sha256(docx),
            "issued_on": "2019-06-01",
            "visible_to": ["client"],
        },
        {
            "type": "document",
            "id": "D-3",
            "installation": "I-2",
            "theme": "plans",
            "title": "Plan",
            "file": "files/D-3.pdf",
            "sha256": sha256(pdf2),
            "visible_to": ["spanc"],
        },
        {
            "type": "document",
            "id": "D-4",
            "installation": "I-2",
            "theme": None,
            "title": "Note sans fichier",
            "file": None,
            "sha256": None,
        },
        {"type": "document", "id": "D-5", "installation": "I-2", "title": "Retirée", "file": None},
        {"type": "delete", "of": "document", "id": "D-5"},
        *varied_records(),
    ]
    if bad:
        lines += [
            '{"type": "client", "id": "C-BROKEN", ',  # invalid JSON
            {"type": "invoice", "id": "X-1"},  # unknown type
            {"type": "client", "id": "C-NONAME", "code": "CLI-NONAME", "email": "a@example.org"},  # missing field
            {"type": "installation", "id": "I-ORPHAN", "client": "C-NOPE", "reference": "AQ-X"},  # unknown reference
            {
                "type": "document",
                "id": "D-BADSHA",
                "installation": "I-1",
                "title": "Bad sha",
                "file": "files/D-BADSHA.pdf",
                "sha256": "0" * 64,
            },  # bad sha256
            {
                "type": "document",
                "id": "D-NOFILE",
                "installation": "I-1",
                "title": "No file",
                "file": "files/D-NOFILE.pdf",
                "sha256": "1" * 64,
            },  # missing file
            {
                "type": "document",
                "id": "D-HTML",
                "installation": "I-1",
                "title": "HTML",
                "file": "files/D-HTML.pdf",
                "sha256": sha256(html),
            },  # not PDF/DOCX
            {
                "type": "installation",
                "id": "I-BADDATE",
                "client": "C-1",
                "reference": "AQ-D",
                "installed_on": "2019-13-45",
            },  # bad date
            {
                "type": "client",
                "id": "C-BADMAIL",
                "code": "CLI-BADMAIL",
                "last_name": "Mail",
                "email": "not-an-email",
            },  # bad email
        ]
    return lines, files


# What importing ``sample_records(bad=True)`` into an empty portal gives.
EXPECTED = {
    # F-1, S-1, C-1, C-2, I-1, I-2, D-1..D-4 (D-5 is deleted further down the same export), and
    # varied_records(): F-2, F-3, S-2, C-3..C-6, I-3..I-8
    "created": 23,
    "updated": 0,
    "unchanged": 1,  # the delete of D-5, which never reached the portal
    "deleted": 0,
    "quarantined": 9,
}
# record id (or line for the invalid JSON) -> a word the reason contains
BAD_REASONS = {
    "": "JSON",
    "X-1": "Unknown record type",
    "C-NONAME": "last_name",
    "I-ORPHAN": "C-NOPE",
    "D-BADSHA": "sha256",
    "D-NOFILE": "missing",
    "D-HTML": "PDF",
    "I-BADDATE": "date",
    "C-BADMAIL": "email",
}


def sample_export(root, sequence=1, *, bad=True):
    lines, files = sample_records(bad=bad)
    return write_export(root, sequence, lines, files)


def large_export(root, sequence, *, clients=100_000, installations=150_000, documents=500_000, name=None):
    """Stream a big, valid, file-less export to disk (benchmark)."""
    folder = Path(root) / (name or f"export-{sequence:06d}")
    folder.mkdir(parents=True, exist_ok=True)
    dumps = json.dumps
    with open(folder / "records.jsonl", "w", encoding="utf-8") as out:
        for n in range(1, 51):
            out.write(
                dumps(
                    {
                        "type": "franchisee",
                        "id": f"F-{n}",
                        "company": f"Aquatiris {n}",
                        "first_name": "Luc",
                        "last_name": "Martin",
                        "email": f"f{n}@example.org",
                        "phone": "02 99 00 00 01",
                    }
                )
                + "\n"
            )
        for n in range(1, 201):
            out.write(
                dumps(
                    {
                        "type": "spanc",
                        "id": f"S-{n}",
                        "code": f"PRO-{n}",
                        "name": f"SPANC {n}",
                        "email": f"spanc{n}@example.org",
                        "phone": "02 99 00 00 02",
                        "address": _address("1 place de la Mairie", "35000", "Rennes"),
                    }
                )
                + "\n"
            )
        for n in range(1, clients + 1):
            out.write(
                dumps(
                    {
                        "type": "client",
                        "id": f"C-{n}",
                        "code": f"CLI-{n}",
                        "first_name": "Anne",
                        "last_name": f"Durand {n}",
                        "email": f"client{n}@example.org",
                        "phone": "06 00 00 00 01",
                        "address": _address(f"{n} rue des Roseaux", "35400", "Saint-Malo"),
                    }
                )
                + "\n"
            )
        for n in range(1, installations + 1):
            out.write(
                dumps(
                    {
                        "type": "installation",
                        "id": f"I-{n}",
                        "client": f"C-{(n - 1) % clients + 1}",
                        "franchisee": f"F-{n % 50 + 1}",
                        "spanc": f"S-{n % 200 + 1}",
                        "reference": f"AQ-{n}",
                        "label": "Filtre planté de roseaux 5 EH",
                        "address": _address("La Ville", "35430", "Saint-Père"),
                        "installed_on": "2019-05-14",
                        "serial_number": None,
                        "stage": "commissioned",
                    }
                )
                + "\n"
            )
        themes = ["etude-de-sol", "plans", "garanties", "entretien", "factures"]
        for n in range(1, documents + 1):
            out.write(
                dumps(
                    {
                        "type": "document",
                        "id": f"D-{n}",
                        "installation": f"I-{(n - 1) % installations + 1}",
                        "theme": themes[n % 5],
                        "title": f"Document {n}",
                        "file": None,
                        "sha256": None,
                        "issued_on": "2020-01-01",
                        "visible_to": ["client", "spanc"],
                    }
                )
                + "\n"
            )
    (folder / "manifest.json").write_text(dumps({"format": FORMAT, "sequence": sequence}), "utf-8")
    return folder


class Receiver:
    """A local HTTP receiver of outbox events for tests: answers the status
    codes of ``script`` in turn (then 200), records every request.
    ``HANG`` in the script: the request is recorded (processed), then the
    answer waits until ``release()`` (the portal's timeout runs out first).

        with Receiver([500, 500]) as receiver:
            settings.AQUATIRIS_PORTAL_OUTBOX_URL = receiver.url
    """

    HANG = "hang"

    def __init__(self, script=(), port=0):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.script = list(script)
        self.requests = []  # (status answered, headers dict, body bytes)
        self.lock = threading.Lock()
        self.released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    status = outer.script.pop(0) if outer.script else 200
                    outer.requests.append((status, dict(self.headers), body))
                if status == outer.HANG:
                    outer.released.wait(30)
                    status = 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the portal gave up waiting (HANG)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def release(self):
        """Let the hanging requests be answered."""
        self.released.set()

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    @property
    def delivered(self):
        """Bodies (parsed) answered with a 2xx, in arrival order."""
        return [
            json.loads(body)
            for status, _headers, body in self.requests
            if isinstance(status, int) and 200 <= status < 300
        ]
