"""The document access log: one row each time a personal file is served.

Written by ``storage.serve_private_file`` itself (every route hands it the
row, built by ``document_access``), read by the client space's page « Qui a
consulté mes documents » (pages/document_accesses.py), deleted after
AQUATIRIS_PORTAL_DOCUMENT_ACCESS_RETENTION_DAYS (access_retention.py).

Several models hold private files (PortalDocument, RequestAttachment,
RequestExport, the archives): a row names its file by kind and id, and keeps the title it
had, so the log survives the file and needs no join to be listed.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentAccess(models.Model):
    class FileKind(models.TextChoices):
        DOCUMENT = "document", _("document")
        ATTACHMENT = "attachment", _("request attachment")
        EXPORT = "export", _("requests export")
        ARCHIVE = "archive", _("archive (installation dossier, my data)")

    class Actor(models.TextChoices):
        OWNER = "owner", _("owner")
        HOUSEHOLD = "household", _("household member")
        SPANC = "spanc", _("SPANC agent")
        FRANCHISEE = "franchisee", _("franchisee (personal link)")
        STAFF = "staff", _("Aquatiris staff")
        SYSTEM = "system", _("internal system")

    # Append-only: nothing for Wagtail's reference index to learn.
    wagtail_reference_index_ignore = True

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # The client whose document it is (None: a staff export); the page's query.
    client = models.ForeignKey(
        "aquatiris_portal.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    file_kind = models.CharField(_("kind of file"), max_length=20, choices=FileKind.choices)
    file_id = models.PositiveBigIntegerField(_("file id"))
    title = models.CharField(_("title"), max_length=255, blank=True)
    actor = models.CharField(_("read by"), max_length=20, choices=Actor.choices)
    # The person logged in (None: a franchisee's link, the internal system).
    # For staff it is never shown to the client: ``staff_ref`` is.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # As shown to the client, kept when the person or the SPANC goes.
    actor_name = models.CharField(_("name"), max_length=300, blank=True)
    # A franchisee's personal link: which one, and when it was sent.
    link_id = models.PositiveBigIntegerField(_("link id"), null=True, blank=True)
    link_sent_at = models.DateTimeField(_("link sent"), null=True, blank=True)
    # Staff: a short reference the network traces back to the person (with ``user``).
    staff_ref = models.CharField(_("staff reference"), max_length=8, blank=True)
    route = models.CharField(_("route"), max_length=80)

    class Meta:
        verbose_name = _("document access")
        verbose_name_plural = _("document accesses")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        indexes = [
            # « Qui a consulté mes documents »: one client's rows, newest first.
            models.Index(fields=["client", "-created_at", "-id"], name="aqp_docaccess_client"),
            # Retention deletes by age.
            models.Index(fields=["created_at"], name="aqp_docaccess_created"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.file_kind} {self.file_id}"
