from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AquatirisPortalConfig(AppConfig):
    name = "aquatiris_portal"
    label = "aquatiris_portal"
    verbose_name = _("Aquatiris portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from . import signals  # noqa: F401  (connects receivers)
        # In ready(): these modules need the app registry loaded.
        from .devworker import maybe_start  # noqa: E402
        from .log_filters import install as redact_tokens_in_logs  # noqa: E402

        redact_tokens_in_logs()  # no link's token in Django's log lines (log_filters.py)

        maybe_start()  # development mode only (AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS)
