"""Editor content cannot run script: every address an editor types in a
block accepts only https:, http:, mailto:, tel: or a path of this site.

The blocks with an address are found by walking every StreamField of every
installed model, so a block added later is checked too."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from wagtail import blocks
from wagtail.fields import StreamField

from aquatiris_portal.blocks.actions import QuickActionsBlock
from aquatiris_portal.snippets.links import is_safe_editor_url, validate_editor_url

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "   javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "/\\evil.example/",
    "https:evil.example",
    "file:///etc/passwd",
]
ALLOWED = [
    "https://www.aquatiris.fr/entretien/",
    "http://example.org",
    "mailto:contact@aquatiris.example",
    "tel:+33299000000",
    "/espace-client/contact/",
    "#guide",
    "",
]

URL_NAMES = {"url", "link", "href", "website", "link_url", "external_url"}


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_addresses_are_refused(value):
    assert not is_safe_editor_url(value)
    with pytest.raises(ValidationError):
        validate_editor_url(value)


@pytest.mark.parametrize("value", ALLOWED)
def test_ordinary_addresses_are_accepted(value):
    assert is_safe_editor_url(value)
    validate_editor_url(value)


def _walk(block, path):
    if isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            if isinstance(child, blocks.URLBlock) or (isinstance(child, blocks.CharBlock) and name in URL_NAMES):
                yield f"{path}.{name}", block, name
            yield from _walk(child, f"{path}.{name}")
    elif isinstance(block, blocks.StreamBlock):
        for name, child in block.child_blocks.items():
            yield from _walk(child, f"{path}.{name}")
    elif isinstance(block, blocks.ListBlock):
        yield from _walk(block.child_block, path + "[]")


def blocks_with_an_address():
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                for path, struct, name in _walk(field.stream_block, f"{model.__name__}.{field.name}"):
                    found[path] = (struct, name)
    # The blocks of the package, whether or not a page of this site uses them.
    for path, struct, name in _walk(QuickActionsBlock(), "QuickActionsBlock"):
        found[path] = (struct, name)
    return found


BLOCKS = blocks_with_an_address()


def test_the_walk_finds_the_blocks_with_an_address():
    assert "QuickActionsBlock.actions[].url" in BLOCKS


def _value_with(struct, name, address):
    raw = {}
    for child_name, child in struct.child_blocks.items():
        default = child.get_default()
        if isinstance(child, blocks.CharBlock) and child.required and not default:
            default = "Libellé"
        raw[child_name] = default
    raw[name] = address
    return struct.to_python(raw)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(BLOCKS))
@pytest.mark.parametrize("address", HOSTILE)
def test_every_block_with_an_address_refuses_script(path, address):
    struct, name = BLOCKS[path]
    with pytest.raises(ValidationError) as refused:
        struct.clean(_value_with(struct, name, address))
    assert name in getattr(refused.value, "block_errors", {name: None})


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(BLOCKS))
def test_every_block_with_an_address_accepts_a_link(path):
    struct, name = BLOCKS[path]
    struct.clean(_value_with(struct, name, "https://www.aquatiris.fr/entretien/"))
    struct.clean(_value_with(struct, name, "/espace-client/"))


@pytest.mark.django_db
def test_an_address_saved_before_the_check_is_not_written_in_the_page():
    block = QuickActionsBlock()
    value = block.to_python(
        {
            "heading": "Accès",
            "actions": [
                {"label": "Piège", "description": "", "page": None, "url": "javascript:alert(document.cookie)"},
                {"label": "Guide", "description": "", "page": None, "url": "/entretien/"},
            ],
        }
    )
    html = render_to_string(block.meta.template, {"value": value, "self": value})
    assert "javascript:" not in html
    assert 'href="#"' in html and 'href="/entretien/"' in html


# --- rich text: every block and field with links -------------------------------------


def _rich_text_features():
    from wagtail.fields import RichTextField

    found = {}

    def walk(block, path):
        if isinstance(block, blocks.RichTextBlock):
            found[path] = block.features
        for name, child in getattr(block, "child_blocks", {}).items():
            walk(child, f"{path}.{name}")
        if isinstance(block, blocks.ListBlock):
            walk(block.child_block, path + "[]")

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                walk(field.stream_block, f"{model.__name__}.{field.name}")
            elif isinstance(field, RichTextField):
                found[f"{model.__name__}.{field.name}"] = field.features
    return {path: features for path, features in found.items() if features is None or "link" in features}


RICH_TEXT = _rich_text_features()


def test_the_walk_finds_rich_text_with_links():
    assert any(path.startswith("FaqEntry.") for path in RICH_TEXT), sorted(RICH_TEXT)


@pytest.mark.parametrize("path", sorted(RICH_TEXT))
@pytest.mark.parametrize("address", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x"])
def test_rich_text_links_lose_a_script_address(path, address):
    """What the editor's rich text widget stores (Draftail's contentstate
    converted by Wagtail, which drops such an href)."""
    import json

    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    features = RICH_TEXT[path] or ["link"]
    contentstate = {
        "blocks": [
            {
                "key": "a",
                "text": "clic",
                "type": "unstyled",
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 0, "length": 4, "key": 0}],
            }
        ],
        "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": address}}},
    }
    html = ContentstateConverter(features=features).to_database_format(json.dumps(contentstate))
    assert "clic" in html and "href" not in html and "script" not in html.lower()
