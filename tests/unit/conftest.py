import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Unit tests log in hundreds of people: a fast hash keeps the suite quick.

    Only here: integration tests create users that another process (the
    production settings, which know only Django's default hashers) must
    check, so they keep the real hasher.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_auth_delay(settings):
    """Login, activation and reset answer at once: their minimum response
    time (which hides whether an account exists) only slows tests that do
    not measure it."""
    settings.AQUATIRIS_PORTAL_AUTH_MIN_RESPONSE_SECONDS = 0


@pytest.fixture
def portal_public_url(settings):
    """The address links in mails and exports start with."""
    settings.AQUATIRIS_PORTAL_PUBLIC_BASE_URL = "https://portail.example"


@pytest.fixture
def wagtail_tree(settings):
    """Wagtail's locale, root page and default site: made by the migrations,
    gone when an earlier ``transaction=True`` test flushed the database (the
    order of the files decides), made again here. Returns the default site."""
    from wagtail.models import Locale, Page, Site

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    return Site.objects.filter(is_default_site=True).first() or Site.objects.create(
        hostname="localhost", root_page=root, is_default_site=True
    )
