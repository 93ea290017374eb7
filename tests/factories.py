"""Plain builders for records, shared by unit and integration tests.

Each takes keyword overrides; unique keys come from a counter.
"""

import hashlib
import itertools

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from home.demo.pdf import make_pdf
from aquatiris_portal.models import (
    Client,
    DocumentTheme,
    Franchisee,
    Installation,
    PortalAccount,
    PortalDocument,
    Spanc,
)

_seq = itertools.count(1)


def _n():
    return next(_seq)


def franchisee(**kw):
    n = _n()
    data = dict(external_id=f"F-T{n}", company=f"Aquatiris Test {n}", first_name="Luc", last_name="Martin",
                email=f"franchisee{n}@example.org", phone="02 99 00 00 01")
    data.update(kw)
    return Franchisee.objects.create(**data)


def spanc(**kw):
    n = _n()
    data = dict(external_id=f"S-T{n}", code=f"PRO-T{n}", name=f"SPANC test {n}", email=f"spanc{n}@example.org",
                phone="02 99 00 00 02", address_line1="1 place de la Mairie", postcode="35000", city="Rennes")
    data.update(kw)
    return Spanc.objects.create(**data)


def client(**kw):
    n = _n()
    data = dict(external_id=f"C-T{n}", code=f"CLI-T{n}", first_name="Anne", last_name=f"Durand{n}",
                email=f"client{n}@example.org", phone="06 00 00 00 01",
                address_line1="12 rue des Roseaux", postcode="35400", city="Saint-Malo")
    data.update(kw)
    return Client.objects.create(**data)


def installation(**kw):
    n = _n()
    data = dict(external_id=f"I-T{n}", reference=f"AQ-T-{n}", label="Filtre planté de roseaux 5 EH",
                address_line1="La Ville", postcode="35430", city="Saint-Père", stage="commissioned")
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
    content = content if content is not None else make_pdf(f"Document {n}", [f"installation {installation_obj.reference}"])
    data = dict(external_id=f"D-T{n}", installation=installation_obj, title=f"Document {n}",
                filename=filename, content_type=content_type, size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), visible_to_client=True, visible_to_spanc=False,
                created_at=timezone.now())
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
    client_obj = client_obj or client()
    u = user(email=client_obj.email, **kw)
    PortalAccount.objects.create(user=u, client=client_obj, activated_at=timezone.now())
    return u


def spanc_user(spanc_obj=None, **kw):
    spanc_obj = spanc_obj or spanc()
    u = user(email=spanc_obj.email, **kw)
    PortalAccount.objects.create(user=u, spanc=spanc_obj, activated_at=timezone.now())
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
