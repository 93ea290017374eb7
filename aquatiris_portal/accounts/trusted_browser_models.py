from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrustedBrowser(models.Model):
    """A browser a SPANC person chose to trust at the second factor
    (accounts/trusted_browsers.py): while this row lives and has not
    expired, the signed cookie that browser holds skips the emailed code.

    Only a SHA-256 of the cookie's random device id is stored, so a database
    leak gives no usable cookie; deleting the row revokes the browser.
    """

    # Rows come and go at every trust and revocation: nothing for Wagtail's
    # reference index to learn.
    wagtail_reference_index_ignore = True

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    device_hash = models.CharField(_("device hash"), max_length=64, unique=True)
    # A keyed hash of the password hash and the email when trusted: any
    # change of either, however made, ends the trust.
    credentials = models.CharField(_("credentials fingerprint"), max_length=64)
    user_agent = models.CharField(_("browser"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("trusted browser")
        verbose_name_plural = _("trusted browsers")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} · {self.user_agent or '?'}"
