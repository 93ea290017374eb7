"""« Nouveau » per person and record (accounts/new_marks.py): each person's
marks in a record compare against their previous visit of THAT record.

People log in through the login form (which records the visit) and open the
documents screen; a landlord's record is chosen in the session as the
switcher does. Documents are created between the steps, so each one is
after what came before it."""

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from aquatiris_portal import access
from aquatiris_portal.accounts import new_marks
from aquatiris_portal.accounts.memberships import CHOICE_SESSION_KEY, add_membership
from aquatiris_portal.models import Membership, PortalAccount
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]

LOGIN = reverse("aquatiris_portal:login")
PASSWORD = "correct-Horse-battery-9"  # the factories' password
BASE = "/espace-client/"
OLD = timezone.now() - timezone.timedelta(days=30)


@pytest.fixture
def space(wagtail_tree):
    return wagtail_tree.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


def _record(title):
    """A client with one installation and an old document."""
    installation = factories.installation(client=factories.client())
    factories.document(installation, title=f"{title} ancien", created_at=OLD)
    return installation


@pytest.fixture
def landlord(space):
    """The owner of A and of B (one login), each with an installation."""
    a, b = _record("A"), _record("B")
    person = factories.client_user(a.client)
    add_membership(person, b.client, Membership.Role.OWNER)
    return {"person": person, "A": a, "B": b}


def log_in(person):
    """A new session through the login form (a new visit)."""
    http = HttpClient()
    assert http.post(LOGIN, {"email": person.email, "password": PASSWORD}).status_code == 302
    return http


def new_titles(http, installation, person=None):
    """The titles marked « Nouveau » on the installation's documents screen,
    its client chosen in the session first (a landlord's switcher) when
    ``person`` has several."""
    if person is not None:
        membership = Membership.objects.get(person=person, client=installation.client)
        session = http.session
        session[CHOICE_SESSION_KEY] = {"client": membership.pk}
        session.save()
    response = http.get(f"{BASE}installations/{installation.pk}/documents/")
    assert response.status_code == 200
    items = re.findall(
        r'<li class="aqp-document">\s*<div class="aqp-document__title">\s*<span>(.*?)</span>(.*?)</li>',
        response.content.decode(),
        re.S,
    )
    assert items, "no document listed"
    return {title for title, rest in items if "aqp-badge--new" in rest}


def test_a_landlord_opening_a_leaves_b_s_marks_and_each_record_shows_its_own_news(landlord):
    person, a, b = landlord["person"], landlord["A"], landlord["B"]
    first = log_in(person)
    new_titles(first, a, person)
    new_titles(first, b, person)
    factories.document(a, title="A 1")
    factories.document(b, title="B 1")

    # A visit that opens A only: A's news; B is not opened.
    second = log_in(person)
    assert new_titles(second, a, person) == {"A 1"}
    factories.document(a, title="A 2")

    # The next visit opens B first: B's news since B was last opened,
    # not since the visit that opened A.
    third = log_in(person)
    assert new_titles(third, b, person) == {"B 1"}
    # A, seen at the previous visit, shows only what came since.
    assert new_titles(third, a, person) == {"A 2"}
    # A → B → A in one session: no mark cleared by the switches.
    assert new_titles(third, b, person) == {"B 1"}
    assert new_titles(third, a, person) == {"A 2"}

    # A later visit: both seen at the third, nothing new.
    fourth = log_in(person)
    assert new_titles(fourth, b, person) == set()
    assert new_titles(fourth, a, person) == set()


def test_a_household_member_of_b_has_their_own_marks_and_only_b_s(landlord):
    person, a, b = landlord["person"], landlord["A"], landlord["B"]
    partner = factories.member(b.client)
    for who in (person, partner):
        http = log_in(who)
        new_titles(http, b, person if who == person else None)
    factories.document(a, title="A 1")
    factories.document(b, title="B 1")

    # The landlord's visit of B clears nothing of the partner's.
    assert new_titles(log_in(person), b, person) == {"B 1"}
    partner_http = log_in(partner)
    assert new_titles(partner_http, b) == {"B 1"}
    assert partner_http.get(f"{BASE}installations/{a.pk}/documents/").status_code == 404  # A is not theirs


def test_a_single_record_client_sees_what_came_since_their_previous_visit_began(space):
    """As when the mark was the account's: a document added during a visit,
    after the screen was opened, is new at the next visit; at the one after,
    not any more."""
    installation = _record("C")
    owner = factories.client_user(installation.client)
    first = log_in(owner)
    assert new_titles(first, installation) == {"C ancien"}  # the very first visit: everything
    factories.document(installation, title="Pendant la visite")
    assert new_titles(first, installation) == {"C ancien", "Pendant la visite"}  # same visit, same mark

    assert new_titles(log_in(owner), installation) == {"Pendant la visite"}
    assert new_titles(log_in(owner), installation) == set()


def test_a_record_never_opened_starts_from_the_person_s_previous_visit(landlord):
    """A membership with no visit of its own (added after the marks became
    per record) compares against the account's previous visit, as before."""
    person, b = landlord["person"], landlord["B"]
    log_in(person)
    factories.document(b, title="B 1")
    http = log_in(person)
    account = person.portal_account
    account.refresh_from_db()
    assert new_titles(http, b, person) == {"B 1"}
    membership = Membership.objects.get(person=person, client=b.client)
    assert membership.previous_visit_at == account.previous_visit_at


def test_two_first_requests_at_once_shift_the_record_s_visit_once(landlord):
    """Two requests of a new visit read the membership before either writes:
    both answer the previous visit, and the second does not make the first
    one's start the previous visit (which would hide the news)."""
    person, a = landlord["person"], landlord["A"]
    Membership.objects.filter(person=person).update(visit_started_at=OLD)
    http = log_in(person)
    chosen = {"client": Membership.objects.get(person=person, client=a.client).pk}
    users = [type(person).objects.get(pk=person.pk) for _ in range(2)]
    for user in users:
        access.remember_choice(user, chosen)
        assert access.current_membership(user, "client").visit_started_at == OLD  # both read before either writes
    assert [new_marks.since(user, "client") for user in users] == [OLD, OLD]
    stored = Membership.objects.get(pk=chosen["client"])
    assert stored.previous_visit_at == OLD and stored.visit_started_at > OLD
    assert new_titles(http, a, person) == set()  # the old document stays old


def test_staff_reading_as_a_client_see_its_documents_as_new_and_move_no_mark(landlord, settings):
    """Staff who are also someone's household member, reading a client's
    space as them (view as client), see the client's documents as on a
    first visit, not against their own visits of their own home; and start
    no visit, neither the client's nor their own."""
    from tests.unit.accounts.test_view_as_client import editor, start

    person, a = landlord["person"], landlord["A"]
    settings.AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = [a.client.external_id]
    staff, http = editor()
    PortalAccount.objects.create(user=staff, last_visit_at=timezone.now())
    add_membership(staff, _record("Maison").client, Membership.Role.HOUSEHOLD)
    Membership.objects.filter(person=staff).update(previous_visit_at=timezone.now(), visit_started_at=timezone.now())
    people = Membership.objects.filter(person__in=[person, staff]).order_by("pk")
    before = list(people.values_list("previous_visit_at", "visit_started_at"))
    assert start(http, a.client).status_code == 302
    assert new_titles(http, a) == {"A ancien"}
    assert list(people.values_list("previous_visit_at", "visit_started_at")) == before
