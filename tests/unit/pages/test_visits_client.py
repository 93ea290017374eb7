"""Visits in the client space: the next visit with
"ask to move it" on the installation page and the dashboard card, the
maintenance contract, the maintenance log (newest first, summary, report
only when the client may read it), "maintenance is due"; access (another
client's visits, visits not shared with clients); constant query counts."""

import datetime
from html import unescape

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.models import Site

from aquatiris_portal import access
from aquatiris_portal.models import Visit
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.client_visits import add_months, maintenance_due
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def make_visit(installation, vid=None, **kw):
    data = dict(
        external_id=vid or f"V-{Visit.objects.count() + 1}-{installation.pk}",
        installation=installation,
        kind="maintenance",
        visible_to_client=True,
        visible_to_spanc=True,
    )
    data.update(kw)
    return Visit.objects.create(**data)


@pytest.fixture
def owner():
    site = Site.objects.get(is_default_site=True)
    page = site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(
        client=client,
        maintenance_contract_status="active",
        maintenance_contract_until=TODAY + datetime.timedelta(days=200),
        maintenance_contract_every_months=12,
    )
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return {
        "page": page,
        "client": client,
        "installation": installation,
        "user": user,
        "http": http,
        "url": f"{page.url}installations/{installation.pk}/",
    }


def get(owner, url=None):
    response = owner["http"].get(url or owner["url"])
    assert response.status_code == 200
    return unescape(response.content.decode())


def section(html, heading_id):
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_next_visit_with_slot_kind_technician_and_move_link(owner):
    installation = owner["installation"]
    make_visit(installation, "V-LATER", planned_for=TODAY + datetime.timedelta(days=40))
    make_visit(
        installation,
        "V-NEXT",
        planned_for=TODAY + datetime.timedelta(days=5),
        slot="morning",
        technician="Luc Martin",
        kind="emptying",
    )
    make_visit(installation, "V-PAST", planned_for=TODAY - datetime.timedelta(days=5))  # past, never done
    html = section(get(owner), "next-visit-heading")
    assert gettext("Emptying") in html and gettext("morning") in html and "Luc Martin" in html
    visit = Visit.objects.get(external_id="V-NEXT")
    assert f"visites/{visit.pk}/deplacer/" in html
    assert "V-LATER" not in html and f"visites/{Visit.objects.get(external_id='V-LATER').pk}/" not in html
    # The dashboard card shows the same next visit.
    card = get(owner, owner["page"].url)
    assert "Luc Martin" in card and gettext("Emptying") in card


def test_ask_to_move_prefills_the_contact_form_for_own_visits_only(owner):
    visit = make_visit(owner["installation"], "V-MOVE", planned_for=TODAY + datetime.timedelta(days=5))
    html = get(owner, f"{owner['page'].url}contact/?installation={owner['installation'].pk}&visit={visit.pk}")
    # Named by date and place, never by the internal id.
    assert visit.planned_for.strftime("%d/%m/%Y") in html and owner["installation"].display_name in html
    assert "V-MOVE" not in html
    other = make_visit(
        factories.installation(city="Ailleurs-sur-Mer"), "V-OTHER", planned_for=TODAY + datetime.timedelta(days=6)
    )
    html = get(owner, f"{owner['page'].url}contact/?visit={other.pk}")
    assert other.planned_for.strftime("%d/%m/%Y") not in html and "Ailleurs-sur-Mer" not in html


def test_log_newest_first_with_summary_and_report_only_if_client_may_read_it(owner):
    installation = owner["installation"]
    shared = factories.document(installation, title="Rapport partagé", visible_to_client=True)
    spanc_only = factories.document(installation, title="Rapport SPANC", visible_to_client=False, visible_to_spanc=True)
    make_visit(
        installation,
        "V-OLD",
        done_on=TODAY - datetime.timedelta(days=400),
        summary="Premier passage",
        report_document=spanc_only,
    )
    make_visit(
        installation,
        "V-NEW",
        done_on=TODAY - datetime.timedelta(days=10),
        summary="Bacs nettoyés",
        report_document=shared,
    )
    make_visit(
        installation,
        "V-HIDDEN",
        done_on=TODAY - datetime.timedelta(days=20),
        summary="Visite interne",
        visible_to_client=False,
    )
    html = section(get(owner), "log-heading")
    assert html.index("Bacs nettoyés") < html.index("Premier passage")
    assert f"/{shared.pk}/" in html and f"/{spanc_only.pk}/" not in html
    assert "Visite interne" not in html


def test_another_clients_visits_never_show(owner):
    other = factories.installation()
    make_visit(other, "V-X", done_on=TODAY, summary="Chez le voisin")
    make_visit(other, "V-Y", planned_for=TODAY + datetime.timedelta(days=3), technician="Technicien voisin")
    assert "Chez le voisin" not in get(owner) and "Technicien voisin" not in get(owner, owner["page"].url)
    assert not access.client_visits(owner["user"]).filter(installation=other).exists()
    assert owner["http"].get(f"{owner['page'].url}installations/{other.pk}/").status_code == 404


def test_contract_active_until_and_maintenance_due(owner):
    installation = owner["installation"]
    html = section(get(owner), "contract-heading")
    assert gettext("Maintenance is due.") in html  # never maintained, not dated
    make_visit(installation, "V-RECENT", done_on=TODAY - datetime.timedelta(days=30))
    installation.last_maintenance_on = TODAY - datetime.timedelta(days=30)
    installation.save()
    html = section(get(owner), "contract-heading")
    assert gettext("Maintenance is due.") not in html
    assert (TODAY + datetime.timedelta(days=200)).strftime("%Y") in html


def test_maintenance_due_rule():
    inst = factories.installation(
        maintenance_contract_status="active",
        maintenance_contract_every_months=12,
        last_maintenance_on=datetime.date(2025, 1, 31),
    )
    assert not maintenance_due(inst, today=datetime.date(2026, 1, 31))
    assert maintenance_due(inst, today=datetime.date(2026, 2, 1))
    inst.maintenance_contract_status = "ended"
    assert not maintenance_due(inst, today=datetime.date(2030, 1, 1))
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)


def test_no_contract_offers_the_contract_request(owner):
    installation = owner["installation"]
    installation.maintenance_contract_status = ""
    installation.save()
    html = section(get(owner), "contract-heading")
    assert gettext("No maintenance contract.") in html
    assert gettext("Ask for a maintenance contract") in html and "installation=" in html


@pytest.mark.parametrize("screen", ["installation", "dashboard"])
def test_query_count_constant_with_visits(owner, django_assert_num_queries, screen):
    url = owner["url"] if screen == "installation" else owner["page"].url
    installation = owner["installation"]
    doc = factories.document(installation)

    def add(n):
        for k in range(n):
            make_visit(installation, done_on=TODAY - datetime.timedelta(days=k + 1), report_document=doc)
            make_visit(installation, planned_for=TODAY + datetime.timedelta(days=k + 1))

    owner["http"].get(url)  # warm caches (site, settings)
    add(1)  # 2 visits
    with CaptureQueriesContext(connection) as two:
        get(owner, url)
    add(9)  # 20 visits
    with django_assert_num_queries(len(two)):
        get(owner, url)


def test_maintenance_page_shows_this_months_seasonal_tasks_only(owner):
    from aquatiris_portal.models import SeasonalTask

    month = TODAY.month
    other = month % 12 + 1
    SeasonalTask.objects.create(
        title="Alterner l'alimentation des deux lits", text="Tous les 15 jours.", months=f"{month}"
    )
    SeasonalTask.objects.create(title="Faucarder les roseaux", text="En automne.", months=f"{other}")
    SeasonalTask.objects.create(title="Caché", text="x", months=f"{month}", active=False)
    html = get(owner, f"{owner['page'].url}entretien/")
    assert "Alterner l'alimentation des deux lits" in html and "Tous les 15 jours." in html
    assert "Faucarder les roseaux" not in html and "Caché" not in html
    # "1" must not match "10,11,12"; stored normalised.
    assert SeasonalTask.objects.create(title="t", text="t", months="12, 10,11").months == "10,11,12"
    assert not SeasonalTask.objects.for_month(1).filter(title="t").exists()
    assert SeasonalTask.objects.for_month(11).filter(title="t").exists()
