"""Plain builders for records, shared by unit and integration tests.

Each takes keyword overrides; unique keys come from a counter. Codes, names,
emails and addresses take the shapes real exports hold (several separators,
capitals and ``+`` tags, apostrophes, particles, accents, lieux-dits): a
test that assumes ``CLI-1037``-style data fails here, not in production.
Which shape a record gets depends on the test that makes it (its node id)
and on how many records of that kind it made before, not on the tests that
ran earlier: a test fails alone exactly as it fails in the whole suite.
"""

import hashlib
import itertools
import os
import zlib
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from aquatiris_portal.models import (
    Client,
    DocumentTheme,
    Franchisee,
    Installation,
    Membership,
    PortalAccount,
    PortalDocument,
    Spanc,
)
from home.demo.pdf import make_pdf

_seq = itertools.count(1)
_made = {}  # (test id, kind) -> records of that kind made in that test


def _n():
    return next(_seq)


def _shape(kind, shapes):
    """The next of ``shapes`` for ``kind``, cycling from an offset fixed by
    the current test's node id (crc32: the same in every process)."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    key = (test, kind)
    count = _made[key] = _made.get(key, -1) + 1
    return shapes[(zlib.crc32(f"{test}|{kind}".encode()) + count) % len(shapes)]


# Every shape holds n whole, and no two shapes share letters-and-digits
# spellings (CLIT1, CLIACC1A, AQ011, C1B, CLI20201), so codes stay unique
# however a look-up ignores separators, case and spaces.
CLIENT_CODES = [
    lambda n: f"CLI-T{n}",
    lambda n: f"CLI-ACC-{n}A",
    lambda n: f"AQ/{n % 100:02d}/{n:04d}",
    lambda n: f"C {n} B",
    lambda n: f"cli_2020.{n}",
]
SPANC_CODES = [
    lambda n: f"PRO-T{n}",
    lambda n: f"PRO 35/{n:03d}",
    lambda n: f"pro_22.{n}",
]
# (first name, last name): particles, apostrophes (’ and '), hyphens, accents.
CLIENT_NAMES = [
    lambda n: ("Anne", f"Durand{n}"),
    lambda n: ("Jean-Baptiste", f"d’Hérouville{n}"),
    lambda n: ("Anne-Sophie", f"Le Goff{n}"),
    lambda n: ("Maëlys", f"N'Diaye{n}"),
    lambda n: ("Hervé", f"de La Villemarqué{n}"),
]
# Capitals, "+" tags and an IDN domain; stored canonical (records.emails).
CLIENT_EMAILS = [
    lambda n: f"client{n}@example.org",
    lambda n: f"Client{n}.Le-Goff+portail@Example.ORG",
    lambda n: f"client{n}@exämple.fr",
]
SPANC_EMAILS = [
    lambda n: f"spanc{n}@example.org",
    lambda n: f"SPANC{n}+Controles@Example.ORG",
]
# (line1, line2, postcode, city)
ADDRESSES = [
    ("12 rue des Roseaux", "", "35400", "Saint-Malo"),
    ("Lieu-dit La Ville Ès Nonais", "Bâtiment B", "35430", "Saint-Père"),
    ("3 impasse de l’Église", "", "22100", "Dinan"),
]
REFERENCES = [
    lambda n: f"AQ-T-{n}",
    lambda n: f"AQ 2024/{n}",
]


def _address(kind):
    line1, line2, postcode, city = _shape(kind, ADDRESSES)
    return dict(address_line1=line1, address_line2=line2, postcode=postcode, city=city)


def franchisee(**kw):
    n = _n()
    data = dict(
        external_id=f"F-T{n}",
        company=f"Aquatiris Test {n}",
        first_name="Luc",
        last_name="Martin",
        email=f"franchisee{n}@example.org",
        phone="02 99 00 00 01",
    )
    data.update(kw)
    return Franchisee.objects.create(**data)


def spanc(**kw):
    n = _n()
    data = dict(
        external_id=f"S-T{n}",
        code=_shape("spanc code", SPANC_CODES)(n),
        name=f"SPANC test {n}",
        email=_shape("spanc email", SPANC_EMAILS)(n),
        phone="02 99 00 00 02",
        address_line1="1 place de la Mairie",
        postcode="35000",
        city="Rennes",
    )
    data.update(kw)
    return Spanc.objects.create(**data)


def client(**kw):
    n = _n()
    first_name, last_name = _shape("client name", CLIENT_NAMES)(n)
    data = dict(
        external_id=f"C-T{n}",
        code=_shape("client code", CLIENT_CODES)(n),
        first_name=first_name,
        last_name=last_name,
        email=_shape("client email", CLIENT_EMAILS)(n),
        phone="06 00 00 00 01",
        **_address("client address"),
    )
    data.update(kw)
    return Client.objects.create(**data)


def installation(**kw):
    n = _n()
    data = dict(
        external_id=f"I-T{n}",
        reference=_shape("reference", REFERENCES)(n),
        label="Filtre planté de roseaux 5 EH",
        stage="commissioned",
        **_address("installation address"),
    )
    data.update(kw)
    if "client" not in data:
        data["client"] = client()
    if "franchisee" not in data:
        data["franchisee"] = franchisee()
    return Installation.objects.create(**data)


def theme(slug="etude-de-sol", name="Étude de sol", order=10):
    return DocumentTheme.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})[0]


def document(installation_obj=None, *, content=None, filename="document.pdf", content_type="application/pdf", **kw):
    n = _n()
    installation_obj = installation_obj or installation()
    content = (
        content if content is not None else make_pdf(f"Document {n}", [f"installation {installation_obj.reference}"])
    )
    data = dict(
        external_id=f"D-T{n}",
        installation=installation_obj,
        title=f"Document {n}",
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        visible_to_client=True,
        visible_to_spanc=False,
        created_at=timezone.now(),
    )
    data.update(kw)
    if "theme" not in data:
        data["theme"] = theme()
    doc = PortalDocument(**data)
    doc.file.save(filename, ContentFile(content), save=False)
    doc.save()
    return doc


def user(email=None, password="correct-Horse-battery-9", **kw):
    email = email or f"user{_n()}@example.org"
    User = get_user_model()
    u = User.objects.create_user(username=email, email=email, password=password, **kw)
    return u


def client_user(client_obj=None, **kw):
    """The client's owner: the login that is its email, as activation makes it."""
    client_obj = client_obj or client()
    u = user(email=client_obj.email, **kw)
    PortalAccount.objects.create(user=u, activated_at=timezone.now())
    Membership.objects.create(person=u, role=Membership.Role.OWNER, client=client_obj)
    return u


def spanc_user(spanc_obj=None, **kw):
    """The SPANC's manager: the login that is its email, as activation makes it."""
    spanc_obj = spanc_obj or spanc()
    u = user(email=spanc_obj.email, **kw)
    PortalAccount.objects.create(user=u, activated_at=timezone.now())
    Membership.objects.create(person=u, role=Membership.Role.MANAGER, spanc=spanc_obj)
    return u


def client_of(user):
    """The client ``user`` is the owner of (the oldest, for a landlord)."""
    return Membership.objects.filter(person=user, role=Membership.Role.OWNER).order_by("pk").first().client


def spanc_of(user):
    """The SPANC ``user`` is the manager of."""
    return Membership.objects.filter(person=user, role=Membership.Role.MANAGER).order_by("pk").first().spanc


class Lead(NamedTuple):
    """A record's owner or manager as tests look for one: the person (``user``),
    the record (``client`` or ``spanc``) and the person's portal account."""

    user: object
    client: object
    spanc: object
    account: object


def leads(kind="client"):
    """Every active owner ("client") or manager ("spanc") membership, oldest
    first, as Leads: "an activated client" in a demo database."""
    role = Membership.Role.OWNER if kind == "client" else Membership.Role.MANAGER
    rows = (
        Membership.objects.filter(role=role, removed_at__isnull=True)
        .select_related("person__portal_account", "client", "spanc")
        .order_by("pk")
    )
    return [Lead(row.person, row.client, row.spanc, getattr(row.person, "portal_account", None)) for row in rows]


def member(record, role=None, **kw):
    """A person with their own login in ``record`` (a client or a SPANC): a
    household member or an agent by default, as an invitation makes them."""
    is_client = isinstance(record, Client)
    role = role or (Membership.Role.HOUSEHOLD if is_client else Membership.Role.AGENT)
    u = user(**kw)
    PortalAccount.objects.create(user=u, activated_at=timezone.now())
    Membership.objects.create(person=u, role=role, **({"client": record} if is_client else {"spanc": record}))
    return u


def otp_login(http_client, user, device=None):
    """Log ``user`` in on a Django test client with a verified second factor
    (what django_otp.login does after a right code)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_email.models import EmailDevice

    http_client.force_login(user)
    device = device or EmailDevice.objects.get_or_create(user=user, name="email", defaults={"confirmed": True})[0]
    session = http_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def verified(user, device=None):
    """Mark a user object as having passed the second factor, for calling
    ``access`` directly outside a request (what OTPMiddleware does)."""
    from django_otp.plugins.otp_email.models import EmailDevice

    device = device or EmailDevice.objects.get_or_create(user=user, name="email", defaults={"confirmed": True})[0]
    user.otp_device = device
    user.is_verified = lambda: True
    return user


def run_portal_demo(*args, stdout=None):
    """The example site's ``portal_demo`` as ``make demo`` runs it: on a site
    in DEBUG (a test run turns DEBUG off, and the demo refuses without it),
    so the demo users get the published demo passwords."""
    import io

    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(DEBUG=True):
        call_command("portal_demo", *args, stdout=stdout if stdout is not None else io.StringIO())
