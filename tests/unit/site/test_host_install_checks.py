"""What a host's developer meets while following docs/install.md: the
checks that name a mistake (links to no public address, portal URLs behind
Wagtail's catch-all, Django's default sender, no broker), /portail/ as a
door, the editors' group, the staff email command and the spaces command."""

import subprocess
import sys
import types
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import clear_url_caches, include, path
from wagtail import urls as wagtail_urls
from wagtail.models import Site

from aquatiris_portal import checks
from aquatiris_portal.apps import require_broker_setting
from aquatiris_portal.backoffice.groups import EDITORS, ensure_groups
from aquatiris_portal.conf import DEV_PUBLIC_BASE_URL, public_base_url
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from aquatiris_portal.snippets.viewsets import PortalContentGroup
from tests import factories

ROOT = Path(__file__).resolve().parents[3]


def ids(messages):
    return [message.id for message in messages]


# --- W008: no silent public address outside DEBUG --------------------------------------


@pytest.mark.parametrize(
    "debug, public, admin, fires",
    [
        (False, None, "http://example.com", True),  # wagtail start's placeholder
        (False, None, "", True),
        (False, "http://127.0.0.1:8000", "https://www.aquatiris.fr", True),  # the old snippet's default
        (False, "http://localhost:8000/", None, True),
        (False, "http://127.0.1.1", None, True),
        (False, "http://0.0.0.0:8000", None, True),
        (False, "http://[::1]:8000", None, True),
        (False, "www.aquatiris.fr", None, True),  # no scheme: not a link
        (False, "https://www.aquatiris.fr", "http://example.com", False),
        (False, None, "https://www.aquatiris.fr", False),  # the host named its site in Wagtail's setting
        (True, None, "http://example.com", False),  # development: runserver's address
        (True, None, None, False),
    ],
)
def test_public_base_url_check(settings, debug, public, admin, fires):
    settings.DEBUG = debug
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = public
    settings.WAGTAILADMIN_BASE_URL = admin
    found = checks.check_public_base_url()
    assert ids(found) == (["aquatiris_portal.W008"] if fires else [])
    if fires:
        assert "AQUATIRIS_PORTAL_PUBLIC_BASE_URL" in found[0].hint


def test_the_development_default_applies_under_debug_only(settings):
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = None
    settings.WAGTAILADMIN_BASE_URL = "http://example.com"
    settings.DEBUG = True
    assert public_base_url() == DEV_PUBLIC_BASE_URL == "http://127.0.0.1:8000"
    settings.DEBUG = False
    assert public_base_url() == "http://example.com"
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://www.aquatiris.fr/"
    assert public_base_url() == "https://www.aquatiris.fr"


@pytest.mark.django_db  # every check runs, the models' too (a JSONField asks the database what it supports)
def test_w008_is_part_of_check_deploy(settings):
    from django.core.checks import registry

    settings.DEBUG = False
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = None
    settings.WAGTAILADMIN_BASE_URL = "http://example.com"
    found = registry.registry.run_checks(include_deployment_checks=True)
    assert "aquatiris_portal.W008" in ids(found)


# --- E012: portal URLs behind Wagtail's catch-all -------------------------------------------


def _urlconf(name, portal_first):
    module = types.ModuleType(name)
    portal = path("portail/", include("aquatiris_portal.urls"))
    catch_all = path("", include(wagtail_urls))
    module.urlpatterns = [portal, catch_all] if portal_first else [catch_all, portal]
    sys.modules[name] = module
    return name


@pytest.fixture
def urlconf(settings):
    def use(portal_first):
        settings.ROOT_URLCONF = _urlconf(f"aqp_install_urls_{portal_first}", portal_first)
        clear_url_caches()

    yield use
    clear_url_caches()


def test_portal_urls_after_wagtails_catch_all_are_an_error_naming_the_fix(urlconf):
    urlconf(portal_first=False)
    found = checks.check_portal_urls_reachable()
    assert ids(found) == ["aquatiris_portal.E012"]
    assert "/portail/connexion/" in found[0].msg and "Wagtail's page view" in found[0].msg
    assert 'before Wagtail\'s catch-all path("", include(wagtail_urls))' in found[0].hint
    # E006 (not included) stays silent: reverse() still builds the path.
    assert checks.check_login_urls() == []


def test_portal_urls_before_the_catch_all_give_no_message(urlconf):
    urlconf(portal_first=True)
    assert checks.check_portal_urls_reachable() == []


# --- W013: Django's default sender ------------------------------------------------------------


@pytest.mark.parametrize(
    "debug, sender, fires",
    [
        (False, "webmaster@localhost", True),
        (True, "webmaster@localhost", False),
        (False, "Aquatiris <no-reply@aquatiris.fr>", False),
    ],
)
def test_default_sender_check(settings, debug, sender, fires):
    settings.DEBUG, settings.DEFAULT_FROM_EMAIL = debug, sender
    assert ids(checks.check_sender()) == (["aquatiris_portal.W013"] if fires else [])


# --- DRAMATIQ_BROKER missing: named, not a pika traceback ----------------------------------------


def test_a_missing_broker_is_named_when_pika_is_absent(settings, monkeypatch):
    import aquatiris_portal.apps as apps_module

    del settings.DRAMATIQ_BROKER
    monkeypatch.setattr(apps_module, "find_spec", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match="DRAMATIQ_BROKER is not set"):
        require_broker_setting()
    monkeypatch.setattr(apps_module, "find_spec", lambda name: object())  # pika installed: RabbitMQ may be meant
    require_broker_setting()


def test_a_site_without_dramatiq_broker_stops_with_the_settings_name():
    """A real start-up, the portal listed before django_dramatiq as the doc
    says: the ImproperlyConfigured comes first, before RabbitMQ's import."""
    code = (
        "import django\nfrom django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['aquatiris_portal', 'django_dramatiq', 'django.contrib.auth', "
        "'django.contrib.contenttypes'])\ndjango.setup()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ImproperlyConfigured: DRAMATIQ_BROKER is not set" in done.stderr, done.stderr
    assert "No module named 'pika'" not in done.stderr


# --- /portail/ --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_portail_opens_the_login_when_logged_out_and_the_space_when_logged_in():
    home = Site.objects.get(is_default_site=True).root_page
    home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    http = HttpClient()
    response = http.get("/portail/")
    assert response.status_code == 302 and response["Location"] == "/portail/connexion/"
    assert http.post("/portail/").status_code == 405
    http.force_login(factories.client_user())
    response = http.get("/portail/")
    assert response.status_code == 302 and response["Location"] == "/espace-client/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- the editors' group ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_redacteurs_edit_every_model_of_the_portal_content_menu():
    editors, _service = ensure_groups()
    granted = set(editors.permissions.values_list("content_type__model", "codename"))
    for viewset in PortalContentGroup.items:
        model = viewset.model._meta.model_name
        for action in ("add", "change", "delete", "view"):
            assert (model, f"{action}_{model}") in granted, f"Rédacteurs cannot {action} {model}"


@pytest.mark.django_db
def test_an_editor_opens_the_seasonal_maintenance_tasks():
    ensure_groups()
    editor = factories.user()
    editor.groups.add(Group.objects.get(name=EDITORS))
    http = HttpClient()
    factories.otp_login(http, editor)
    assert http.get("/admin/snippets/aquatiris_portal/seasonaltask/").status_code == 200
    assert http.get("/admin/snippets/aquatiris_portal/seasonaltask/add/").status_code == 200
    assert Permission.objects.filter(group__name=EDITORS, codename="change_seasonaltask").exists()


# --- portal_staff_email -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_without_an_email_gets_one_and_logs_in_with_it():
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "", "correct-Horse-battery-9")
    assert authenticate(username="admin@aquatiris.fr", password="correct-Horse-battery-9") is None
    listed = StringIO()
    call_command("portal_staff_email", stdout=listed)
    assert "admin: no email" in listed.getvalue()
    out = StringIO()
    call_command("portal_staff_email", "admin", "Admin@Aquatiris.fr", stdout=out)
    assert "Admin@Aquatiris.fr" in out.getvalue()
    assert authenticate(username="admin@aquatiris.fr", password="correct-Horse-battery-9") == admin
    listed = StringIO()
    call_command("portal_staff_email", stdout=listed)
    assert "Every staff user can log in" in listed.getvalue()


@pytest.mark.django_db
def test_portal_staff_email_refuses_a_shared_or_wrong_address_and_an_unknown_user():
    User = get_user_model()
    User.objects.create_superuser("admin", "", "correct-Horse-battery-9")
    factories.user(email="anne.durand@example.org")
    for args, message in (
        (("admin", "ANNE.DURAND@example.org"), "Another user"),
        (("admin", "not an address"), "not an email address"),
        (("nobody", "x@example.org"), "No user"),
        (("admin",), "Give the username and the email"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("portal_staff_email", *args)
    assert User.objects.get(username="admin").email == ""


# --- portal_spaces ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_portal_spaces_creates_both_live_spaces_once():
    call_command("portal_spaces", stdout=StringIO())
    out = StringIO()
    call_command("portal_spaces", stdout=out)
    assert "kept" in out.getvalue()
    client_space, pro_space = ClientSpacePage.objects.get(), ProSpacePage.objects.get()
    assert client_space.live and pro_space.live
    assert (client_space.url, pro_space.url) == ("/espace-client/", "/espace-pro/")
