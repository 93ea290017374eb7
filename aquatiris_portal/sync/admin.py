"""The sync's ModelAdmins (wagtail-modeladmin): import runs, quarantined
records, outbox events, all written by the sync only. Registered, with the
outgoing mails of notifications, in the Synchronisation menu
(wagtail_hooks.py)."""

from django.contrib import admin
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin

from ..records.admin import SyncedRecordPermissionHelper
from .admin_views import retry_event
from .models import ImportRun, OutboxEvent, QuarantinedRecord


class ReadOnlyPermissionHelper(SyncedRecordPermissionHelper):
    """Runs, quarantine and events are written by the sync only."""


class ImportRunAdmin(ModelAdmin):
    model = ImportRun
    menu_icon = "download"
    menu_label = _("Import runs")
    permission_helper_class = ReadOnlyPermissionHelper
    inspect_view_enabled = True
    list_per_page = 50
    list_display = (
        "sequence",
        "state",
        "created_count",
        "updated_count",
        "unchanged_count",
        "deleted_count",
        "quarantined_count",
        "files_copied",
        "duration_display",
        "started_at",
    )
    list_filter = ("state",)
    search_fields = ("sequence", "source")
    inspect_view_fields = (
        "sequence",
        "source",
        "state",
        "created_count",
        "updated_count",
        "unchanged_count",
        "deleted_count",
        "quarantined_count",
        "files_copied",
        "started_at",
        "finished_at",
        "error",
    )

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
    inspect_view_fields = (
        "run",
        "line_number",
        "record_type",
        "record_id",
        "reason",
        "raw_line",
        "created_at",
        "resolved_at",
        "resolved_by",
    )

    def run_sequence(self, obj):
        return f"#{obj.run.sequence}"

    run_sequence.short_description = _("export")


class OutboxButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.status != OutboxEvent.Status.DELIVERED and self.request.user.has_perm(
            "aquatiris_portal.change_outboxevent"
        ):
            buttons.append(
                {
                    "url": self.url_helper.get_action_url("retry", obj.pk),
                    "label": _("Retry"),
                    "classname": self.finalise_classname(["button-secondary"]),
                    "title": _("Deliver this event again now"),
                }
            )
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
    inspect_view_fields = (
        "kind",
        "status",
        "ordering_key",
        "payload",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    )

    def retry_view(self, request, instance_pk):
        return retry_event(request, self, instance_pk)

    def get_admin_urls_for_registration(self):
        return super().get_admin_urls_for_registration() + (
            re_path(
                self.url_helper.get_action_url_pattern("retry"),
                self.retry_view,
                name=self.url_helper.get_action_url_name("retry"),
            ),
        )
