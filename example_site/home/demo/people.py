"""Who the demo's records are: franchisees, SPANCs, clients and their
installations, as plain data (``portal_demo`` writes them through the ORM).

The data has the shapes real exports hold, so that the demo shows what a
real client meets: codes with several separators and spaces (``AQ/22/0457``,
``C 10088 B``, ``cli_2020.77``, ``PRO 35/012``), emails with capitals, a
``+`` tag or an IDN domain, names with apostrophes (’ and '), particles,
hyphens and accents, lieux-dits and a second address line, a franchisee
without an email, an installation without a SPANC and a client with five
installations. ``email`` is the address as the export spells it (what the
demo prints and a person types); the portal stores its canonical form.
"""

import datetime
import random
from dataclasses import dataclass, field

# (id, company, first name, last name, email, phone). F-004 has no email, as
# some franchisees in the internal system: requests go to the network head.
FRANCHISEES = [
    ("F-001", "Aquatiris Ille-et-Vilaine", "Luc", "Martin", "luc.martin@example.org", "02 99 00 00 01"),
    ("F-002", "Aquatiris Côtes-d'Armor", "Claire", "Le Goff", "claire.legoff@example.org", "02 96 00 00 02"),
    ("F-003", "Aquatiris Morbihan", "Yann", "Le Bihan", "yann.lebihan@example.org", "02 97 00 00 03"),
    ("F-004", "Aquatiris Pays de Rance", "Gwenaël", "Le Bras", "", "02 96 00 00 04"),
]
NO_EMAIL_FRANCHISEE = 3  # index in FRANCHISEES
# (id, code, name, email as exported, phone, (line1, postcode, city)). The
# first has the demo's SPANC login; the second is a SPANC to activate.
SPANCS = [
    (
        "S-035",
        "PRO 35/012",
        "SPANC de Rennes Métropole",
        "spanc.rennes@example.org",
        "02 99 00 00 10",
        ("4 avenue Henri Fréville", "35200", "Rennes"),
    ),
    (
        "S-022",
        "PRO 22/047",
        "SPANC de Saint-Brieuc Armor Agglomération",
        "SPANC.StBrieuc+portail@Example.ORG",
        "02 96 00 00 20",
        ("5 rue du 71e RI", "22000", "Saint-Brieuc"),
    ),
]
# Clients whose data the README and the browser tests name: (first name,
# last name, email as exported, code). 0 and 2 get a login; 1, 3, 4 and 5
# are printed as clients to activate.
SHOWCASE = {
    0: ("Anne", "Durand", "anne.durand@example.org", "CLI-1000"),  # two installations
    1: ("Bernard", "Lefebvre", "bernard.lefebvre@example.org", "CLI-1037"),
    2: ("Jean-Baptiste", "d’Hérouville", "JB.dHerouville+portail@Example.ORG", "CLI-ACC-1A"),  # five installations
    3: ("Anne-Sophie", "Le Goff", "Anne-Sophie.Le-Goff+portail@exämple.fr", "AQ/22/0457"),
    4: ("Maëlys", "N'Diaye", "MAELYS.NDIAYE@Example.ORG", "C 10088 B"),
    5: ("Loïc", "de La Villemarqué", "loic.delavillemarque@exämple.fr", "cli_2020.77"),
}
LOGGED_IN = (0, 2)
TO_ACTIVATE = (1, 3, 4, 5)
FIVE_INSTALLATIONS = 2

FIRST_NAMES = [
    "Anne",
    "Bernard",
    "Jean-Baptiste",
    "Anne-Sophie",
    "Maëlys",
    "Loïc",
    "Gaëlle",
    "Hervé",
    "Isabelle",
    "Jean",
    "Karine",
    "Laurent",
    "Marie-Thérèse",
    "Nicolas",
    "Odile",
    "Pierre",
    "Quentin",
    "Rozenn",
    "Sophie",
    "Thierry",
]
LAST_NAMES = [
    "Durand",
    "Lefebvre",
    "d’Hérouville",
    "Le Goff",
    "N'Diaye",
    "de La Villemarqué",
    "Morvan",
    "Jézéquel",
    "Riou",
    "Caradec",
    "Le Gall",
    "D'Aboville",
    "Hamon",
    "Prigent",
    "Quéméner",
    "Salaün",
    "Thomas",
    "Urvoy",
    "Vallée",
    "Weber",
]
# Codes of the other clients, cycling through the shapes of the internal
# system's eras; each holds n, so none shares its letters and digits with
# another (the activation look-up ignores separators, case and spaces).
CODE_SHAPES = [
    lambda n: f"CLI-{1000 + n * 37:04d}",
    lambda n: f"CLI-ACC-{n}B",
    lambda n: f"AQ/{18 + n % 7}/{n * 37:04d}",
    lambda n: f"C {10000 + n * 37} B",
    lambda n: f"cli_{2018 + n % 7}.{n}",
]
TOWNS = [
    ("35400", "Saint-Malo"),
    ("35430", "Saint-Père"),
    ("35160", "Montfort-sur-Meu"),
    ("22100", "Dinan"),
    ("22400", "Lamballe"),
    ("56000", "Vannes"),
    ("35310", "Mordelles"),
    ("22200", "Guingamp"),
]
LABELS = ["Filtre planté de roseaux 5 EH", "Filtre planté de roseaux 8 EH", "Jardin d'assainissement 4 EH"]
STAGES = ["study", "quote", "installation", "commissioned", "maintenance"]
CLIENT_COUNT = 20
MOST_INSTALLATIONS = 5


@dataclass
class InstallationData:
    external_id: str
    number: int
    reference: str
    label: str
    address_line1: str
    address_line2: str
    postcode: str
    city: str
    installed_on: datetime.date
    stage: str
    franchisee: int  # index in FRANCHISEES
    spanc: int | None  # index in SPANCS; None: no SPANC on file (Morbihan)


@dataclass
class ClientData:
    n: int
    external_id: str
    code: str
    first_name: str
    last_name: str
    email: str  # as the export spells it
    phone: str
    address_line1: str
    address_line2: str
    postcode: str
    city: str
    installations: list = field(default_factory=list)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


def _email(first, last):
    local = f"{first}.{last}".lower()
    for accented, plain in (
        ("é", "e"),
        ("è", "e"),
        ("ë", "e"),
        ("ï", "i"),
        ("ü", "u"),
        ("ç", "c"),
        ("’", ""),
        ("'", ""),
        (" ", ""),
    ):
        local = local.replace(accented, plain)
    return f"{local}@example.org"


def installation_number(n, i):
    """The number in an installation's ids: three per client as before the
    five-installation client, its fourth and fifth in a range of their own."""
    return 5001 + n * 3 + i if i < 3 else 5901 + n * 10 + i


def installation_ids():
    """Every installation id the demo may use (checked before writing)."""
    return [f"I-{installation_number(n, i)}" for n in range(CLIENT_COUNT) for i in range(MOST_INSTALLATIONS)]


def client_ids():
    return [f"C-{10001 + n}" for n in range(CLIENT_COUNT)]


def _installation(n, i):
    number = installation_number(n, i)
    postcode, city = TOWNS[(n + i) % len(TOWNS)]
    year = 2018 + (n + i) % 7
    line1, line2 = [
        ("Lieu-dit La Ville Ès Nonais", ""),
        (f"Lieu-dit Kerroch {i}", "Bâtiment B"),
        ("3 impasse de l’Église", ""),
    ][i % 3]
    if n == 0:  # the browser tests' client keeps its first addresses
        line1, line2 = ("La Ville Ès Nonais" if i == 0 else f"Lieu-dit Kerroch {i}"), ""
    return InstallationData(
        external_id=f"I-{number}",
        number=number,
        reference=f"AQ-{year}-{number}" if n == 0 or (n + i) % 3 else f"AQ {year}/{number}",
        label=LABELS[(n + i) % len(LABELS)],
        address_line1=line1,
        address_line2=line2,
        postcode=postcode,
        city=city,
        installed_on=datetime.date(year, 1 + (n * 5 + i) % 12, 1 + n % 27),
        stage=(STAGES[i] if n == FIVE_INSTALLATIONS else STAGES[(n + i + 2) % len(STAGES)] if n else "commissioned"),
        franchisee=NO_EMAIL_FRANCHISEE if (n, i) == (FIVE_INSTALLATIONS, 3) else n % 3,
        spanc=0 if postcode.startswith("35") else None if postcode.startswith("56") else 1,
    )


def clients():
    """The demo's clients with their installations (the same at every run)."""
    rng = random.Random(2020)
    result = []
    for n in range(CLIENT_COUNT):
        first, last, email, code = SHOWCASE.get(n) or (
            FIRST_NAMES[n],
            LAST_NAMES[n],
            _email(FIRST_NAMES[n], LAST_NAMES[n]),
            CODE_SHAPES[n % 5](n),
        )
        postcode, city = TOWNS[n % len(TOWNS)]
        line1 = f"{rng.randint(1, 60)} rue des Roseaux"
        line2 = "Bâtiment B, appartement 12" if n % 5 == 2 else ""
        if n % 5 == 3:
            line1 = "Lieu-dit Le Clos d’Ès Nonais"
        count = 2 if n == 0 else rng.choice([1, 1, 2, 3])
        if n == FIVE_INSTALLATIONS:
            count = MOST_INSTALLATIONS
        data = ClientData(
            n=n,
            external_id=f"C-{10001 + n}",
            code=code,
            first_name=first,
            last_name=last,
            email=email,
            phone=f"06 00 00 {n // 10:02d} {n % 100:02d}",
            address_line1=line1,
            address_line2=line2,
            postcode=postcode,
            city=city,
        )
        data.installations = [_installation(n, i) for i in range(count)]
        result.append(data)
    return result
