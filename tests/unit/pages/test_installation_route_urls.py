"""The installation screens' links, with each route's path and each
object URL reversed once per process (installation_screen.Routes,
subpage_path, object_url): for any pk, the URL Django and Wagtail reverse,
under any script prefix."""

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Site

from aquatiris_portal.pages import installation_screen
from aquatiris_portal.pages.client_space import ClientSpacePage

pytestmark = pytest.mark.django_db

ONE_PK_ROUTES = ["installation", "documents", "warranty", "move_visit", "visit_calendar", "proof_answer"]
OBJECT_URLS = [
    "aquatiris_portal:document_download",
    "aquatiris_portal:document_view",
    "aquatiris_portal:dossier_start",
    "aquatiris_portal:handover",
]
pks = st.integers(min_value=0, max_value=2**63)


@pytest.fixture
def space():
    site = Site.objects.get(is_default_site=True)
    return site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pk=pks, name=st.sampled_from(ONE_PK_ROUTES))
def test_a_route_is_the_one_wagtail_reverses(space, pk, name):
    request = RequestFactory().get("/espace-client/")
    routes = installation_screen.Routes(space, request)
    assert routes(name, pk) == space.url + space.reverse_subpage(name, args=(pk,))


def test_a_negative_pk_is_refused_as_reverse_refuses_it(space):
    routes = installation_screen.Routes(space, RequestFactory().get("/espace-client/"))
    with pytest.raises(NoReverseMatch):
        routes("installation", -1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pk=pks, name=st.sampled_from(OBJECT_URLS), prefix=st.sampled_from(["/", "/portail-aquatiris/", "/a/b/"]))
def test_an_object_url_is_what_reverse_gives_under_any_script_prefix(pk, name, prefix):
    set_script_prefix(prefix)
    try:
        assert installation_screen.object_url(name)(pk) == reverse(name, args=[pk])
        assert installation_screen.object_url(name)(pk).startswith(prefix)
    finally:
        set_script_prefix("/")
