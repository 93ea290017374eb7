from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """Links a host user to the records it stands for.

    The host's user model is not replaced: the login is the user's email,
    kept equal to the record's email by the sync.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="portal_account"
    )
    client = models.OneToOneField(
        "aquatiris_portal.Client", verbose_name=_("client"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="account",
    )
    spanc = models.OneToOneField(
        "aquatiris_portal.Spanc", verbose_name=_("SPANC"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="account",
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    # The previous visit marks what is new; the current one becomes the
    # previous at the next login.
    previous_visit_at = models.DateTimeField(_("previous visit"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self):
        return str(self.user)

    @property
    def is_client(self):
        return self.client_id is not None

    @property
    def is_spanc(self):
        return self.spanc_id is not None
