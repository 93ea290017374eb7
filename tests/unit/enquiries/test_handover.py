"""« Je vends ma maison »: the form sends ``handover_requested`` (email in its
canonical form, an absurd date refused) and changes nothing else; once an
import moves the installation to the buyer's record, the seller gets 404 on
the installation, its documents and its dossier link, and one mail."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.enquiries import archives
from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.models import Installation, OutboxEvent, OutgoingMail
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.sync.importer import import_source
from tests import factories
from tests.exports import write_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(wagtail_tree):
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client(external_id="C-SELLER")
    franchisee = factories.franchisee(external_id="F-1")
    installation = factories.installation(
        client=client, franchisee=franchisee, external_id="I-SOLD", reference="AQ-2019-5001"
    )
    document = factories.document(installation, title="Étude de sol")
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {"client": client, "installation": installation, "document": document, "user": user, "http": http}


def url(installation):
    return f"/portail/installations/{installation.pk}/je-vends-ma-maison/"


def test_the_form_sends_the_event_and_says_what_happens_next(seller):
    day = timezone.localdate() + datetime.timedelta(days=30)
    response = seller["http"].post(
        url(seller["installation"]),
        {"buyer_name": "  Jean   Martin ", "buyer_email": "Jean.Martin@Exämple.fr", "sale_date": day.isoformat()},
    )
    assert response.status_code == 200
    [event] = OutboxEvent.objects.filter(kind="handover_requested")
    assert event.payload["installation"] == "I-SOLD" and event.payload["client"] == "C-SELLER"
    assert event.payload["buyer"] == {"name": "Jean Martin", "email": "jean.martin@xn--exmple-cua.fr"}
    assert event.payload["sale_date"] == day.isoformat()
    assert event.ordering_key == "installation:I-SOLD"
    assert 'role="status"' in response.content.decode()
    # Nothing changes until the sync moves the installation.
    assert Installation.objects.get(pk=seller["installation"].pk).client_id == seller["client"].pk
    assert seller["http"].get(f"/espace-client/installations/{seller['installation'].pk}/").status_code == 200


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.one_of(st.integers(367, 40000), st.integers(-40000, -367)))
def test_an_absurd_sale_date_is_refused_and_nothing_is_sent(seller, days):
    day = timezone.localdate() + datetime.timedelta(days=days)
    response = seller["http"].post(
        url(seller["installation"]),
        {"buyer_name": "Jean Martin", "buyer_email": "jean@example.org", "sale_date": day.isoformat()},
    )
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert not OutboxEvent.objects.filter(kind="handover_requested").exists()


def test_a_bad_email_is_refused(seller):
    response = seller["http"].post(
        url(seller["installation"]),
        {"buyer_name": "Jean Martin", "buyer_email": "jean.martin", "sale_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert not OutboxEvent.objects.filter(kind="handover_requested").exists()


def test_only_the_owner_of_this_installation_may_announce_a_sale(seller):
    other = HttpClient()
    other.force_login(factories.client_user())
    assert other.get(url(seller["installation"])).status_code == 404


def move_to_buyer(tmp_path, sequence):
    line = {
        "type": "installation",
        "id": "I-SOLD",
        "client": "C-BUYER",
        "franchisee": "F-1",
        "reference": "AQ-2019-5001",
        "label": "Filtre planté de roseaux 5 EH",
        "address": {"line1": "La Ville Ès Nonais", "line2": "", "postcode": "35430", "city": "Saint-Père"},
        "installed_on": "2019-05-14",
        "serial_number": None,
        "stage": "commissioned",
    }
    buyer = {
        "type": "client",
        "id": "C-BUYER",
        "code": "CLI-BUY3R",
        "first_name": "Jean",
        "last_name": "Martin",
        "email": "jean.martin@example.org",
        "phone": "06 00 00 00 09",
        "address": {"line1": "La Ville Ès Nonais", "line2": "", "postcode": "35430", "city": "Saint-Père"},
    }
    write_export(tmp_path / "exports", sequence, [buyer, {**line, "label": f"Filtre {sequence}"}])
    return import_source(tmp_path / "exports")


def test_after_the_move_the_seller_gets_404_everywhere_and_one_mail(seller, tmp_path):
    installation = seller["installation"]
    dossier, _created = archives.start(
        PersonalArchive.Kind.DOSSIER, seller["user"], client=seller["client"], installation=installation
    )
    dossier = archives.build(dossier.pk)
    assert seller["http"].get(archives.download_path(dossier)).status_code == 200

    result = move_to_buyer(tmp_path, 1)
    assert not result.runs[0].failed if hasattr(result.runs[0], "failed") else True
    installation.refresh_from_db()
    assert installation.client.external_id == "C-BUYER"
    http = seller["http"]
    assert http.get(f"/espace-client/installations/{installation.pk}/").status_code == 404
    assert http.get(f"/espace-client/installations/{installation.pk}/documents/").status_code == 404
    assert http.get(f"/portail/documents/{seller['document'].pk}/").status_code == 404
    assert http.get(archives.download_path(dossier)).status_code == 404
    assert http.post(f"/portail/installations/{installation.pk}/dossier/").status_code == 404
    [mail] = OutgoingMail.objects.filter(key__startswith="installation-moved:")
    assert mail.to == [seller["client"].email]

    move_to_buyer(tmp_path, 2)  # a later export that changes the installation again: no second mail
    assert OutgoingMail.objects.filter(key__startswith="installation-moved:").count() == 1

    # The buyer activates with the code the internal system gave them, and sees it.
    buyer = factories.client_user(installation.client)
    buyer_http = HttpClient()
    buyer_http.force_login(buyer)
    assert buyer_http.get(f"/espace-client/installations/{installation.pk}/").status_code == 200
