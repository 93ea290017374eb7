"""« Voir comme un client »: a view that ends by a logout is logged as ended,
once, whichever logout it is (Wagtail's, the portal's, the idle one)."""

import time

import pytest
from django.urls import reverse

from aquatiris_portal.pages import view_as_client as view_as
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.security_log import Kind
from tests import factories
from tests.unit.accounts.test_view_as_client import editor, events, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]


@pytest.fixture
def world(wagtail_tree, settings):
    """A client space and a test client editors may view it as."""
    wagtail_tree.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    settings.AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS = [client.external_id]
    return {"client": client}


def _viewing(world):
    user, http = editor()
    assert start(http, world["client"]).status_code == 302
    assert view_as.SESSION_KEY in http.session
    return user, http


def _the_end(user, world):
    [event] = events(Kind.VIEW_AS_CLIENT_END)
    assert event.user == user
    assert event.details["client"] == world["client"].pk and event.details["reason"] == "logout"
    assert event.details["seconds"] is not None
    return event


def test_logging_out_of_the_admin_ends_the_view_logged_once(world):
    user, http = _viewing(world)

    http.post(reverse("wagtailadmin_logout"))
    http.post(reverse("wagtailadmin_logout"))  # a second logout: nothing more to end
    http.get("/espace-client/")

    _the_end(user, world)


def test_logging_out_of_the_portal_ends_the_view(world):
    user, http = _viewing(world)

    http.post(reverse("aquatiris_portal:logout"))

    _the_end(user, world)


def test_an_idle_logout_ends_the_view(world, settings):
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 60
    user, http = _viewing(world)
    session = http.session
    session["aquatiris_portal_last_seen"] = int(time.time()) - 61
    session.save()

    http.get("/espace-client/")

    _the_end(user, world)


def test_leaving_then_logging_out_logs_one_end(world):
    user, http = _viewing(world)
    http.post(reverse("aquatiris_portal_view_as_client_stop"))

    http.post(reverse("wagtailadmin_logout"))

    [event] = events(Kind.VIEW_AS_CLIENT_END)
    assert event.details["reason"] == "left"


def test_a_logout_without_a_view_logs_no_end(world):
    _, http = editor()

    http.post(reverse("wagtailadmin_logout"))

    assert events(Kind.VIEW_AS_CLIENT_END) == []
