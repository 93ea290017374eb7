"""« Nouveau » on the SPANC's folder list, per agent and SPANC: an agent of
two SPANC who opens one at a visit leaves the other's marks as they were
(accounts/new_marks.py). A visit is a login (landing.record_visit) past the
second factor; the SPANC is chosen in the session as the switcher does."""

import re

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.translation import gettext

from aquatiris_portal.accounts.landing import record_visit
from aquatiris_portal.accounts.memberships import CHOICE_SESSION_KEY, add_membership
from aquatiris_portal.models import Membership
from tests import factories
from tests.unit._pro_space import pro_space_page

pytestmark = pytest.mark.django_db
MONTH = timezone.timedelta(days=30)


def _folder(spanc, last_name):
    installation = factories.installation(spanc=spanc, client=factories.client(last_name=last_name, first_name="Anne"))
    factories.document(installation, visible_to_spanc=True, created_at=timezone.now() - MONTH)
    return installation


@pytest.fixture
def agent(wagtail_tree):
    """An agent of the SPANC of Lannion and of the one of Dinan, a folder in each."""
    lannion, dinan = factories.spanc(name="SPANC de Lannion"), factories.spanc(name="SPANC de Dinan")
    person = factories.member(lannion)
    add_membership(person, dinan, Membership.Role.AGENT)
    return {"person": person, "Lannion": _folder(lannion, "Kerlann"), "Dinan": _folder(dinan, "Rance")}


def log_in(person):
    record_visit(person)
    http = HttpClient()
    factories.otp_login(http, person)
    return http


def new_rows(http, person, folder):
    """The client names whose folder row reads « Nouveau » on the list of
    ``folder``'s SPANC (chosen in the session first)."""
    session = http.session
    session[CHOICE_SESSION_KEY] = {"spanc": Membership.objects.get(person=person, spanc=folder.spanc).pk}
    session.save()
    response = http.get(pro_space_page().url)
    assert response.status_code == 200
    rows = response.content.decode().split('<th scope="row"')[1:]
    assert rows, "no folder listed"
    names = {re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1): row.split("</tr>", 1)[0] for row in rows}
    return {name for name, row in names.items() if gettext("New") in row}


def test_an_agent_opening_one_spanc_leaves_the_other_s_marks(agent):
    person, lannion, dinan = agent["person"], agent["Lannion"], agent["Dinan"]
    first = log_in(person)
    new_rows(first, person, lannion)
    new_rows(first, person, dinan)
    factories.document(lannion, visible_to_spanc=True)
    factories.document(dinan, visible_to_spanc=True)

    assert new_rows(log_in(person), person, lannion) == {"Kerlann Anne"}  # Dinan not opened
    third = log_in(person)
    assert new_rows(third, person, dinan) == {"Rance Anne"}  # since Dinan was last opened
    assert new_rows(third, person, lannion) == set()  # seen at the previous visit
    assert new_rows(third, person, dinan) == {"Rance Anne"}  # switching back clears nothing


def test_a_colleague_s_visit_clears_nothing_of_the_agent_s(agent):
    person, lannion = agent["person"], agent["Lannion"]
    colleague = factories.member(lannion.spanc)
    for who in (person, colleague):
        new_rows(log_in(who), who, lannion)
    factories.document(lannion, visible_to_spanc=True)
    assert new_rows(log_in(colleague), colleague, lannion) == {"Kerlann Anne"}
    assert new_rows(log_in(person), person, lannion) == {"Kerlann Anne"}
