"""The records' ModelAdmins (wagtail-modeladmin), registered in wagtail_hooks.py.

Records the internal system owns are read-only here: the sync is their only
writer, staff inspect, search, filter and export them (list_export through
the spreadsheet formula guard).
"""

from django.contrib.admin import SimpleListFilter
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from ..spreadsheets import SafeSpreadsheetExportMixin
from .emails import display_email
from .models import Client, Franchisee, Installation, PortalDocument, Spanc
from .visits import Visit


class SyncedRecordPermissionHelper(PermissionHelper):
    """View and export only: the internal system owns these records."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class RecordButtonHelper(ButtonHelper):
    """Inspect, plus the buttons other rooms add to a record's row and
    inspect page (« Personnes »: hook ``aquatiris_portal_record_buttons``,
    which decides who sees them)."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        classname = self.finalise_classname(["button-secondary", *(classnames_add or [])], classnames_exclude)
        for hook in hooks.get_hooks("aquatiris_portal_record_buttons"):
            buttons += [{**button, "classname": classname} for button in hook(self.request, obj)]
        return buttons


class SafeExportIndexView(SafeSpreadsheetExportMixin, IndexView):
    """Lists whose ``list_export`` writes text only (spreadsheets.py)."""


class SyncedRecordAdmin(ModelAdmin):
    permission_helper_class = SyncedRecordPermissionHelper
    index_view_class = SafeExportIndexView
    inspect_view_enabled = True
    list_per_page = 50

    def shown_email(self, obj):
        """The list's address column as people read it (domain in Unicode);
        ``list_export`` keeps the stored form, the exchange format's."""
        return display_email(obj.email)

    shown_email.short_description = _("email")
    shown_email.admin_order_field = "email"


class FranchiseeAdmin(SyncedRecordAdmin):
    model = Franchisee
    menu_icon = "group"
    list_display = ("company", "first_name", "last_name", "shown_email", "phone", "external_id")
    search_fields = ("company", "last_name", "email", "external_id")
    list_export = ("external_id", "company", "first_name", "last_name", "email", "phone")


class SpancAdmin(SyncedRecordAdmin):
    model = Spanc
    button_helper_class = RecordButtonHelper
    menu_icon = "site"
    list_display = ("name", "code", "shown_email", "phone", "city")
    list_filter = ("postcode",)
    search_fields = ("name", "code", "email", "city", "external_id")
    list_export = (
        "external_id",
        "code",
        "name",
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "postcode",
        "city",
    )


class ClientAdmin(SyncedRecordAdmin):
    model = Client
    button_helper_class = RecordButtonHelper
    menu_icon = "user"
    list_display = ("last_name", "first_name", "code", "shown_email", "phone", "city")
    search_fields = ("last_name", "first_name", "code", "email", "city", "postcode", "external_id")
    list_export = (
        "external_id",
        "code",
        "last_name",
        "first_name",
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "postcode",
        "city",
    )


class InstallationAdmin(SyncedRecordAdmin):
    model = Installation
    menu_icon = "home"
    list_display = ("reference", "label", "client", "franchisee", "spanc", "stage", "serial_number")
    list_filter = ("stage", "franchisee", "spanc")
    list_select_related = ("client", "franchisee", "spanc")
    search_fields = (
        "reference",
        "label",
        "city",
        "postcode",
        "serial_number",
        "external_id",
        "client__last_name",
        "client__code",
    )
    list_export = (
        "external_id",
        "reference",
        "label",
        "client",
        "franchisee",
        "spanc",
        "stage",
        "serial_number",
        "installed_on",
        "postcode",
        "city",
    )


class PortalDocumentAdmin(SyncedRecordAdmin):
    model = PortalDocument
    menu_icon = "doc-full"
    list_display = (
        "title",
        "installation",
        "theme",
        "source",
        "document_type",
        "control_result",
        "client_sees",
        "spanc_sees",
        "created_at",
    )
    list_filter = ("source", "theme", "control_result", "visible_to_client", "visible_to_spanc")
    list_select_related = ("installation", "theme")
    search_fields = ("title", "external_id", "installation__reference")
    list_export = (
        "external_id",
        "title",
        "installation",
        "theme",
        "source",
        "filename",
        "content_type",
        "size",
        "issued_on",
        "document_type",
        "control_result",
        "visible_to_client",
        "visible_to_spanc",
        "created_at",
    )

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


class VisitStateFilter(SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("done", _("Done")), ("planned", _("Planned"))]

    def queryset(self, request, queryset):
        if self.value() == "done":
            return queryset.filter(done_on__isnull=False)
        if self.value() == "planned":
            return queryset.filter(done_on__isnull=True)
        return queryset


class VisitAdmin(SyncedRecordAdmin):
    model = Visit
    menu_icon = "date"
    list_display = ("installation", "kind", "planned_for", "slot", "done_on", "technician", "client_sees", "spanc_sees")
    list_filter = ("kind", VisitStateFilter, "planned_for", "done_on", "visible_to_spanc")
    list_select_related = ("installation",)
    search_fields = (
        "external_id",
        "technician",
        "summary",
        "installation__reference",
        "installation__city",
        "installation__client_sort_name",
    )
    list_export = (
        "external_id",
        "installation",
        "kind",
        "planned_for",
        "slot",
        "done_on",
        "technician",
        "summary",
        "report_document",
        "visible_to_client",
        "visible_to_spanc",
    )

    def client_sees(self, obj):
        return _("Yes") if obj.visible_to_client else _("No")

    client_sees.short_description = _("visible to the client")

    def spanc_sees(self, obj):
        return _("Yes") if obj.visible_to_spanc else _("No")

    spanc_sees.short_description = _("visible to the SPANC")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cancelled_at__isnull=True)


class RecordsGroup(ModelAdminGroup):
    menu_label = _("Portal records")
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (ClientAdmin, InstallationAdmin, PortalDocumentAdmin, VisitAdmin, FranchiseeAdmin, SpancAdmin)
