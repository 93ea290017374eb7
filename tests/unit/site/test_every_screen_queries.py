"""Every GET screen of both spaces and of the account pages within 8 SQL
queries, as its user sees it (the second request: the first fills the
per-process caches), and the same number for a client with 2 installations
as with 20, for an agent with 5 folders as with 50: nothing is read per row.

The data are the ones of test_client_page_queries.py and
test_pro_page_queries.py (their builders are reused)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from aquatiris_portal.accounts import second_factor
from aquatiris_portal.accounts.groups import client_group_name
from aquatiris_portal.enquiries.forms import ContactForm
from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.enquiries.proof_models import ProofRequest
from aquatiris_portal.records.models import Installation
from aquatiris_portal.records.visits import Visit
from aquatiris_portal.snippets.models import RequestSubject
from tests import factories
from tests.unit._pro_space import pro_space_page
from tests.unit.site.test_client_page_queries import client_with, pages  # noqa: F401 (a fixture)
from tests.unit.site.test_pro_page_queries import territory

pytestmark = pytest.mark.django_db

LIMIT = 8


def _portal(name, *args):
    return lambda data: reverse(f"aquatiris_portal:{name}", args=args)


def _client_space(suffix):
    return lambda data: "/espace-client/" + suffix.format(**data)


CLIENT_SCREENS = {
    "dashboard": _client_space(""),
    "installation": _client_space("installations/{installation}/"),
    "documents": _client_space("installations/{installation}/documents/"),
    "warranty": _client_space("installations/{installation}/garantie/"),
    "visit calendar (.ics)": _client_space("visites/{visit}/agenda/"),
    "move visit": _client_space("visites/{visit}/deplacer/"),
    "contact": _client_space("contact/"),
    "maintenance contract": _client_space("contrat-entretien/"),
    "requests": _client_space("demandes/"),
    "request detail": _client_space("demandes/{request}/"),
    "maintenance": _client_space("entretien/"),
    "document accesses": _client_space("qui-a-consulte-mes-documents/"),
    "proof answer": _client_space("justificatifs/{proof}/"),
    "space news": _client_space("actualites/"),
    "news index": lambda data: "/actualites/",
    "faq": lambda data: "/faq/",
    "password and security": _portal("password_change"),
    "authenticator app setup": _portal("otp_enroll"),
    "people": _portal("people", "client"),
    "notification preferences": _portal("notification_preferences"),
    "my data and archives": _portal("my_data"),
    "handover": lambda data: reverse("aquatiris_portal:handover", args=[data["installation"]]),
    "choose space": _portal("choose_space"),
}

PRO_SCREENS = {
    "folder list": lambda data: data["page"],
    "folder page": lambda data: f"{data['page']}dossiers/{data['folder']}/",
    "folder proof request": lambda data: f"{data['page']}dossiers/{data['folder']}/justificatif/",
    "folder export": lambda data: f"{data['page']}export/",
    "folder upload": lambda data: f"{data['page']}dossiers/{data['folder']}/envoyer/",
    "password and security": _portal("password_change"),
    "authenticator app setup": _portal("otp_enroll"),
    "backup codes": _portal("otp_backup_codes"),
    "people": _portal("people", "spanc"),
    "notification preferences": _portal("notification_preferences"),
    "my data and archives": _portal("my_data"),
    "choose space": _portal("choose_space"),
}


def client_data(size):
    http, installation = client_with(size)
    return http, {
        "installation": installation.pk,
        "visit": Visit.objects.filter(installation=installation, done_on=None).get().pk,
        "request": PortalRequest.objects.filter(installation=installation).first().reference,
        "proof": ProofRequest.objects.filter(installation=installation).get().pk,
    }


def agent_data(size):
    http, folder = territory(size)
    return http, {"page": pro_space_page().url, "folder": folder.pk}


def counted(http, url):
    """The queries of the second request (the first fills per-process caches)."""
    assert http.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, url
    return queries.captured_queries


def _check(name, few, many):
    print(f"{name}: {len(few)} -> {len(many)}")
    assert len(few) == len(many), (name, [q["sql"][:200] for q in many])
    assert len(many) <= LIMIT, (name, len(many), "\n".join(q["sql"][:300] for q in many))


@pytest.mark.parametrize("screen", CLIENT_SCREENS)
def test_each_client_screen_within_8_queries_whatever_the_clients_size(pages, screen):  # noqa: F811
    (small, small_data), (large, large_data) = client_data(2), client_data(20)
    url = CLIENT_SCREENS[screen]
    _check(screen, counted(small, url(small_data)), counted(large, url(large_data)))


@pytest.mark.parametrize("screen", PRO_SCREENS)
def test_each_pro_screen_within_8_queries_whatever_the_territorys_size(screen):
    (small, small_data), (large, large_data) = agent_data(5), agent_data(50)
    url = PRO_SCREENS[screen]
    _check(screen, counted(small, url(small_data)), counted(large, url(large_data)))


def test_the_contact_form_shows_the_same_options_from_the_rows_already_read():
    """The installations handed over by the space context give the very
    options Django renders from the queryset, selected one included; a posted
    installation of another client is still refused (checked against the queryset)."""
    owner = factories.client()
    for reference in ("AQ-3", "AQ-1", "AQ-2"):
        factories.installation(client=owner, reference=reference)
    RequestSubject.objects.create(name="Panne", is_after_sales=True, sort_order=2)
    RequestSubject.objects.create(name="Question", sort_order=1)
    queryset = Installation.objects.filter(client=owner).order_by("reference")
    rows = list(queryset)
    initial = {"installation": rows[1].pk}
    listed = ContactForm(installations=queryset, listed_installations=rows, initial=initial)
    plain = ContactForm(installations=queryset, initial=initial)
    subject = plain.fields["subject"]
    del subject._choices  # back to Django's own options, read from the queryset at rendering
    subject.queryset = subject.queryset
    for name in ("installation", "subject", "reason"):
        assert str(listed[name]) == str(plain[name]), name
    assert listed.after_sales_subject_ids() == [str(s.pk) for s in RequestSubject.objects.filter(is_after_sales=True)]
    stranger = factories.installation()
    posted = ContactForm(
        {"installation": stranger.pk, "subject": RequestSubject.objects.first().pk, "message": "m"},
        installations=queryset,
        listed_installations=rows,
    )
    assert not posted.is_valid() and "installation" in posted.errors


@pytest.mark.parametrize("kinds", [(), ("totp",), ("static",), ("email",), ("totp", "static", "email")])
@pytest.mark.parametrize("confirmed", [True, False])
def test_has_confirmed_device_says_what_the_device_list_says(kinds, confirmed):
    """One query instead of one a device table, and the same answer."""
    user = factories.client_user()
    other = factories.client_user()
    TOTPDevice.objects.create(user=other, name="autre", confirmed=True)  # someone else's never counts
    models = {"totp": TOTPDevice, "static": StaticDevice, "email": EmailDevice}
    for kind in kinds:
        models[kind].objects.create(user=user, name=kind, confirmed=confirmed)
    with CaptureQueriesContext(connection) as queries:
        answer = second_factor.has_confirmed_device(user)
    assert answer == bool(second_factor.confirmed_devices(user)) == (bool(kinds) and confirmed)
    assert len(queries) == 1


def test_an_older_account_joins_the_clients_group_at_its_sessions_first_maintenance_visit(pages):  # noqa: F811
    """The group check left the maintenance screen's every request, not the
    catch-up: an account out of the group (activated before it existed) is
    put in on the first visit of a session, so Wagtail serves it the guides."""
    http, installation = client_with(1)
    user = installation.client.memberships.get().person
    group = Group.objects.get(name=client_group_name())
    group.user_set.remove(user)
    assert http.get("/espace-client/entretien/").status_code == 200
    assert group.user_set.filter(pk=user.pk).exists()
