"""The requests back office: listing with filters and search, detail with
the recap and attachments, status changes, XLSX/CSV export of the filtered
list through Wagtail's own export machinery.

The export buttons do not build the file in the request: they record a
``RequestExport`` and queue a background job (``exports.py``), then
redirect to a status page that refreshes itself until the file can be
downloaded. The job sets this listing view up again with the same query
string and lets it write the rows (read in chunks, bounded memory).

Access is by model permissions: ``view_portalrequest`` to list, inspect,
export and download attachments, ``change_portalrequest`` to change the
status ("Service client" group, see ``backoffice.groups``); the export
files and status pages through ``access`` (their owner, second factor)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from .. import access
from ..compat import use_permission_policy
from ..conf import app_settings
from ..records.emails import display_email
from ..security_log import Kind, document_access, record_security_event
from ..storage import serve_private_file
from . import admin_threads, visibility
from .exports import EXPORT_FIELDS, start_export
from .filters import PortalRequestFilterSet
from .models import PortalRequest, RequestExport


class RequestPermissionPolicy(ModelPermissionPolicy):
    """Requests are written by clients only: nobody adds or copies one here."""

    def user_has_permission(self, user, action):
        if action == "add":
            return False
        return super().user_has_permission(user, action)


def waiting_label(portal_request):
    """The listing's "Answer" column: requests waiting for more than ANSWER_DUE_HOURS."""
    if admin_threads.is_waiting(portal_request):
        return _("Waiting > %(hours)s h") % {"hours": app_settings.ANSWER_DUE_HOURS}
    return ""


class RequestIndexView(generic.IndexView):
    """The requests listing; its XLSX/CSV buttons queue a background export
    (exports.py: the job writes the rows this view selects, with the
    portal's one spreadsheet writer)."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("franchisee", "subject")

    def _get_title_column(self, field_name, column_class=None, **kwargs):
        # The title leads to the recap (inspect); the row menu's "Edit" keeps
        # leading to the status form (Wagtail links both to get_edit_url).
        column_class = self._get_title_column_class(column_class or TitleColumn)
        return self._get_custom_column(field_name, column_class, get_url=self.get_inspect_url, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # The file is built by a background job: record it, answer at once.
            if not access.can_read_requests(request.user):
                raise PermissionDenied
            export = start_export(request.user, request.GET["export"], request.GET, self.get_queryset())
            record_security_event(
                Kind.EXPORT, request, export="requests", id=export.pk, format=export.format, filters=export.query_string
            )
            return redirect("aquatiris_portal_requests:export", export.pk)
        return super().get(request, *args, **kwargs)


class RequestEditView(generic.EditView):
    """The status form: a changed status reaches the internal system
    (``request_status_changed``), as from the thread's answer form."""

    def save_instance(self):
        changed = "status" in self.form.changed_data
        instance = super().save_instance()
        if changed:
            admin_threads.status_changed(instance)
        return instance


class RequestInspectView(generic.InspectView):
    template_name = "aquatiris_portal/admin/request_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            PortalRequest.objects.select_related("franchisee", "subject", "installation", "client"), pk=self.pk
        )

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        # Wagtail's inspect template formats values with |localize, which
        # skips the time zone: times are shown as the client and the mails say.
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value)
        return value

    # Addresses as people read them: the domain in Unicode (stored in ASCII).
    def get_client_email_display_value(self):
        return display_email(self.object.client_email) or "-"

    def get_submitted_by_display_value(self):
        user = self.object.submitted_by
        return display_email(user.email or user.get_username()) if user is not None else "-"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachments"] = [
            (attachment, reverse("aquatiris_portal_requests:attachment", args=[attachment.pk]))
            for attachment in self.object.attachments.filter(message__isnull=True).order_by("pk")
        ]
        context["can_change_status"] = self.user_has_permission("change")
        context.update(admin_threads.inspect_context(self, self.object))
        return context


def attachment_download(request, pk):
    """An attachment of a request, for staff allowed to read requests."""
    attachment = visibility.get_staff_request_attachment_or_404(request.user, pk)
    record_security_event(
        Kind.DOCUMENT_DOWNLOAD, request, model="requestattachment", id=attachment.pk, request_id=attachment.request_id
    )
    row = document_access.for_attachment(
        attachment, route="aquatiris_portal_requests:attachment", actor=document_access.Actor.STAFF, user=request.user
    )
    return serve_private_file(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        disposition="attachment",
        access=row,
    )


# Until the file is ready, the status page asks again every few seconds
# (an HTTP Refresh header and a <meta> one: no JavaScript needed).
EXPORT_REFRESH_SECONDS = 3


def describe_filters(query_string):
    """The export's filters as people read them ("kind: After-sales (SAV),
    sent between (from): 2026-10-26"), without a query."""
    filters = PortalRequestFilterSet.base_filters
    choices = {"kind": dict(PortalRequest.Kind.choices), "status": dict(PortalRequest.Status.choices)}
    bounds = {"from": _("from"), "after": _("from"), "to": _("to"), "before": _("to")}
    parts = []
    for name, value in QueryDict(query_string).items():
        if not value:
            continue
        base, _sep, suffix = name.rpartition("_")
        if name == "q":
            label = _("Search")
        elif name == "ordering":
            label = _("Sort")
        elif name in filters:
            label = filters[name].label
        elif base in filters and suffix in bounds:
            label = f"{filters[base].label} ({bounds[suffix]})"
        else:
            label = name
        parts.append(f"{label}: {choices.get(name, {}).get(value, value)}")
    return ", ".join(parts)


@require_GET
@never_cache
def export_status(request, pk):
    """Where the export buttons lead: "being prepared", then the download
    link, or the error. Only for the person who asked (404 otherwise)."""
    export = visibility.get_request_export_or_404(request.user, pk)
    params = export.query_string
    context = {
        "export": export,
        "filters_text": describe_filters(params),
        "refresh_seconds": EXPORT_REFRESH_SECONDS if export.is_pending else None,
        "download_url": (
            reverse("aquatiris_portal_requests:export_download", args=[export.pk])
            if export.status == RequestExport.Status.DONE
            else None
        ),
        "index_url": reverse("aquatiris_portal_requests:index") + (f"?{params}" if params else ""),
        "retry_url": reverse("aquatiris_portal_requests:index")
        + f"?{params}{'&' if params else ''}export={export.format}",
    }
    response = TemplateResponse(request, "aquatiris_portal/admin/request_export.html", context)
    if export.is_pending:
        response["Refresh"] = str(EXPORT_REFRESH_SECONDS)
    return response


@require_GET
@never_cache
def export_download(request, pk):
    """The finished file, as an attachment, for the person who asked."""
    export = visibility.get_request_export_or_404(request.user, pk)
    if export.status != RequestExport.Status.DONE:
        raise Http404
    record_security_event(Kind.EXPORT, request, export="requests", id=export.pk, step="download")
    return serve_private_file(
        export.file,
        filename=export.filename,
        content_type=export.content_type,
        disposition="attachment",
        access=document_access.for_export(export, route="aquatiris_portal_requests:export_download", user=request.user),
    )


class PortalRequestViewSet(ModelViewSet):
    model = PortalRequest
    icon = "mail"
    menu_label = _("Requests")
    menu_order = 240
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = RequestIndexView
    inspect_view_class = RequestInspectView
    edit_view_class = RequestEditView
    form_fields = ["status"]
    list_per_page = 50
    ordering = ["-created_at"]
    filterset_class = PortalRequestFilterSet
    search_fields = [
        "client_last_name",
        "client_first_name",
        "client_email",
        "client_code",
        "installation_reference",
        "message",
    ]
    list_display = [
        "__str__",
        Column("client_code", label=_("Client code")),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("subject_label", label=_("Subject")),
        Column("franchisee", label=_("Franchisee")),
        StatusTagColumn(
            "status", label=_("Status"), accessor="get_status_display", primary=lambda r: r.status == "new"
        ),
        DateColumn("created_at", label=_("Sent"), sort_key="created_at"),
        DateColumn("last_activity_at", label=_("Last activity"), sort_key="last_activity_at"),
        Column("last_author_role", label=_("Last written by"), accessor="get_last_author_role_display"),
        StatusTagColumn("waiting", label=_("Answer"), accessor=waiting_label, primary=admin_threads.is_waiting),
    ]
    inspect_view_fields = [
        "reference",
        "created_at",
        "kind",
        "status",
        "subject_label",
        "after_sales_reason",
        "message",
        "client_last_name",
        "client_first_name",
        "client_address",
        "client_phone",
        "client_email",
        "client_code",
        "installation_reference",
        "franchisee",
        "submitted_by",
    ]
    list_export = EXPORT_FIELDS  # shows the buttons; the job writes the columns

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("attachments/<int:pk>/", attachment_download, name="attachment"),
            path("<int:pk>/reply/", admin_threads.staff_reply, name="reply"),
            path("<int:pk>/reply-link/revoke/", admin_threads.revoke_reply_links, name="revoke_reply_links"),
            path("exports/<int:pk>/", export_status, name="export"),
            path("exports/<int:pk>/download/", export_download, name="export_download"),
        ]


use_permission_policy(PortalRequestViewSet, RequestPermissionPolicy(PortalRequest))
requests_viewset = PortalRequestViewSet("aquatiris_portal_requests", url_prefix="portail/demandes")


def listing_rows(user, query_string):
    """The requests the admin listing shows ``user`` for ``query_string``
    (its filters, search and ordering), as the view selects them when an
    export is asked; for scripts that ask for an export without a request
    (bench/)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/"
    request.GET = QueryDict(query_string)
    request.user = user
    request.META["SERVER_NAME"], request.META["SERVER_PORT"] = "localhost", "80"
    view_class = requests_viewset.index_view_class
    kwargs = {**requests_viewset.get_common_view_kwargs(), **requests_viewset.get_index_view_kwargs()}
    view = view_class(
        **{
            key: value
            for key, value in kwargs.items()
            if hasattr(view_class, key) and value is not requests_viewset.UNDEFINED
        }
    )
    view.setup(request)
    return view.get_queryset()
