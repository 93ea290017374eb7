from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AquatirisPortalConfig(AppConfig):
    name = "aquatiris_portal"
    label = "aquatiris_portal"
    verbose_name = _("Aquatiris portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects receivers)
