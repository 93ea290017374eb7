"""The spaces' route table (pages/space_routes.py) holds each page pickled
on its own: a request unpickles only the page it is routed to, none when
its path is under no space (the home page, an article), and still gets a
copy of its own."""

import pickle

import pytest
from django.test import Client as HttpClient
from wagtail.models import Site

from aquatiris_portal.pages import space_routes
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.faq import FaqPage
from aquatiris_portal.pages.pro_space import ProSpacePage
from tests import factories

pytestmark = pytest.mark.django_db


class CountingPickle:
    """``pickle`` as space_routes uses it, counting the pages it unpickles."""

    HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
    dumps = staticmethod(pickle.dumps)

    def __init__(self):
        self.loaded = []

    def loads(self, data):
        value = pickle.loads(data)  # noqa: S301  the table's own bytes
        self.loaded.append(type(value[0]).__name__)
        return value


@pytest.fixture
def spaces(wagtail_tree, monkeypatch):
    root = wagtail_tree.root_page
    root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    root.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    root.add_child(instance=FaqPage(title="Questions", slug="questions"))
    client = factories.client()
    factories.installation(client=client)
    http = HttpClient()
    http.force_login(factories.client_user(client))
    assert http.get("/espace-client/").status_code == 200  # the table is cached now
    counting = CountingPickle()
    monkeypatch.setattr(space_routes, "pickle", counting)
    return http, counting


def test_a_path_under_no_space_unpickles_no_page(spaces):
    http, counting = spaces
    http.get("/")
    http.get("/nulle-part/")
    assert counting.loaded == []


def test_a_space_unpickles_its_own_page_only(spaces):
    http, counting = spaces
    assert http.get("/espace-client/").status_code == 200
    assert counting.loaded == ["ClientSpacePage"]


def test_each_request_gets_its_own_copy(spaces, rf):
    site = Site.objects.get(is_default_site=True)
    first, second = rf.get("/espace-client/"), rf.get("/espace-client/")
    space_routes.route_from_cache(first, site, "/espace-client/")
    space_routes.route_from_cache(second, site, "/espace-client/")
    one, two = first._wagtail_route_for_request.page, second._wagtail_route_for_request.page
    assert one.pk == two.pk and one is not two
