"""What an account's pages and mails show of an address with an
internationalised domain: its Unicode form (``zoe@exämple.fr``), as the
person typed it, never the ASCII form the portal stores and sends to
(``zoe@xn--exmple-cua.fr``): the first connection's and the lost password's
"sent" pages, the masked address of the second factor, the mail telling
admins who changed where mails go."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from aquatiris_portal.accounts.second_factor_views import _mask
from aquatiris_portal.records.emails import canonical_email
from tests import factories

pytestmark = pytest.mark.django_db

TYPED = "Zoe@Exämple.fr"
STORED = canonical_email(TYPED)
SHOWN = "zoe@exämple.fr"


def shown_text(html):
    """What a person reads: the text, not the tags and their attributes."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "route, data",
    [("aquatiris_portal:activation", {"code": "CLI-7H2M9"}), ("aquatiris_portal:password_reset", {})],
)
@pytest.mark.parametrize("typed", [TYPED, STORED])
def test_the_sent_pages_name_the_address_in_unicode(route, data, typed):
    assert STORED == "zoe@xn--exmple-cua.fr"
    response = HttpClient().post(reverse(route), {"email": typed, **data})
    assert response.status_code == 200
    text = shown_text(response.content.decode())
    assert SHOWN in text and "xn--" not in text


def test_the_masked_address_of_the_second_factor_shows_the_unicode_domain():
    assert _mask(STORED) == "z••@exämple.fr"
    assert _mask("anne@example.org") == "a•••@example.org"
    assert _mask("") == ""


def test_the_mail_routing_mail_names_who_changed_it_in_unicode():
    who = get_user_model()(username=STORED, email=STORED)
    context = {"user": who, "when": timezone.now(), "site": "Aquatiris", "changes": {}}
    with translation.override("fr"):
        for suffix in ("txt", "html"):
            text = render_to_string(f"aquatiris_portal/mail/mail_routing_changed.{suffix}", context)
            text = shown_text(text) if suffix == "html" else text
            assert SHOWN in text and "xn--" not in text, suffix


def test_a_person_without_a_name_is_listed_by_their_address_in_unicode():
    owner = factories.client_user()
    factories.member(factories.client_of(owner), email=STORED)
    http = HttpClient()
    http.force_login(owner)
    response = http.get(reverse("aquatiris_portal:people", args=["client"]))
    assert response.status_code == 200
    text = shown_text(response.content.decode())
    assert SHOWN in text and "xn--" not in text
