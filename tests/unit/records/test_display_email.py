"""Addresses shown to people read as they were typed: the domain in
Unicode (« …@exämple.fr », not « …@xn--exmple-cua.fr »), escaped in HTML;
stored and sent in ASCII as before (``mailto:`` links too). A domain that
is not valid punycode is shown as stored."""

import pytest
from django.test import Client as HttpClient
from hypothesis import example, given
from wagtail.models import Site

from aquatiris_portal.notifications.mail import render_mail
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.emails import canonical_email, display_email
from tests import factories
from tests.strategies import emails, punycode

STORED = "o'neil&co@xn--exmple-cua.fr"  # what canonical_email stores for o'neil&co@exämple.fr


@given(emails())
@example("anne@exämple.fr")
@example("anne@bücher.de")
def test_the_shown_address_is_the_stored_one_in_unicode(email):
    stored = canonical_email(email)
    shown = display_email(stored)
    assert canonical_email(shown) == stored  # the same address, read back
    assert "xn--" not in shown.rpartition("@")[2]
    assert shown.rpartition("@")[0] == stored.rpartition("@")[0]


@given(emails())
def test_the_punycode_a_person_typed_is_shown_in_unicode_too(email):
    typed = punycode(canonical_email(email))
    assert display_email(typed) == display_email(canonical_email(email))


@pytest.mark.parametrize("value", ["a@xn--zz.fr", "a@xn--.fr", "xn--exmple-cua.fr", "", "not an address", "a@b.fr"])
def test_what_cannot_be_decoded_is_shown_as_stored(value):
    assert display_email(value) == value
    assert display_email(None) == ""


def test_a_mail_shows_the_address_in_unicode_escaped_in_html():
    assert canonical_email("o'neil&co@exämple.fr") == STORED
    subject, text, html = render_mail(
        "aquatiris_portal/mail/password_reset",
        {"email": STORED, "hours": 2, "link": "https://portail.example/r/x", "user": None},
    )
    assert "o'neil&co@exämple.fr" in text
    assert "o&#x27;neil&amp;co@exämple.fr" in html
    assert "xn--" not in text + html


@pytest.mark.django_db
def test_a_page_shows_the_address_in_unicode_and_links_to_the_stored_one():
    site = Site.objects.get(is_default_site=True)
    site.root_page.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    client = factories.client()
    installation = factories.installation(client=client)
    installation.franchisee.email = STORED
    installation.franchisee.save()
    http = HttpClient()
    http.force_login(factories.client_user(client))
    html = http.get("/espace-client/").content.decode()
    assert "o&#x27;neil&amp;co@exämple.fr" in html
    assert 'href="mailto:o&#x27;neil&amp;co@xn--exmple-cua.fr"' in html
    assert html.count("xn--") == 1
