"""The portal's pages answer Wagtail's view-restriction check in one query
(pages/routing.py) with the same restrictions as Wagtail's two."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.news import NewsIndexPage

pytestmark = pytest.mark.django_db


def same_as_wagtail(page):
    ours = set(page.get_view_restrictions())
    assert ours == set(Page.get_view_restrictions(page)), page
    return ours


def restrict(page, kind=PageViewRestriction.LOGIN):
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=kind, password="secret" if kind == PageViewRestriction.PASSWORD else ""
    )
    if kind == PageViewRestriction.GROUPS:
        restriction.groups.add(Group.objects.create(name=f"Readers {page.pk}"))
    return restriction


def test_same_restrictions_as_wagtail_on_pages_aliases_and_ancestors():
    home = Site.objects.get(is_default_site=True).root_page
    section = home.add_child(instance=NewsIndexPage(title="Rubrique", slug="rubrique"))
    space = section.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    other = home.add_child(instance=NewsIndexPage(title="Autre", slug="autre"))
    assert same_as_wagtail(space) == set()
    on_section = restrict(section)
    assert same_as_wagtail(space) == {on_section}
    on_space = restrict(space, PageViewRestriction.GROUPS)
    assert same_as_wagtail(space) == {on_section, on_space}
    on_other = restrict(other, PageViewRestriction.PASSWORD)
    assert on_other not in same_as_wagtail(space)
    # An alias of a restricted page stands for it, for itself and below it.
    alias = other.create_alias(parent=home, update_slug="alias-autre")
    assert same_as_wagtail(alias.specific) == {on_other}
    below_alias = alias.add_child(instance=NewsIndexPage(title="Sous alias", slug="sous-alias"))
    assert same_as_wagtail(below_alias) == {on_other}
    root_restriction = restrict(Page.objects.get(depth=1))
    assert same_as_wagtail(below_alias) == {on_other, root_restriction}


def test_one_query():
    home = Site.objects.get(is_default_site=True).root_page
    space = home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    restrict(home)
    with CaptureQueriesContext(connection) as captured:
        assert len(list(space.get_view_restrictions())) == 1
    assert len(captured) == 1


def test_url_parts_computed_once_per_request_and_follow_a_rename(rf):
    from unittest import mock

    home = Site.objects.get(is_default_site=True).root_page
    space = home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    request = rf.get("/")
    with mock.patch.object(Page, "get_url_parts", autospec=True, side_effect=Page.get_url_parts) as computed:
        urls = {
            space.get_url(request),
            space.relative_url(None, request),
            space.reverse_subpage("news") and space.get_url(request),
        }
        assert urls == {"/espace-client/"} and computed.call_count == 1
        space.slug = "mon-espace"
        space.save()  # the admin renames it: url_path changes
        assert space.get_url(request) == "/mon-espace/"
        assert space.get_url(rf.get("/")) == "/mon-espace/" and computed.call_count == 3
        assert space.get_url(None) == "/mon-espace/"  # without a request: never kept
