"""Records the internal system owns: franchisees, SPANC, clients,
installations and their documents. The portal never edits the synced
fields; ``sync`` upserts them by ``external_id``.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import get_private_storage
from .codes import KEY_MAX_LENGTH, code_key
from .control_results import ControlResult
from .emails import normalise_email
from .names import folder_columns


def unique_external_id(prefix):
    """The uniqueness of ``external_id`` (the import's ON CONFLICT target), as a
    constraint: ``unique=True`` would also give PostgreSQL a LIKE index that
    no query uses and every imported row pays for."""
    return models.UniqueConstraint(fields=["external_id"], name=f"{prefix}_external_id_uniq")


def code_key_field(verbose_name):
    """The canonical form of a record's ``code`` (records/codes.py), which the
    activation look-up compares exactly. NULL only for a code without any
    letter or digit, or for one of two rows that collided before the column
    existed (migration 0019)."""
    return models.CharField(verbose_name, max_length=KEY_MAX_LENGTH, null=True, blank=True, editable=False)


def unique_code_key(prefix):
    """Two records of one type never share a canonical code; the constraint's
    index is the look-up's (one exact query per record type)."""
    return models.UniqueConstraint(fields=["code_key"], name=f"{prefix}_code_key_uniq")


class SyncedRecord(models.Model):
    # Unique through unique_external_id() in each model's Meta.
    external_id = models.CharField(
        _("internal system id"),
        max_length=64,
        help_text=_("Key of the record in the internal system."),
    )
    synced_at = models.DateTimeField(_("last synchronised"), default=timezone.now)
    # Hash of the export line last applied (and of the values others may change):
    # a re-import recognises unchanged lines without rebuilding them (sync/importer.py).
    sync_hash = models.CharField(_("sync hash"), max_length=32, blank=True, editable=False)

    class Meta:
        abstract = True


class Address(models.Model):
    address_line1 = models.CharField(_("address"), max_length=255, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=255, blank=True)
    # No index: the folder search reads ``search_words``, nothing filters on the postcode alone.
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def full_address(self):
        lines = [self.address_line1, self.address_line2, f"{self.postcode} {self.city}".strip()]
        return "\n".join(line for line in lines if line)

    @property
    def address_one_line(self):
        return ", ".join(line for line in self.full_address.splitlines())


class Franchisee(SyncedRecord):
    company = models.CharField(_("company"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        constraints = [unique_external_id("aqp_franchisee")]
        verbose_name = _("franchisee")
        verbose_name_plural = _("franchisees")
        ordering = ["company"]

    def __str__(self):
        return self.company

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def contact_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Spanc(SyncedRecord, Address):
    code = models.CharField(_("pro code"), max_length=40, unique=True)
    code_key = code_key_field(_("pro code as compared"))
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        constraints = [unique_external_id("aqp_spanc"), unique_code_key("aqp_spanc")]
        verbose_name = _("SPANC")
        verbose_name_plural = _("SPANC")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        self.code_key = code_key(self.code)
        super().save(*args, **kwargs)


class Client(SyncedRecord, Address):
    code = models.CharField(_("client code"), max_length=40, unique=True)
    code_key = code_key_field(_("client code as compared"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    # Stored lower-cased: look-ups compare case-insensitively through the index.
    email = models.EmailField(_("email"), db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        constraints = [unique_external_id("aqp_client"), unique_code_key("aqp_client")]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        self.code_key = code_key(self.code)
        super().save(*args, **kwargs)
        # The installations carry a copy of the name (pro space sort and search).
        refresh_folder_columns([self.pk])

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Stage(models.TextChoices):
    STUDY = "study", _("Study")
    QUOTE = "quote", _("Quote")
    INSTALLATION = "installation", _("Installation")
    COMMISSIONED = "commissioned", _("Commissioning")
    MAINTENANCE = "maintenance", _("Maintenance")


STAGE_ORDER = [choice.value for choice in Stage]


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    NONE = "none", _("None")


class InstallationQuerySet(models.QuerySet):
    def for_spanc(self, spanc):
        return self.filter(spanc=spanc)

    def bulk_create(self, objs, *args, **kwargs):
        # save() is skipped: fill the copy of the client's name here too,
        # with the clients not already at hand read in one query.
        objs = list(objs)
        missing = {obj.client_id for obj in objs if not Installation.client.is_cached(obj)}
        clients = Client.objects.in_bulk(missing) if missing else {}
        for installation in objs:
            if installation.client_id in clients:
                installation.client = clients[installation.client_id]
            installation.fill_folder_columns()
        return super().bulk_create(objs, *args, **kwargs)


class Installation(SyncedRecord, Address):
    # client and spanc: no index of their own, aqp_inst_client_ref and aqp_inst_spanc_ref start with them.
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="installations",
        db_index=False,
    )
    franchisee = models.ForeignKey(
        Franchisee,
        verbose_name=_("franchisee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="installations",
    )
    spanc = models.ForeignKey(
        Spanc,
        verbose_name=_("SPANC"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="installations",
        db_index=False,
    )
    reference = models.CharField(_("reference"), max_length=60)  # indexed in Meta (no LIKE index)
    label = models.CharField(_("label"), max_length=200, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    serial_registered_at = models.DateTimeField(_("serial number registered"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.STUDY)
    # When the portal first knew the installation (the SPANC's weekly "new
    # folders"); empty for installations imported before it was recorded.
    created_at = models.DateTimeField(
        _("added to the portal"), null=True, blank=True, default=timezone.now, editable=False
    )
    # Derived from the client and the address (folder_columns): the pro space
    # sorts and searches a territory on these without joining the clients.
    client_sort_name = models.CharField(_("client (sort key)"), max_length=200, blank=True, editable=False)
    search_words = models.CharField(_("search words"), max_length=500, blank=True, editable=False)
    # The franchisee's maintenance contract, from the export.
    maintenance_contract_status = models.CharField(
        _("maintenance contract"), max_length=10, choices=ContractStatus.choices, blank=True
    )
    maintenance_contract_until = models.DateField(_("maintenance contract until"), null=True, blank=True)
    maintenance_contract_every_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"), null=True, blank=True
    )
    # Date of the last maintenance done, copied from the visits by the import
    # (records.visits.refresh_last_maintenance): the folder list sorts and filters on it.
    last_maintenance_on = models.DateField(_("last maintenance"), null=True, blank=True, editable=False)

    objects = InstallationQuerySet.as_manager()

    class Meta:
        constraints = [unique_external_id("aqp_inst")]
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        ordering = ["reference"]
        indexes = [
            models.Index(fields=["reference"], name="aqp_inst_reference"),  # the admin's default order
            models.Index(fields=["client", "reference"], name="aqp_inst_client_ref"),
            models.Index(fields=["spanc", "reference"], name="aqp_inst_spanc_ref"),
            models.Index(fields=["spanc", "created_at"], name="aqp_inst_spanc_created"),
            # Pro space folder list: a page of a territory in either order
            # is read from these indexes, without sorting the territory.
            # The search's words last (after the unique id: the order is the
            # same): a search's count and page filter the territory from this
            # index alone, without reading the table (a key column, not
            # INCLUDE, which SQLite refuses with a warning).
            models.Index(
                fields=["spanc", "client_sort_name", "reference", "id", "search_words"], name="aqp_inst_spanc_name"
            ),
            models.Index(fields=["spanc", "city", "client_sort_name", "reference", "id"], name="aqp_inst_spanc_town"),
            # Planning columns of the folder list: by installation date, by stage.
            models.Index(
                fields=["spanc", "installed_on", "client_sort_name", "reference", "id"], name="aqp_inst_spanc_installed"
            ),
            # The maintenance filter's dates last (after the unique id): the
            # "no maintenance for N months" count of the folders in service
            # reads this index alone, without the table.
            models.Index(
                fields=["spanc", "stage", "client_sort_name", "reference", "id", "last_maintenance_on", "installed_on"],
                name="aqp_inst_spanc_stage",
            ),
            # Last maintenance column and the "no maintenance for more than N months" filter.
            models.Index(
                fields=["spanc", "last_maintenance_on", "client_sort_name", "reference", "id"],
                name="aqp_inst_spanc_maint",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.label}".strip()

    def save(self, *args, **kwargs):
        self.fill_folder_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "client_sort_name", "search_words"}
        super().save(*args, **kwargs)

    def fill_folder_columns(self):
        for name, value in folder_columns(
            self.client.last_name, self.client.first_name, self.city, self.postcode, self.reference
        ).items():
            setattr(self, name, value)

    @property
    def stage_index(self):
        return STAGE_ORDER.index(self.stage) if self.stage in STAGE_ORDER else 0

    @property
    def is_past_quote(self):
        """Works have started (installation stage or later): there is something
        to register a warranty for, or to maintain."""
        return self.stage_index > STAGE_ORDER.index(Stage.QUOTE)

    @property
    def is_built(self):
        """Commissioned or later: the filter exists, its serial number can be
        registered for the warranty (not while works are still going on)."""
        return self.stage_index >= STAGE_ORDER.index(Stage.COMMISSIONED)

    @property
    def has_active_contract(self):
        until = self.maintenance_contract_until
        return self.maintenance_contract_status == ContractStatus.ACTIVE and (
            until is None or until >= timezone.localdate()
        )

    @property
    def display_name(self):
        """How a client tells their installations apart: the place
        ("Saint-Père — La Ville Ès Nonais"), the label when there is no address."""
        place = " — ".join(part for part in (self.city, self.address_line1) if part)
        return place or self.label or self.reference

    @property
    def display_name_with_reference(self):
        """The place with the reference beside it ("Saint-Père — La Ville Ès Nonais (AQ-2019-5001)")."""
        name = self.display_name
        return name if name == self.reference else f"{name} ({self.reference})"


class SpancFolderCount(models.Model):
    """How many installations a SPANC has: its folder list's count, kept by
    the database's triggers on the installations' table (records.folder_counts),
    never written by the portal's code."""

    spanc = models.OneToOneField(
        Spanc, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    folders = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("SPANC folder count")
        verbose_name_plural = _("SPANC folder counts")

    def __str__(self):
        return f"{self.spanc_id}: {self.folders}"


def refresh_folder_columns(client_pks):
    """Copy the names of these clients again onto their installations (a
    client renamed). The hash is cleared (the sync's GUARDS rule): the next
    import re-reads these installations' lines instead of trusting a hash
    of other values."""
    rows = Installation.objects.filter(client_id__in=client_pks).values_list(
        "pk",
        "client__last_name",
        "client__first_name",
        "city",
        "postcode",
        "reference",
        "client_sort_name",
        "search_words",
    )
    changed = []
    for pk, last_name, first_name, city, postcode, reference, *current in rows.iterator():
        columns = folder_columns(last_name, first_name, city, postcode, reference)
        if list(columns.values()) != current:
            changed.append(Installation(pk=pk, sync_hash="", **columns))
    Installation.objects.bulk_update(changed, ["client_sort_name", "search_words", "sync_hash"], batch_size=1000)


class DocumentSource(models.TextChoices):
    SYNC = "sync", _("Internal system")
    CERTIFICATE = "certificate", _("Manufacturer certificate")
    SPANC_UPLOAD = "spanc_upload", _("Uploaded by the SPANC")
    OWNER_PROOF = "owner_proof", _("Proof sent by the owner")


class PortalDocumentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)


def document_upload_to(instance, filename):
    # A random folder: names on the storage never reveal whose file it is.
    return f"documents/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}/{filename}"


class PortalDocument(models.Model):
    external_id = models.CharField(  # noqa: DJ001  NULL for the portal's own documents: "" would collide in the unique constraint
        _("internal system id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Empty for documents created by the portal (certificates, SPANC uploads)."),
    )
    # No index of its own: aqp_doc_inst_created and aqp_doc_inst_theme start with it.
    installation = models.ForeignKey(
        Installation,
        verbose_name=_("installation"),
        on_delete=models.CASCADE,
        related_name="documents",
        db_index=False,
    )
    theme = models.ForeignKey(
        "aquatiris_portal.DocumentTheme",
        verbose_name=_("theme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=document_upload_to, max_length=500, blank=True
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    visible_to_client = models.BooleanField(_("visible to the client"), default=True)
    visible_to_spanc = models.BooleanField(_("visible to the SPANC"), default=False)
    source = models.CharField(_("source"), max_length=20, choices=DocumentSource.choices, default=DocumentSource.SYNC)
    uploaded_by_spanc = models.ForeignKey(
        Spanc,
        verbose_name=_("uploaded by SPANC"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploaded_documents",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    # The type a SPANC chose for its upload, as it was named then (a snapshot
    # of the editors' SpancDocumentType list).
    document_type = models.CharField(_("document type"), max_length=120, blank=True)
    # A control report's conclusion, given by the SPANC with its upload; empty otherwise.
    control_result = models.CharField(_("control result"), max_length=40, blank=True, choices=ControlResult.choices)
    created_at = models.DateTimeField(_("added"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)
    sync_hash = models.CharField(_("sync hash"), max_length=32, blank=True, editable=False)

    objects = PortalDocumentQuerySet.as_manager()

    class Meta:
        constraints = [unique_external_id("aqp_doc")]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["installation", "theme", "created_at"], name="aqp_doc_inst_theme"),
            models.Index(fields=["installation", "created_at"], name="aqp_doc_inst_created"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_pdf(self):
        return self.content_type == "application/pdf"

    @staticmethod
    def hash_file(fileobj):
        digest = hashlib.sha256()
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()
