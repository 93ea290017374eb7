import datetime
import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..conf import app_settings
from ..records.local_dates import date_text, date_time_text
from ..storage import get_private_storage


class AuthorRole(models.TextChoices):
    """Who wrote in a request's thread."""

    CLIENT = "client", _("Client")
    FRANCHISEE = "franchisee", _("Franchisee")
    STAFF = "staff", _("Network staff")
    INTERNAL_SYSTEM = "internal_system", _("Internal system")


class PortalRequest(models.Model):
    """A request sent from a space. The recap fields are a snapshot of the
    client at sending time, so the back office and the export stay true
    even if the record changes later."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        AFTER_SALES = "after_sales", _("After-sales (SAV)")
        MAINTENANCE_CONTRACT = "maintenance_contract", _("Maintenance contract")

    class Status(models.TextChoices):
        # What each means for the client: nobody answered yet; the client
        # wrote again (reopened); the franchisee or staff answered; an
        # intervention is planned (``planned_for``); the franchisee says it is
        # solved; closed. Labels carry a context: their French agrees with
        # "demande" (feminine), unlike the generic "New"/"Closed".
        NEW = "new", pgettext_lazy("request status", "New request")
        IN_PROGRESS = "in_progress", pgettext_lazy("request status", "In progress")
        ANSWERED = "answered", pgettext_lazy("request status", "Answered")
        PLANNED = "planned", pgettext_lazy("request status", "Planned")
        RESOLVED = "resolved", pgettext_lazy("request status", "Resolved")
        CLOSED = "closed", pgettext_lazy("request status", "Closed")

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    client = models.ForeignKey(
        "aquatiris_portal.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="requests"
    )
    installation = models.ForeignKey(
        "aquatiris_portal.Installation",
        verbose_name=_("installation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    franchisee = models.ForeignKey(
        "aquatiris_portal.Franchisee",
        verbose_name=_("franchisee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    subject = models.ForeignKey(
        "aquatiris_portal.RequestSubject",
        verbose_name=_("subject"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_label = models.CharField(_("subject"), max_length=200, blank=True)
    after_sales_reason = models.CharField(_("after-sales reason"), max_length=200, blank=True)
    message = models.TextField(_("message"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Recap snapshot (spec: nom, prénom, adresse complète, téléphone, mail, code client).
    client_last_name = models.CharField(_("last name"), max_length=100, blank=True)
    client_first_name = models.CharField(_("first name"), max_length=100, blank=True)
    client_address = models.TextField(_("full address"), blank=True)
    client_phone = models.CharField(_("phone"), max_length=40, blank=True)
    client_email = models.EmailField(_("email"), blank=True)
    client_code = models.CharField(_("client code"), max_length=40, blank=True)
    installation_reference = models.CharField(_("installation reference"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The thread (RequestMessage): when someone last wrote and who; when the
    # client last read it (unread = someone else wrote after); when it was closed
    # (the client may reopen it for AQUATIRIS_PORTAL_REQUEST_REOPEN_DAYS).
    # Filled from created_at when the request is saved (never empty).
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    last_author_role = models.CharField(
        _("last written by"), max_length=20, blank=True, choices=AuthorRole.choices, default=AuthorRole.CLIENT
    )
    client_read_at = models.DateTimeField(_("read by the client"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The intervention's day when the franchisee set "planned".
    planned_for = models.DateField(_("intervention planned for"), null=True, blank=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="aqp_req_client_created"),
            models.Index(fields=["client", "-last_activity_at"], name="aqp_req_client_activity"),
            models.Index(fields=["last_author_role", "status", "last_activity_at"], name="aqp_req_waiting"),
        ]

    def __str__(self):
        name = f"{self.client_last_name} {self.client_first_name}"
        return f"{self.get_kind_display()} — {name} ({date_text(self.created_at)})"

    def save(self, *args, **kwargs):
        if self.last_activity_at is None:
            self.last_activity_at = self.created_at
        # closed_at follows the status whoever changes it (also the admin's status form).
        if self.status == self.Status.CLOSED and self.closed_at is None:
            self.closed_at = timezone.now()
        elif self.status != self.Status.CLOSED:
            self.closed_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "closed_at"}
        super().save(*args, **kwargs)
        if self.status == self.Status.CLOSED:
            # Closing ends the franchisee's reply links, whoever closes (admin
            # form, thread, import); a reopened request gets a new one with
            # the client's next message.
            ReplyLink.objects.filter(request=self, revoked_at=None).update(
                revoked_at=timezone.now(), revoke_reason=ReplyLink.RevokeReason.CLOSED
            )

    def fill_recap(self):
        client = self.client
        self.client_last_name = client.last_name
        self.client_first_name = client.first_name
        self.client_address = client.full_address
        self.client_phone = client.phone
        self.client_email = client.email
        self.client_code = client.code
        if self.installation is not None:
            self.installation_reference = self.installation.reference
            self.franchisee = self.installation.franchisee

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    @property
    def unread_by_client(self):
        """Someone other than the client wrote since the client last read the thread."""
        return self.last_author_role != AuthorRole.CLIENT and (
            self.client_read_at is None or self.client_read_at < self.last_activity_at
        )

    def can_reopen(self, now=None):
        """A closed request can be reopened by its client for REQUEST_REOPEN_DAYS after closing."""
        if not self.is_closed:
            return False
        closed_at = self.closed_at or self.updated_at
        days = app_settings.REQUEST_REOPEN_DAYS
        return (now or timezone.now()) - closed_at <= datetime.timedelta(days=days)

    def set_status(self, status, now=None):
        """Change the status, keeping ``closed_at`` true; returns the fields to save."""
        if status == self.status:
            return []
        self.status = status
        self.closed_at = (now or timezone.now()) if status == self.Status.CLOSED else None
        return ["status", "closed_at", "updated_at"]


def attachment_upload_to(instance, filename):
    return f"requests/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}/{filename}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(
        PortalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="attachments"
    )
    # Empty for the attachments of the request itself; set for a reply's.
    message = models.ForeignKey(
        "aquatiris_portal.RequestMessage",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), storage=get_private_storage, upload_to=attachment_upload_to, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename


class RequestMessage(models.Model):
    """One message of a request's thread, after the request itself (whose
    text is ``PortalRequest.message``). Written by the client, the
    franchisee (reply link or internal system), network staff (admin) or
    the internal system; never edited."""

    Author = AuthorRole

    class Channel(models.TextChoices):
        CLIENT_SPACE = "client_space", _("Client space")
        REPLY_LINK = "reply_link", _("Reply link")
        ADMIN = "admin", _("Back office")
        IMPORT = "import", _("Import")

    request = models.ForeignKey(
        PortalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="messages"
    )
    author_role = models.CharField(_("author"), max_length=20, choices=Author.choices)
    author_name = models.CharField(_("author name"), max_length=200, blank=True)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Messages of the internal system: its id (an import applies a message once).
    external_id = models.CharField(_("internal system id"), max_length=64, unique=True, null=True, blank=True)
    # A status the author set with this message (the thread shows a status
    # line), and the intervention's day for "planned".
    status_set = models.CharField(_("status set"), max_length=20, choices=PortalRequest.Status.choices, blank=True)
    status_date = models.DateField(_("status date"), null=True, blank=True)

    class Meta:
        verbose_name = _("request message")
        verbose_name_plural = _("request messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="aqp_msg_request_created")]

    def __str__(self):
        return f"{self.get_author_role_display()} {date_time_text(self.created_at)}"


class ReplyLink(models.Model):
    """A franchisee's personal reply link to one request. The token exists
    only in the mail that carries it; the row keeps its SHA-256. It works
    until ``expires_at`` (REPLY_LINK_DAYS, pushed back by each client
    message), until revoked (the request closed, staff), and only while the
    installation's franchisee and their address are the ones it was sent to."""

    class RevokeReason(models.TextChoices):
        CLOSED = "closed", _("Request closed")
        STAFF = "staff", _("Revoked by staff")

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    request = models.ForeignKey(
        PortalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="reply_links"
    )
    franchisee = models.ForeignKey(
        "aquatiris_portal.Franchisee", verbose_name=_("franchisee"), on_delete=models.CASCADE, related_name="+"
    )
    # Digest of the address the link was sent to: a new address kills it.
    email_digest = models.CharField(_("address digest"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(_("revoked because"), max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        verbose_name = _("reply link")
        verbose_name_plural = _("reply links")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["request", "revoked_at"], name="aqp_replylink_request")]

    def __str__(self):
        return f"{self.request_id} {date_time_text(self.created_at)}"


class ReplyLinkUse(models.Model):
    """Each time a franchisee's reply link is opened or used (the rules of docs/architecture.md: no
    login, so every use leaves a trace)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Opened")
        REPLY = "reply", _("Replied")
        REFUSED = "refused", _("Refused (expired, revoked or franchisee changed)")

    request = models.ForeignKey(
        PortalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="reply_link_uses"
    )
    email = models.EmailField(_("link sent to"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    message = models.ForeignKey(
        RequestMessage, verbose_name=_("message"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("reply link use")
        verbose_name_plural = _("reply link uses")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.email} {date_time_text(self.created_at)}"


class DocumentLink(models.Model):
    """A franchisee's personal link to a document a SPANC sent into the
    folder of an installation he follows (the franchisee has no account).
    Like ``ReplyLink``: the token exists only in the mail, the row keeps its
    SHA-256; it works until ``expires_at`` (REPLY_LINK_DAYS), while the
    document is not deleted and the installation's franchisee and their
    address are the ones it was sent to."""

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    document = models.ForeignKey(
        "aquatiris_portal.PortalDocument", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    franchisee = models.ForeignKey(
        "aquatiris_portal.Franchisee", verbose_name=_("franchisee"), on_delete=models.CASCADE, related_name="+"
    )
    email_digest = models.CharField(_("address digest"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.document_id} {date_time_text(self.created_at)}"


class DocumentLinkUse(models.Model):
    """Each opening, download or refusal of a franchisee's document link."""

    class Action(models.TextChoices):
        VIEW = "view", _("Opened")
        DOWNLOAD = "download", _("Downloaded")
        REFUSED = "refused", _("Refused (expired, deleted or franchisee changed)")

    document = models.ForeignKey(
        "aquatiris_portal.PortalDocument", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(_("link sent to"), blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("document link use")
        verbose_name_plural = _("document link uses")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.email} {date_time_text(self.created_at)}"


class WarrantyExtension(models.Model):
    """The warranty extension of an installation: one per installation
    (the unique constraint is the last guard against a double submit)."""

    installation = models.OneToOneField(
        "aquatiris_portal.Installation",
        verbose_name=_("installation"),
        on_delete=models.PROTECT,
        related_name="warranty_extension",
    )
    client = models.ForeignKey(
        "aquatiris_portal.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    serial_number = models.CharField(_("serial number"), max_length=60)
    certificate_number = models.CharField(_("certificate number"), max_length=40, unique=True, null=True, blank=True)
    document = models.OneToOneField(
        "aquatiris_portal.PortalDocument",
        verbose_name=_("certificate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("warranty extension")
        verbose_name_plural = _("warranty extensions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.certificate_number or ''} {self.serial_number}".strip()


def export_upload_to(instance, filename):
    return f"exports/requests/{uuid.uuid4().hex}/{filename}"


class RequestExport(models.Model):
    """An XLSX/CSV export of the requests listing, built by a background job
    (``enquiries.tasks.build_request_export``) and downloaded later by the
    person who asked (``enquiries.visibility.get_request_export_or_404``)."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    # The listing's query string (filters, search, ordering), without "export".
    query_string = models.TextField(_("filters"), blank=True)
    # The rows the listing showed when the export was asked, in its order: the
    # job writes them without rebuilding the admin view (exports.py).
    request_ids = models.JSONField(_("requests"), default=list, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=export_upload_to, max_length=500, blank=True
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("requests export")
        verbose_name_plural = _("requests exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_format_display()} {date_time_text(self.created_at)} ({self.get_status_display()})"

    @property
    def is_pending(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def content_type(self):
        if self.format == self.Format.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _delete_export_file(sender, instance, **kwargs):
    # Rows go with their user (CASCADE) or the retention job: the file goes
    # once the deletion is committed.
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))


models.signals.post_delete.connect(
    _delete_export_file, sender=RequestExport, dispatch_uid="aquatiris_portal_request_export_file"
)
