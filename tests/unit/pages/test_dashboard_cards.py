"""The dashboard's installation cards, written in Python
(pages/dashboard_cards.py), say exactly what the template said: the same
markup as the card loop the dashboard template had and as the
_next_visit.html and _franchisee.html partials the installation screen
still uses, for any text the records carry, escaped the same way."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.dashboard_cards import (
    Links,
    emergency_html,
    franchisee_html,
    installation_card,
    next_visit_html,
)
from aquatiris_portal.records.models import ContractStatus, Franchisee, Installation, Stage
from aquatiris_portal.records.visits import Visit, VisitKind, VisitSlot

pytestmark = [pytest.mark.django_db, pytest.mark.properties]

# The card of client_space/dashboard.html before the cards were written in Python.
TEMPLATE_CARD = (Path(__file__).parent / "dashboard_card_frozen.html").read_text()
NEXT_VISIT = '{% include "aquatiris_portal/client_space/_next_visit.html" %}'
FRANCHISEE = '{% include "aquatiris_portal/client_space/_franchisee.html" %}'
EMERGENCY = '{% include "aquatiris_portal/client_space/_emergency.html" %}'


def same_markup(html):
    """Whitespace between tags and runs of spaces do not matter to a browser."""
    html = re.sub(r"\{#.*?#\}", "", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.fixture
def page(wagtail_tree):
    root = Site.objects.get(is_default_site=True).root_page
    return root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@pytest.fixture
def request_():
    with translation.override("fr"):
        yield RequestFactory().get("/espace-client/")


def render(source, **context):
    return engines["django"].from_string(source).render(context)


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
some_text = text | st.sampled_from(["", "<script>alert(1)</script>", "« N'Diaye & fils »", '"quoted"'])
dates = st.dates(datetime.date(2000, 1, 1), datetime.date(2040, 12, 31))


@st.composite
def franchisees(draw):
    if draw(st.booleans()):
        return None
    return Franchisee(
        pk=draw(st.integers(1, 10**6)),
        company=draw(some_text),
        first_name=draw(some_text),
        last_name=draw(some_text),
        phone=draw(some_text),
        email=draw(some_text),
    )


@st.composite
def visits(draw):
    if draw(st.booleans()):
        return None
    planned = draw(dates)
    return Visit(
        pk=draw(st.integers(1, 10**9)),
        kind=draw(st.sampled_from(VisitKind.values)),
        planned_for=planned,
        slot=draw(st.sampled_from(["", *VisitSlot.values])),
        technician=draw(some_text),
        reminded_for=draw(st.sampled_from([None, planned, planned - datetime.timedelta(days=1)])),
        reminded_slot=draw(st.sampled_from(["", *VisitSlot.values])),
    )


@st.composite
def installations(draw):
    installation = Installation(
        pk=draw(st.integers(1, 10**9)),
        reference=draw(some_text),
        label=draw(some_text | st.sampled_from(["Filtre 5 EH", "Jardin 1 EH"])),
        city=draw(some_text),
        address_line1=draw(some_text),
        stage=draw(st.sampled_from(Stage.values)),
        installed_on=draw(st.none() | dates),
        maintenance_contract_status=draw(st.sampled_from(ContractStatus.values)),
        maintenance_contract_until=draw(st.none() | dates),
    )
    installation.franchisee = draw(franchisees())
    installation.new_documents = draw(st.sampled_from([0, 1, 2, 1000]))
    installation.stage_name = draw(some_text)
    installation.in_service = draw(st.booleans())
    installation.warranty_ends_on = draw(st.none() | dates)
    installation.next_visit = draw(visits())
    installation.contract_request = draw(
        st.none()
        | st.builds(
            PortalRequest,
            reference=st.uuids(),
            created_at=st.datetimes(datetime.datetime(2020, 1, 1), datetime.datetime(2030, 1, 1)).map(
                lambda moment: moment.replace(tzinfo=datetime.UTC)
            ),
            status=st.sampled_from(PortalRequest.Status.values),
        )
    )
    return installation


reminder_notices = st.none() | st.fixed_dictionaries({"days": st.integers(1, 30), "on": st.booleans()})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(installation=installations(), reminders=reminder_notices)
def test_a_card_is_the_templates_card(page, request_, installation, reminders):
    expected = render(TEMPLATE_CARD, page=page, request=request_, installation=installation, visit_reminders=reminders)
    assert same_markup(installation_card(installation, Links(page, request_), reminders)) == same_markup(expected)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visit=visits(), reminders=reminder_notices, franchisee=franchisees())
def test_the_parts_are_the_installation_screens_partials(page, request_, visit, reminders, franchisee):
    """The installation screen renders the same parts from its partials: both say the same."""
    links = Links(page, request_)
    partial = render(NEXT_VISIT, page=page, request=request_, visit=visit, visit_reminders=reminders)
    assert same_markup(next_visit_html(visit, reminders, links)) == same_markup(partial)
    partial = render(FRANCHISEE, franchisee=franchisee)
    assert same_markup(franchisee_html(franchisee)) == same_markup(partial)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=some_text | st.just("Débordement ?\nAppelez <vite> & « N'Diaye »"),
    phone=some_text,
    franchisees=st.lists(franchisees(), max_size=4),
    shared=st.booleans(),
)
def test_the_emergency_numbers_are_the_partials(page, text, phone, franchisees, shared):
    """Installations in reference order, some sharing a franchisee (together or not), some without one."""
    page.emergency_text, page.emergency_phone = text, phone
    installations = []
    for number, franchisee in enumerate(franchisees + (franchisees[:1] if shared else [])):
        installation = Installation(pk=number + 1, reference=f"AQ-{number}", city=f"Ville <{number}>")
        installation.franchisee = franchisee
        installations.append(installation)
    expected = render(EMERGENCY, page=page, installations=installations)
    assert same_markup(emergency_html(page, installations)) == same_markup(expected)


def test_what_records_carry_comes_out_escaped(page, request_):
    installation = Installation(
        pk=7, reference="AQ-<b>1</b>", label="", city="Saint-Malo", address_line1="<script>alert(1)</script>"
    )
    installation.stage = Stage.STUDY
    installation.franchisee = Franchisee(company="« N'Diaye & fils »", first_name="<i>Ana</i>", phone="02 <99>")
    installation.new_documents = 0
    installation.stage_name = "<img src=x onerror=alert(1)>"
    installation.in_service = False
    installation.warranty_ends_on = None
    installation.next_visit = Visit(
        pk=3, kind=VisitKind.REPAIR, planned_for=datetime.date(2027, 3, 1), technician='Jo "<x>"'
    )
    installation.contract_request = None
    html = str(installation_card(installation, Links(page, request_), {"days": 7, "on": True}))
    for raw in ("<script>", "<b>", "<i>", "<img", "<99>", '"<x>"'):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "« N&#x27;Diaye &amp; fils »" in html
    assert "Étape en cours : &lt;img src=x onerror=alert(1)&gt;" in html
    assert "avec Jo &quot;&lt;x&gt;&quot;" in html
    assert 'href="/espace-client/installations/7/"' in html
    assert "Réparation le 1er mars 2027" in html


def test_links_are_the_routes(page, request_):
    links = Links(page, request_)
    for name, args in (("installation", (12,)), ("documents", (5,)), ("visit_calendar", (99,)), ("contact", ())):
        assert links.route(name, *args) == page.url + page.reverse_subpage(name, args=args or None)
    reference = uuid.uuid4()
    assert links.request_detail(reference) == page.url + page.reverse_subpage("request_detail", args=(reference,))
