"""« Choisir l'espace » reached from a space's « Changer d'espace » link (no
``next``): a person lands in the space of the kind they chose. A SPANC
agent who is also a client of their own, choosing their SPANC, lands in the
pro space (they landed in the client space: the login landing, which prefers
it). With a ``next`` (a space's gate sent them), they go back there."""

import re

import pytest
from django.urls import reverse

from aquatiris_portal.accounts.memberships import add_membership
from aquatiris_portal.models import Membership
from aquatiris_portal.pages.client_space import ClientSpacePage
from tests import factories
from tests.unit._pro_space import pro_space_page

pytestmark = pytest.mark.django_db
CHOOSE = reverse("aquatiris_portal:choose_space")


@pytest.fixture
def spaces(wagtail_tree):
    client_space = wagtail_tree.root_page.add_child(
        instance=ClientSpacePage(title="Espace client", slug="espace-client")
    )
    return client_space, pro_space_page()


@pytest.fixture
def agent_at_home(client):
    """An agent of two SPANC who is the owner of a client (their own filter)."""
    home = factories.client(first_name="Yann", last_name="Le Bihan")
    person = factories.member(factories.spanc(name="SPANC de Lannion"), first_name="Yann", last_name="Le Bihan")
    add_membership(person, factories.spanc(name="SPANC de Dinan"), Membership.Role.AGENT)
    add_membership(person, home, Membership.Role.OWNER)
    factories.otp_login(client, person)
    return person


def _submit(http, html, name):
    """POST the chooser's form whose button reads ``name``, with its hidden fields."""
    form = next(f for f in re.findall(r"<form.*?</form>", html, re.S) if name in f)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return http.post(CHOOSE, fields)


@pytest.mark.parametrize(
    ("name", "space"),
    [("SPANC de Dinan", "pro"), ("SPANC de Lannion", "pro"), ("Yann Le Bihan", "client")],
)
def test_the_changer_d_espace_link_lands_in_the_space_of_the_kind_chosen(client, spaces, agent_at_home, name, space):
    client_space, pro_space = spaces
    chooser = client.get(CHOOSE)
    assert chooser.status_code == 200
    chosen = _submit(client, chooser.content.decode(), f"Espace de {name}")
    expected = pro_space.url if space == "pro" else client_space.url
    assert chosen.status_code == 302 and chosen["Location"] == expected


def test_a_next_given_by_a_space_s_gate_is_kept(client, spaces, agent_at_home):
    _client_space, pro_space = spaces
    folder_list = pro_space.url + "dossiers/"
    chooser = client.get(CHOOSE, {"next": folder_list})
    chosen = _submit(client, chooser.content.decode(), "Espace de SPANC de Dinan")
    assert chosen.status_code == 302 and chosen["Location"] == folder_list
