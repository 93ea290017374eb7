"""Which requests, attachments and exports a user may read.

``access`` decides who the user is (``client_for``, ``can_read_requests``);
this module only turns that answer into querysets of the enquiries' own
rows (access sits below enquiries and names none of its models). A row the
user may not read is a 404, as everywhere."""

import datetime

from django.http import Http404
from django.utils import timezone

from .. import access
from ..conf import app_settings
from .models import PortalRequest, RequestAttachment, RequestExport


def client_requests(user):
    """Requests a client sent (question, SAV, maintenance contract)."""
    client = access.client_for(user)
    if client is None:
        return PortalRequest.objects.none()
    return requests_of_client(client)


def requests_of_client(client):
    """What ``client_requests`` gives the client's account, from the record
    or its pk (the dashboard's, a query compiled once)."""
    return PortalRequest.objects.filter(client=client)


def get_client_request_or_404(user, reference):
    portal_request = client_requests(user).filter(reference=reference).first()
    if portal_request is None:
        raise Http404
    return portal_request


def get_staff_request_attachment_or_404(user, pk):
    """An attachment of any request, for back-office staff allowed to read
    requests, past the second factor."""
    attachment = RequestAttachment.objects.filter(pk=pk).first() if access.can_read_requests(user) else None
    if attachment is None:
        raise Http404
    return attachment


def request_exports_for(user):
    """Requests exports ``user`` may follow and download: their own (every
    one for a superuser), not yet past the retention period."""
    if not access.can_read_requests(user):
        return RequestExport.objects.none()
    days = app_settings.EXPORT_RETENTION_DAYS
    queryset = RequestExport.objects.filter(created_at__gte=timezone.now() - datetime.timedelta(days=days))
    if not user.is_superuser:
        queryset = queryset.filter(requested_by=user)
    return queryset


def get_request_export_or_404(user, pk):
    """A requests export of ``user`` (another person's is a 404)."""
    export = request_exports_for(user).filter(pk=pk).first()
    if export is None:
        raise Http404
    return export
