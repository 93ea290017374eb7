"""Every content block has an icon, a template, a description and a preview
value that renders."""

import pytest
from django.test import RequestFactory

from aquatiris_portal import blocks
from aquatiris_portal.pages.faq import FaqListBlock
from aquatiris_portal.pages.news import NewsStreamBlock

pytestmark = pytest.mark.django_db

BLOCKS = [
    blocks.PortalAccessButtonsBlock,
    blocks.ContactCardBlock,
    blocks.QuickActionsBlock,
    blocks.CalloutBlock,
    blocks.DocumentListBlock,
    NewsStreamBlock,
    FaqListBlock,
]


@pytest.mark.parametrize("block_class", BLOCKS, ids=lambda b: b.__name__)
def test_block_has_icon_template_description_and_renders_its_preview(block_class, admin_user):
    block = block_class()
    block.set_name("b")
    assert block.meta.icon and block.meta.icon != "placeholder"
    assert block.meta.template.startswith("aquatiris_portal/")
    assert block.meta.description
    request = RequestFactory().get("/")
    request.user = admin_user
    value = block.get_preview_value()
    html = block.render(value, context={"request": request})
    # The block's own template, with the preview value's heading in it.
    from django.utils.html import escape

    heading = value.get("heading") or value.get("title")
    assert heading and escape(heading) in html, html


def test_callout_says_its_tone_in_words():
    block = blocks.CalloutBlock()
    html = block.render(block.to_python({"tone": "warning", "title": "Gel", "text": "<p>Protégez le regard.</p>"}))
    assert "Important" in html and "Gel" in html and "Protégez le regard." in html


def test_quick_action_needs_a_page_or_an_address():
    from wagtail.blocks import StructBlockValidationError

    block = blocks.QuickActionsBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"heading": "", "actions": [{"label": "Rien", "description": "", "url": ""}]}))
