"""The home page's buttons without a StreamField: the
template tag links to the current site's spaces, with the block's markup."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from wagtail.models import Page, Site

from aquatiris_portal.blocks import PortalAccessButtonsBlock
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage

pytestmark = pytest.mark.django_db


def render(source, host="localhost"):
    request = RequestFactory().get("/", HTTP_HOST=host)
    return Template("{% load portal_access %}" + source).render(Context({"request": request}))


@pytest.fixture
def home():
    site = Site.objects.get(is_default_site=True)
    return site.root_page


def test_the_tag_links_to_this_sites_spaces_like_the_block(home, django_assert_max_num_queries):
    client_space = home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    pro_space = home.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    # Another site's space is not linked.
    other_root = Page.get_first_root_node().add_child(instance=Page(title="Other", slug="other"))
    Site.objects.create(hostname="other.example", port=80, root_page=other_root)
    other_root.add_child(instance=ClientSpacePage(title="Autre", slug="autre-espace"))

    render("{% portal_access_buttons %}")  # warms Wagtail's site cache
    with django_assert_max_num_queries(5):  # site look-up, two spaces, their URLs
        html = render('{% portal_access_buttons heading="Vos espaces" client_label="Mon espace" %}')
    assert 'href="/espace-client/"' in html and 'href="/espace-pro/"' in html
    assert "autre-espace" not in html
    assert "Vos espaces" in html and "Mon espace" in html and 'class="aqp-button aqp-button--primary"' in html

    block = PortalAccessButtonsBlock()
    value = block.to_python(
        {
            "heading": "Vos espaces",
            "client_space": client_space.pk,
            "client_label": "Mon espace",
            "pro_space": pro_space.pk,
            "pro_label": str(block.child_blocks["pro_label"].get_default()),
        }
    )
    block_html = block.render(value, context={"request": RequestFactory().get("/", HTTP_HOST="localhost")})
    squash = lambda text: " ".join(text.split())  # noqa: E731
    assert squash(str(block_html)) == squash(html)


def test_a_missing_or_unpublished_space_gets_no_button(home):
    pro_space = home.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    html = render("{% portal_access_buttons %}")
    assert 'href="/espace-pro/"' in html and "aqp-button--primary" not in html and 'href="#"' not in html
    pro_space.unpublish()
    assert 'href="/espace-pro/"' not in render("{% portal_access_buttons %}")
