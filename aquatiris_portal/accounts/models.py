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


class AccountToken(models.Model):
    """A single-use link sent by email (first connection or lost password).

    Only a SHA-256 of the random token is stored: a database leak gives no
    usable link. A link is valid while unused, unrevoked, unexpired and, for
    a reset link, while the user's password is the one it was issued for
    (``password_fingerprint``), so that any password change kills it.
    """

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("First connection")
        RESET = "reset", _("Lost password")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    email = models.EmailField(_("sent to"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )
    client = models.ForeignKey(
        "aquatiris_portal.Client", verbose_name=_("client"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )
    spanc = models.ForeignKey(
        "aquatiris_portal.Spanc", verbose_name=_("SPANC"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )
    password_fingerprint = models.CharField(_("password fingerprint"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("account link")
        verbose_name_plural = _("account links")
        indexes = [models.Index(fields=["purpose", "email"], name="aqp_token_purpose_email")]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.email}"

    @property
    def record(self):
        return self.client or self.spanc
