import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Unit tests log in hundreds of people: a fast hash keeps the suite quick.

    Only here: integration tests create users that another process (the
    production settings, which know only Django's default hashers) must
    check, so they keep the real hasher.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
