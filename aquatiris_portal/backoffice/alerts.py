"""Staff alerts on the Wagtail dashboard: requests and SPANC uploads that
arrived since the staff member's previous visit.

A "visit" ends after VISIT_GAP without opening the dashboard: reloading it
during a working session keeps showing the same news; coming back the next
morning shows what arrived since the last look."""

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from ..conf import app_settings
from ..enquiries.admin_threads import waiting_condition
from ..enquiries.models import PortalRequest
from ..records.models import DocumentSource, PortalDocument
from .models import StaffVisit

VISIT_GAP = datetime.timedelta(minutes=30)
FIRST_VISIT_LOOKBACK = datetime.timedelta(days=7)
SHOWN = 5


def previous_visit(user, now=None):
    """Record this dashboard view; return the moment new things count from."""
    now = now or timezone.now()
    visit, created = StaffVisit.objects.get_or_create(user=user, defaults={"last_seen_at": now})
    if not created:
        if now - visit.last_seen_at > VISIT_GAP:
            visit.previous_seen_at = visit.last_seen_at
        visit.last_seen_at = now
        visit.save(update_fields=["previous_seen_at", "last_seen_at"])
    return visit.previous_seen_at or now - FIRST_VISIT_LOOKBACK


class StaffAlertsPanel(Component):
    name = "aquatiris_portal_alerts"
    order = 50
    template_name = "aquatiris_portal/admin/alerts_panel.html"

    def __init__(self, since, show_requests, show_uploads):
        self.since = since
        self.show_requests = show_requests
        self.show_uploads = show_uploads

    def get_context_data(self, parent_context):
        context = {"since": self.since, "show_requests": self.show_requests, "show_uploads": self.show_uploads}
        if self.show_requests:
            new_requests = PortalRequest.objects.filter(created_at__gt=self.since).order_by("-created_at")
            context["request_count"] = new_requests.count()
            context["requests"] = list(new_requests.select_related("franchisee")[:SHOWN])
            context["requests_url"] = reverse("aquatiris_portal_requests:index")
            # Waiting for an answer: whatever the visit.
            context["waiting_count"] = PortalRequest.objects.filter(waiting_condition()).count()
            context["waiting_url"] = context["requests_url"] + "?waiting=true"
            context["answer_due_hours"] = app_settings.ANSWER_DUE_HOURS
        if self.show_uploads:
            uploads = (
                PortalDocument.objects.live()
                .filter(source=DocumentSource.SPANC_UPLOAD, created_at__gt=self.since)
                .order_by("-created_at")
            )
            context["upload_count"] = uploads.count()
            context["uploads"] = list(uploads.select_related("installation", "uploaded_by_spanc")[:SHOWN])
            try:
                context["uploads_url"] = (
                    reverse("aquatiris_portal_portaldocument_modeladmin_index") + "?source__exact=spanc_upload"
                )
            except NoReverseMatch:
                context["uploads_url"] = ""
        return context


def construct_homepage_panels(request, panels):
    user = request.user
    show_requests = user.has_perm("aquatiris_portal.view_portalrequest")
    show_uploads = user.has_perm("aquatiris_portal.view_portaldocument")
    if show_requests or show_uploads:
        panels.append(StaffAlertsPanel(previous_visit(user), show_requests, show_uploads))
