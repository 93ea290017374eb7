"""Archives a person asks for and downloads later: the « Dossier de
l'installation » (every document the owner may see, plus a summary PDF) and
« Mes données » (the person's own data, RGPD articles 15 and 20).

A row is built in the background (enquiries.archives, its actor in
enquiries.tasks), then delivered by a mail whose link carries ``token``;
the link serves only the person who asked, while ``expires_at`` lies ahead
(and, for a dossier, while access still shows them the installation).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..records.models import Client, Installation
from ..storage import get_private_storage


def archive_upload_to(instance, filename):
    # A random folder, as for documents: the storage's names tell nothing.
    return f"archives/{uuid.uuid4().hex}/{filename}"


def new_token():
    return secrets.token_urlsafe(32)


class PersonalArchive(models.Model):
    class Kind(models.TextChoices):
        DOSSIER = "dossier", _("Installation dossier")
        MY_DATA = "my_data", _("My data")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        TOO_LARGE = "too_large", _("Too large")

    PENDING = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The client whose data it is (the access log's client); the installation of a dossier.
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    installation = models.ForeignKey(
        Installation, verbose_name=_("installation"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token, editable=False)
    site_url = models.CharField(_("site address"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link valid until"), null=True, blank=True)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=archive_upload_to, max_length=500, blank=True
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("personal archive")
        verbose_name_plural = _("personal archives")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view", "delete")
        constraints = [
            # One dossier build at a time per installation (a double click, two people of a household).
            models.UniqueConstraint(
                fields=["installation"],
                name="aqp_archive_one_dossier_build",
                condition=Q(kind="dossier", status__in=["queued", "running"]),
            ),
            models.UniqueConstraint(
                fields=["requested_by"],
                name="aqp_archive_one_my_data_build",
                condition=Q(kind="my_data", status__in=["queued", "running"]),
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "kind", "-created_at"], name="aqp_archive_person")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"

    @property
    def is_pending(self):
        return self.status in self.PENDING

    @property
    def is_ready(self):
        return self.status == self.Status.DONE and self.expires_at is not None and self.expires_at > timezone.now()


def _delete_archive_file(sender, instance, **kwargs):
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))


models.signals.post_delete.connect(
    _delete_archive_file, sender=PersonalArchive, dispatch_uid="aquatiris_portal.archive_file"
)
