import pytest


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    """Every test writes private files into its own temporary folder."""
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (login throttling counts live there)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def stub_broker():
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.fixture
def worker(stub_broker):
    """A dramatiq worker on the stub broker (join with ``stub_broker.join(queue)``)."""
    import dramatiq

    import aquatiris_portal.tasks  # noqa: F401

    w = dramatiq.Worker(stub_broker, worker_timeout=100)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client, past the second factor (every admin URL
    requires it: accounts/middleware.py)."""
    from django.test import Client

    from tests.factories import otp_login

    http = Client()
    otp_login(http, admin_user)
    return http
