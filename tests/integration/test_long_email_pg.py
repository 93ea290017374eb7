"""A client whose address has 200+ characters activates and logs in on
PostgreSQL, which (unlike SQLite) refuses a username longer than Django's
150-character column: the login is then a name derived from the address
(records.emails.login_name), and the person logs in with the address."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from aquatiris_portal.models import OutgoingMail
from aquatiris_portal.records.emails import canonical_email
from tests import factories

pytestmark = pytest.mark.integration

PASSWORD = "correct-Horse-battery-9 long address"
ADDRESS = (
    "Jean-Marie.Le-Goff+factures@"
    + "b" * 60
    + "."
    + "c" * 60
    + ".service-clients.exämple-de-bretagne-assainissement.fr"
)


@pytest.mark.django_db
def test_a_client_with_a_200_character_address_activates_and_logs_in(postgres, settings):
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0
    email = canonical_email(ADDRESS)
    assert len(email) > 200
    record = factories.client(email=email)

    http = HttpClient()
    http.post(reverse("aquatiris_portal:activation"), {"email": ADDRESS.upper(), "code": record.code})
    mail = OutgoingMail.objects.get()
    assert mail.to == [email]
    link = urlsplit(re.search(r"https?://\S+/lien/[^/\s]+/", mail.body_text).group(0)).path
    form = http.get(link)["Location"]
    done = http.post(form, {"choice": "own", "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302, done.content.decode()[:2000]

    user = get_user_model().objects.get(email=email)
    assert len(user.username) <= 150 and user.portal_account.activated_at is not None
    browser = HttpClient()
    login = browser.post(reverse("aquatiris_portal:login"), {"email": ADDRESS, "password": PASSWORD})
    assert login.status_code == 302
    assert int(browser.session["_auth_user_id"]) == user.pk
