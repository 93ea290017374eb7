"""The contact card shows an internationalised domain as people read it
(``contact@exämple.fr``), whatever form the editor pasted; its ``mailto:``
link keeps the address as given."""

import re
from html import unescape

from aquatiris_portal import blocks
from aquatiris_portal.records.emails import canonical_email

STORED = canonical_email("Contact@Exämple.fr")


def shown_text(html):
    """What a person reads: the text, not the tags and their attributes."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_contact_card_shows_the_unicode_domain_and_links_the_address():
    assert STORED == "contact@xn--exmple-cua.fr"
    block = blocks.ContactCardBlock()
    html = block.render(block.to_python({"heading": "Service client", "email": STORED}))
    assert f'href="mailto:{STORED}"' in html
    text = shown_text(html)
    assert "contact@exämple.fr" in text and "xn--" not in text
