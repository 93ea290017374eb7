from importlib.util import find_spec

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def require_broker_setting():
    """django_dramatiq builds its broker as its app loads, RabbitMQ when
    DRAMATIQ_BROKER is unset: without `pika` that is an ImportError deep in
    its code, before any system check (E001) runs. Listed before it in
    INSTALLED_APPS (docs/install.md), the portal names the setting first."""
    if getattr(settings, "DRAMATIQ_BROKER", None) or find_spec("pika") is not None:
        return
    raise ImproperlyConfigured(
        "DRAMATIQ_BROKER is not set: django_dramatiq would fall back to RabbitMQ (and `pika`, not installed). "
        'Development: DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.stub.StubBroker", "OPTIONS": {}} with '
        "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = True; production: "
        'DRAMATIQ_BROKER = {"BROKER": "dramatiq.brokers.redis.RedisBroker", "OPTIONS": {"url": REDIS_URL}} '
        "(docs/install.md, step Settings)."
    )


class AquatirisPortalConfig(AppConfig):
    name = "aquatiris_portal"
    label = "aquatiris_portal"
    verbose_name = _("Aquatiris portal")
    default_auto_field = "django.db.models.BigAutoField"

    def __init__(self, app_name, app_module):
        require_broker_setting()
        super().__init__(app_name, app_module)

    def ready(self):
        from . import checks, signals  # noqa: F401  (register the system checks, connect receivers)

        # In ready(): these modules need the app registry loaded.
        from .devworker import maybe_start  # noqa: E402
        from .log_filters import install as redact_tokens_in_logs  # noqa: E402

        redact_tokens_in_logs()  # no link's token in Django's log lines (log_filters.py)

        maybe_start()  # development mode only (AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS)
