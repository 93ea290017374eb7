"""The example site's ``portal_demo`` (issue 15 Build 4, issue 14 Build 1):
it runs only on the example site and in DEBUG (a flag overrides DEBUG only),
never changes a user, record or page it did not create, finds the home page
through ``Site.root_page``, prints the URL it is served at, and leaves no
published password on a site without DEBUG."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from aquatiris_portal.models import Client, Installation, PortalAccount
from aquatiris_portal.pages.client_space import ClientSpacePage
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
    assert PortalAccount.objects.filter(spanc__external_id="S-035", activated_at__isnull=False).exists()


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
