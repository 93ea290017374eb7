"""The example site's ``portal_demo``:
it runs only on the example site and in DEBUG (a flag overrides DEBUG only),
never changes a user, record or page it did not create, finds the home page
through ``Site.root_page``, prints the URL it is served at, and leaves no
published password on a site without DEBUG. Its data has the shapes real
exports hold, and every login and client to activate it prints works as
printed."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from aquatiris_portal.accounts.models import AccountToken
from aquatiris_portal.models import Client, Installation, Membership, PortalAccount
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.records.codes import canonical_code
from home.demo import people
from home.management.commands.portal_demo import ADMIN, CLIENT_PASSWORD
from home.models import DemoObject, HomePage
from tests import factories

pytestmark = pytest.mark.django_db

DEMO_CLIENT = "anne.durand@example.org"


def demo(*args):
    out = io.StringIO()
    call_command("portal_demo", *args, stdout=out)
    return out.getvalue()


def test_refuses_without_debug_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        demo()
    assert not DemoObject.objects.exists()
    assert not Client.objects.exists()


def test_the_flag_overrides_debug_only_not_the_example_site_check(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "host_site.urls"
    with pytest.raises(CommandError, match="example site"):
        demo("--allow-without-debug")

    # A host's own home page (not the example site's HomePage) stops it too.
    settings.ROOT_URLCONF = "example_site.urls"
    settings.DEBUG = True
    site = Site.objects.get(is_default_site=True)
    host_home = Page.get_first_root_node().add_child(instance=Page(title="Host home", slug="host-home"))
    site.root_page = host_home
    site.save()
    with pytest.raises(CommandError, match="Host home"):
        demo()
    assert not DemoObject.objects.exists()
    assert not Client.objects.exists()


def test_debug_run_twice_never_touches_the_hosts_users_and_prints_the_served_url(settings):
    settings.DEBUG = True
    User = get_user_model()
    host_admin = User.objects.create_superuser("admin", "boss@host.example", "host-Admin-pw-1")
    host_anne = User.objects.create_user(DEMO_CLIENT, DEMO_CLIENT, "host-Anne-pw-1")
    before = {user.pk: (user.email, user.password, user.is_superuser) for user in (host_admin, host_anne)}

    out = demo("--base-url", "http://127.0.0.1:8123")
    counts = (Client.objects.count(), Installation.objects.count(), DemoObject.objects.count())
    demo("--base-url", "http://127.0.0.1:8123")  # safe twice

    assert (Client.objects.count(), Installation.objects.count(), DemoObject.objects.count()) == counts
    for user in User.objects.filter(pk__in=before):
        assert (user.email, user.password, user.is_superuser) == before[user.pk]
    assert not TOTPDevice.objects.filter(user=host_admin).exists()
    assert not PortalAccount.objects.filter(user=host_anne).exists()
    assert "Left alone" in out and "http://127.0.0.1:8123/espace-client/" in out
    assert "8000" not in out
    # The demo's SPANC login, whose user the host did not have, is there.
    assert PortalAccount.objects.filter(
        user__portal_memberships__spanc__external_id="S-035", activated_at__isnull=False
    ).exists()


def test_a_record_under_a_demo_id_it_did_not_create_stops_it_before_any_write(settings):
    settings.DEBUG = True
    real = factories.client(external_id="C-10001", first_name="Réel", email="real.client@host.example")
    with pytest.raises(CommandError, match="C-10001"):
        demo()
    real.refresh_from_db()
    assert (real.first_name, real.email) == ("Réel", "real.client@host.example")
    assert not DemoObject.objects.exists()
    assert not Installation.objects.filter(client=real).exists()


def test_without_debug_no_published_password_stays(settings):
    settings.DEBUG = True
    demo()
    User = get_user_model()
    assert User.objects.get(username=ADMIN[0]).check_password(ADMIN[2])

    settings.DEBUG = False
    out = demo("--allow-without-debug")
    admin, anne = User.objects.get(username=ADMIN[0]), User.objects.get(username=DEMO_CLIENT)
    assert not admin.check_password(ADMIN[2])
    assert not anne.check_password(CLIENT_PASSWORD)
    assert ADMIN[2] not in out and CLIENT_PASSWORD not in out
    assert "random" in out


def test_home_page_is_the_default_sites_root_page(settings):
    settings.DEBUG = True
    root = Page.get_first_root_node()
    elsewhere = root.add_child(instance=HomePage(title="Ancienne accueil", slug="ancienne"))
    home = root.add_child(instance=HomePage(title="Accueil", slug="accueil-site"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()

    demo()

    space = ClientSpacePage.objects.get()
    assert space.get_parent().pk == home.pk
    assert not elsewhere.get_children().exists()
    home.refresh_from_db()
    assert not home.body.raw_data  # the host's page: the buttons are not added to it


# --- the data has the shapes of real exports, and what it prints works --------


def _separators(code):
    return re.findall(r"[^0-9A-Za-z]+", code)


def test_demo_data_has_the_shapes_real_exports_hold():
    clients = people.clients()
    codes = [data.code for data in clients] + [row[1] for row in people.SPANCS]
    names = [data.full_name for data in clients]
    emails = [data.email for data in clients] + [row[3] for row in people.SPANCS]
    installations = [spec for data in clients for spec in data.installations]
    assert any(len(_separators(code)) >= 2 for code in codes)  # CLI-ACC-1A, AQ/22/0457
    assert any(" " in code for code in codes) and any(code != code.upper() for code in codes)
    assert any(" " in code and "/" in code for code in codes)  # PRO 35/012
    assert len({canonical_code(code) for code in codes}) == len(codes)  # code_key is unique
    assert any(email != email.lower() for email in emails) and any("+" in email for email in emails)
    assert any(not email.rpartition("@")[2].isascii() for email in emails)  # an IDN domain
    for mark in ("’", "'", "-", " de ", " d’", " Le "):
        assert any(mark in f" {name} " for name in names), mark
    assert any(not name.isascii() for name in names)
    assert any(spec.address_line1.startswith("Lieu-dit") and spec.address_line2 for spec in installations)
    assert any(not people.FRANCHISEES[spec.franchisee][4] for spec in installations)  # no franchisee email
    assert any(spec.spanc is None for spec in installations)
    assert [len(clients[n].installations) for n in people.LOGGED_IN] == [2, 5]
    assert {spec.stage for spec in clients[people.FIVE_INSTALLATIONS].installations} == set(people.STAGES)


LOGIN_LINE = re.compile(r"^  (Client|SPANC) +(\S+) +(\S+@\S+) / (\S+)$", re.M)
ACTIVATION_LINE = re.compile(r"^    (.+?)  +(\S+@\S+) +code (.+)$", re.M)


def _read_aloud(code):
    """A code as someone reads it out: its groups of letters and digits,
    spaces between, in lower case ("AQ/22/0457" -> "aq 22 0457")."""
    return " ".join(re.findall(r"[0-9A-Za-z]+", code)).lower()


def test_every_printed_login_and_client_to_activate_works_after_a_second_run(settings):
    settings.DEBUG = True
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0
    demo()
    out = demo()  # safe twice: the second run prints logins that work

    # README's demo paragraph names what the demo prints.
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("It prints the demo logins") :].split("\n\n")[0]
    named = re.findall(r"`([^`]+)`", paragraph)
    emails = [name for name in named if "@" in name]
    codes = [name for name in named if name in {data.code for data in people.clients()}]
    assert len(emails) == 3 and codes == ["AQ/22/0457"]
    assert [email for email in emails if f" {email} " not in out] == []
    assert f"code {codes[0]}\n" in out and _read_aloud(codes[0]) in named

    logins = LOGIN_LINE.findall(out)
    assert [kind for kind, *_rest in logins] == ["Client", "Client", "SPANC"]
    for kind, url, email, password in logins:
        browser = HttpClient()
        response = browser.post(reverse("aquatiris_portal:login"), {"email": email, "password": password})
        assert response.status_code == 302, (email, response.content.decode()[:300])
        [lead] = Membership.objects.filter(person_id=browser.session["_auth_user_id"], removed_at__isnull=True)
        assert lead.is_lead
        if kind == "SPANC":
            assert lead.spanc.email == "spanc.rennes@example.org"
            continue
        # A client's space lists every installation (the second has five), each page opens.
        space = browser.get(url)
        assert space.status_code == 200
        html = space.content.decode()
        installations = list(lead.client.installations.all())
        assert len(installations) == (2 if lead.client.email == "anne.durand@example.org" else 5)
        for installation in installations:
            assert escape(installation.reference) in html
            assert browser.get(f"{url}installations/{installation.pk}/").status_code == 200

    to_activate = ACTIVATION_LINE.findall(out)
    assert len(to_activate) == len(people.TO_ACTIVATE) + 1
    for name, email, code in to_activate:
        for typed in (code, _read_aloud(code)):
            before = AccountToken.objects.filter(purpose=AccountToken.Purpose.ACTIVATION).count()
            response = HttpClient().post(reverse("aquatiris_portal:activation"), {"email": email, "code": typed})
            assert response.status_code == 200
            token = AccountToken.objects.filter(purpose=AccountToken.Purpose.ACTIVATION).order_by("-pk").first()
            assert AccountToken.objects.filter(purpose=AccountToken.Purpose.ACTIVATION).count() == before + 1, (
                f"{name}: {email} with the code typed {typed!r} did not activate"
            )
            record = token.client or token.spanc
            assert record.code == code and name in (getattr(record, "full_name", None), f"SPANC {record.city}")
