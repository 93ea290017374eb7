from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    """A person invited by email into a record (a client's household, a
    SPANC's agents) by its owner or manager, or by staff.

    Like an account link (models.AccountToken), only the SHA-256 of the
    random token is stored. It is used once (``accepted_at``), ends at
    ``expires_at`` or when revoked; a pending one counts in the record's
    cap of people (conf PEOPLE_PER_CLIENT / PEOPLE_PER_SPANC).
    """

    email = models.EmailField(_("invited address"))
    role = models.CharField(_("role"), max_length=20)
    client = models.ForeignKey(
        "aquatiris_portal.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    spanc = models.ForeignKey(
        "aquatiris_portal.Spanc",
        verbose_name=_("SPANC"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Who accepted it: the new person, or the existing account that confirmed.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["pk"]
        indexes = [models.Index(fields=["email"], name="aqp_invitation_email")]

    def __str__(self):
        return f"{self.email} → {self.record}"

    @property
    def record(self):
        return self.client or self.spanc

    @property
    def kind(self) -> str:
        return "client" if self.client_id else "spanc"

    def pending(self, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
