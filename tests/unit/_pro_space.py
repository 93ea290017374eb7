"""Builders shared by the pro space tests."""

import datetime
import hashlib

from django.test import Client as HttpClient
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal.models import Client, Installation, PortalDocument
from aquatiris_portal.pages.pro_space import ProSpacePage
from tests import factories


def pro_space_page():
    page = ProSpacePage.objects.first()
    if page is None:
        root = Site.objects.get(is_default_site=True).root_page
        page = root.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    return page


def verified_client(user):
    http = HttpClient()
    factories.otp_login(http, user)
    return http


def bulk_folders(spanc, count, *, franchisee=None, prefix="B", documents_per_folder=2):
    """``count`` installations (with clients and documents) on ``spanc``'s territory."""
    franchisee = franchisee or factories.franchisee()
    tag = f"{prefix}{spanc.pk}"
    clients = Client.objects.bulk_create(
        [
            Client(
                external_id=f"C-{tag}-{n}",
                code=f"CLI-{tag}-{n}",
                first_name="Paul",
                last_name=f"Nom{n:05d}",
                email=f"c{tag}-{n}@example.org",
                postcode="35000",
                city="Rennes",
            )
            for n in range(count)
        ]
    )
    towns = [("35400", "Saint-Malo"), ("22100", "Dinan"), ("56000", "Vannes")]
    installations = Installation.objects.bulk_create(
        [
            Installation(
                external_id=f"I-{tag}-{n}",
                client=client,
                franchisee=franchisee,
                spanc=spanc,
                reference=f"AQ-{tag}-{n:05d}",
                postcode=towns[n % 3][0],
                city=towns[n % 3][1],
            )
            for n, client in enumerate(clients)
        ]
    )
    now = timezone.now()
    PortalDocument.objects.bulk_create(
        [
            PortalDocument(
                installation=installation,
                title=f"Doc {k}",
                filename="doc.pdf",
                content_type="application/pdf",
                size=10,
                sha256=hashlib.sha256(b"x").hexdigest(),
                visible_to_spanc=k % 2 == 0,
                visible_to_client=True,
                created_at=now - datetime.timedelta(days=n + k),
            )
            for n, installation in enumerate(installations)
            for k in range(documents_per_folder)
        ]
    )
    return installations


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
