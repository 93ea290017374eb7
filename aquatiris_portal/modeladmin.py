"""Every ModelAdmin of the package, in one module (registered in wagtail_hooks).

Records the internal system owns are read-only here: the sync is their only
writer, staff inspect, search, filter and export them.
"""

from django.contrib import admin
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from .notifications.admin import OutgoingMailAdmin
from .records.models import Client, Franchisee, Installation, PortalDocument, Spanc
from .spreadsheets import SafeSpreadsheetExportMixin
from .sync.models import ImportRun, OutboxEvent, QuarantinedRecord


class SyncedRecordPermissionHelper(PermissionHelper):
    """View and export only: the internal system owns these records."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class SafeExportIndexView(SafeSpreadsheetExportMixin, IndexView):
    """Lists whose ``list_export`` writes text only (spreadsheets.py)."""


class SyncedRecordAdmin(ModelAdmin):
    permission_helper_class = SyncedRecordPermissionHelper
    index_view_class = SafeExportIndexView
    inspect_view_enabled = True
    list_per_page = 50


class FranchiseeAdmin(SyncedRecordAdmin):
    model = Franchisee
    menu_icon = "group"
    list_display = ("company", "first_name", "last_name", "email", "phone", "external_id")
    search_fields = ("company", "last_name", "email", "external_id")
    list_export = ("external_id", "company", "first_name", "last_name", "email", "phone")


class SpancAdmin(SyncedRecordAdmin):
    model = Spanc
    menu_icon = "site"
    list_display = ("name", "code", "email", "phone", "city")
    list_filter = ("postcode",)
    search_fields = ("name", "code", "email", "city", "external_id")
    list_export = ("external_id", "code", "name", "email", "phone", "address_line1", "address_line2", "postcode", "city")


class ClientAdmin(SyncedRecordAdmin):
    model = Client
    menu_icon = "user"
    list_display = ("last_name", "first_name", "code", "email", "phone", "city")
    search_fields = ("last_name", "first_name", "code", "email", "city", "postcode", "external_id")
    list_export = ("external_id", "code", "last_name", "first_name", "email", "phone",
                   "address_line1", "address_line2", "postcode", "city")


class InstallationAdmin(SyncedRecordAdmin):
    model = Installation
    menu_icon = "home"
    list_display = ("reference", "label", "client", "franchisee", "spanc", "stage", "serial_number")
    list_filter = ("stage", "franchisee", "spanc")
    list_select_related = ("client", "franchisee", "spanc")
    search_fields = ("reference", "label", "city", "postcode", "serial_number", "external_id",
                     "client__last_name", "client__code")
    list_export = ("external_id", "reference", "label", "client", "franchisee", "spanc", "stage",
                   "serial_number", "installed_on", "postcode", "city")


class PortalDocumentAdmin(SyncedRecordAdmin):
    model = PortalDocument
    menu_icon = "doc-full"
    list_display = ("title", "installation", "theme", "source", "client_sees", "spanc_sees", "created_at")
    list_filter = ("source", "theme", "visible_to_client", "visible_to_spanc")
    list_select_related = ("installation", "theme")
    search_fields = ("title", "external_id", "installation__reference")
    list_export = ("external_id", "title", "installation", "theme", "source", "filename", "content_type",
                   "size", "issued_on", "visible_to_client", "visible_to_spanc", "created_at")

    # Booleans as words: Django's icon reads "True"/"False" to screen readers.
    def client_sees(self, obj):
        return _("Yes") if obj.visible_to_client else _("No")

    client_sees.short_description = _("visible to the client")
    client_sees.admin_order_field = "visible_to_client"

    def spanc_sees(self, obj):
        return _("Yes") if obj.visible_to_spanc else _("No")

    spanc_sees.short_description = _("visible to the SPANC")
    spanc_sees.admin_order_field = "visible_to_spanc"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)


class RecordsGroup(ModelAdminGroup):
    menu_label = _("Portal records")
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (ClientAdmin, InstallationAdmin, PortalDocumentAdmin, FranchiseeAdmin, SpancAdmin)


# --- Synchronisation with the internal system (sync/) ---------------------------------

class ReadOnlyPermissionHelper(SyncedRecordPermissionHelper):
    """Runs, quarantine and events are written by the sync only."""


class ImportRunAdmin(ModelAdmin):
    model = ImportRun
    menu_icon = "download"
    menu_label = _("Import runs")
    permission_helper_class = ReadOnlyPermissionHelper
    inspect_view_enabled = True
    list_per_page = 50
    list_display = ("sequence", "state", "created_count", "updated_count", "unchanged_count", "deleted_count",
                    "quarantined_count", "files_copied", "duration_display", "started_at")
    list_filter = ("state",)
    search_fields = ("sequence", "source")
    inspect_view_fields = ("sequence", "source", "state", "created_count", "updated_count", "unchanged_count",
                           "deleted_count", "quarantined_count", "files_copied", "started_at", "finished_at", "error")

    def duration_display(self, obj):
        duration = obj.duration
        return f"{duration.total_seconds():.1f} s" if duration is not None else "—"

    duration_display.short_description = _("duration")


class QuarantinedRecordAdmin(ModelAdmin):
    model = QuarantinedRecord
    menu_icon = "warning"
    menu_label = _("Quarantined records")
    permission_helper_class = ReadOnlyPermissionHelper
    inspect_view_enabled = True
    list_per_page = 50
    list_display = ("record_type", "record_id", "reason", "line_number", "run_sequence", "resolved_at")
    list_filter = ("record_type", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("run",)
    search_fields = ("record_id", "reason")
    inspect_view_fields = ("run", "line_number", "record_type", "record_id", "reason", "raw_line", "created_at",
                           "resolved_at", "resolved_by")

    def run_sequence(self, obj):
        return f"#{obj.run.sequence}"

    run_sequence.short_description = _("export")


class OutboxButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.status != OutboxEvent.Status.DELIVERED and self.request.user.has_perm("aquatiris_portal.change_outboxevent"):
            buttons.append({
                "url": self.url_helper.get_action_url("retry", obj.pk),
                "label": _("Retry"),
                "classname": self.finalise_classname(["button-secondary"]),
                "title": _("Deliver this event again now"),
            })
        return buttons


class OutboxEventAdmin(ModelAdmin):
    model = OutboxEvent
    menu_icon = "upload"
    menu_label = _("Outbox events")
    permission_helper_class = ReadOnlyPermissionHelper
    button_helper_class = OutboxButtonHelper
    inspect_view_enabled = True
    list_per_page = 50
    list_display = ("kind", "status", "ordering_key", "attempts", "created_at", "delivered_at", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("ordering_key", "last_error")
    inspect_view_fields = ("kind", "status", "ordering_key", "payload", "attempts", "last_error", "created_at",
                           "last_attempt_at", "delivered_at")

    def retry_view(self, request, instance_pk):
        from .sync.admin_views import retry_event

        return retry_event(request, self, instance_pk)

    def get_admin_urls_for_registration(self):
        return super().get_admin_urls_for_registration() + (
            re_path(self.url_helper.get_action_url_pattern("retry"), self.retry_view,
                    name=self.url_helper.get_action_url_name("retry")),
        )


class SyncGroup(ModelAdminGroup):
    menu_label = _("Synchronisation")
    menu_icon = "resubmit"
    menu_order = 260
    items = (ImportRunAdmin, QuarantinedRecordAdmin, OutboxEventAdmin, OutgoingMailAdmin)
