from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """A host user's portal state: activation and visits.

    The host's user model is not replaced: the login is the user's email,
    kept equal to the record's email by the sync. The records a person may
    act for are their memberships (Membership), the only link.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="portal_account"
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
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
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


class Membership(models.Model):
    """One person's access to one record (a client XOR a SPANC), with a role.

    People, not records, log in: a record may have several people (a couple,
    a SPANC's agents) and a person several records (a landlord). The owner of
    a client and the manager of a SPANC are the record's own email (the
    activation); household members and agents are invited. A removed
    membership keeps its row (``removed_at``) for the trace and gives no
    access from the next request on (access.py reads memberships each time).
    """

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        HOUSEHOLD = "household", _("Household member")
        MANAGER = "manager", _("Manager")
        AGENT = "agent", _("Agent")

    CLIENT_ROLES = (Role.OWNER, Role.HOUSEHOLD)
    SPANC_ROLES = (Role.MANAGER, Role.AGENT)
    # The roles that speak for the record: its own email, may invite.
    LEAD_ROLES = (Role.OWNER, Role.MANAGER)

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="portal_memberships",
    )
    client = models.ForeignKey(
        "aquatiris_portal.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    spanc = models.ForeignKey(
        "aquatiris_portal.Spanc",
        verbose_name=_("SPANC"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # « Nouveau » per person and record (accounts/new_marks.py): the visit
    # started when the record's space was first opened after a login; what
    # came after the previous one is new. Per record, so that a landlord
    # opening A leaves B's marks alone.
    previous_visit_at = models.DateTimeField(_("previous visit"), null=True, blank=True)
    visit_started_at = models.DateTimeField(_("visit started"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["pk"]
        constraints = [
            # A client with a client role, or a SPANC with a SPANC role: never both, never neither.
            models.CheckConstraint(
                condition=(
                    models.Q(client__isnull=False, spanc__isnull=True, role__in=["owner", "household"])
                    | models.Q(client__isnull=True, spanc__isnull=False, role__in=["manager", "agent"])
                ),
                name="aqp_membership_one_record_role",
            ),
            models.UniqueConstraint(
                fields=["person", "client"],
                condition=models.Q(removed_at__isnull=True, client__isnull=False),
                name="aqp_membership_active_client",
            ),
            models.UniqueConstraint(
                fields=["person", "spanc"],
                condition=models.Q(removed_at__isnull=True, spanc__isnull=False),
                name="aqp_membership_active_spanc",
            ),
        ]

    def __str__(self):
        return f"{self.person} → {self.record} ({self.get_role_display()})"

    @property
    def record(self):
        return self.client or self.spanc

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def is_lead(self) -> bool:
        """The owner or the manager: the record's own email, who may invite."""
        return self.role in self.LEAD_ROLES


# An invitation to a record (accounts/invitations.py) lives in its own module;
# imported here so that Django registers it with the accounts' models.
from .invitation_models import Invitation  # noqa: E402,F401
