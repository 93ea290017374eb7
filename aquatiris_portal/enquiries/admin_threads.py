"""The thread in the back office: staff allowed to read requests answer
the client from the request's page in the Wagtail admin (and change its
status there if they may change requests); the listing's "waiting for an
answer" (the client spoke last, longer ago than ANSWER_DUE_HOURS)."""

import datetime

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access
from ..conf import app_settings
from ..security_log import record_security_event
from . import links
from .models import AuthorRole, PortalRequest, RequestMessage
from .thread_forms import StaffReplyForm
from .thread_views import thread
from .threads import change_status, post_message, status_event

LINK_USES_SHOWN = 20
# Security log kind of a staff revocation of the reply links.
REPLY_LINK_REVOKED = "reply_link_revoked"


def waiting_condition(now=None):
    """Open requests whose client spoke last, ANSWER_DUE_HOURS ago or more."""
    due = (now or timezone.now()) - datetime.timedelta(hours=app_settings.ANSWER_DUE_HOURS)
    return Q(last_author_role=AuthorRole.CLIENT, last_activity_at__lte=due) & ~Q(status=PortalRequest.Status.CLOSED)


def is_waiting(portal_request, now=None):
    due = (now or timezone.now()) - datetime.timedelta(hours=app_settings.ANSWER_DUE_HOURS)
    return (
        portal_request.last_author_role == AuthorRole.CLIENT
        and portal_request.status != "closed"
        and portal_request.last_activity_at is not None
        and portal_request.last_activity_at <= due
    )


def can_change_status(user):
    return access.can_read_requests(user) and user.has_perm("aquatiris_portal.change_portalrequest")


def status_changed(portal_request):
    """The admin's status form saved another status: tell the internal system."""
    status_event(portal_request, AuthorRole.STAFF)


def staff_name(user):
    return (user.get_full_name() or "").strip() or _("Aquatiris network")


@require_POST
def staff_reply(request, pk):
    if not access.can_read_requests(request.user):
        raise PermissionDenied
    portal_request = get_object_or_404(PortalRequest, pk=pk)
    allowed_status = can_change_status(request.user)
    form = StaffReplyForm(request.POST, request.FILES, can_change_status=allowed_status)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                flash.error(request, error)
        return redirect("aquatiris_portal_requests:inspect", pk)
    data = form.cleaned_data
    status = data.get("status") if allowed_status and data.get("status") != portal_request.status else None
    if data["body"]:
        post_message(
            portal_request,
            role=AuthorRole.STAFF,
            channel=RequestMessage.Channel.ADMIN,
            author_name=staff_name(request.user),
            user=request.user,
            body=data["body"],
            checked_files=data["attachments"],
            status=status or None,
        )
        flash.success(request, _("Your answer was sent to the client."))
    elif status:
        change_status(portal_request, status, user=request.user)
        flash.success(request, _("The status of the request was changed."))
    else:
        flash.info(request, _("Nothing to send: write an answer or choose another status."))
    return redirect("aquatiris_portal_requests:inspect", pk)


@require_POST
def revoke_reply_links(request, pk):
    """Staff who may change requests revoke the franchisee's reply links of
    a request at once (a mail forwarded by mistake, a lost phone); the next
    client message sends a new one."""
    if not can_change_status(request.user):
        raise PermissionDenied
    portal_request = get_object_or_404(PortalRequest, pk=pk)
    revoked = links.revoke_links(portal_request, user=request.user)
    record_security_event(REPLY_LINK_REVOKED, request, request_id=portal_request.pk, links=revoked)
    if revoked:
        flash.success(request, _("The franchisee's reply link no longer works."))
    else:
        flash.info(request, _("No reply link of this request was working."))
    return redirect("aquatiris_portal_requests:inspect", pk)


def inspect_context(view, portal_request):
    thread_messages, _own = thread(portal_request)
    for message in thread_messages:
        message.file_links = [
            (attachment, reverse("aquatiris_portal_requests:attachment", args=[attachment.pk]))
            for attachment in message.files
        ]
    allowed_status = can_change_status(view.request.user)
    return {
        "thread_messages": thread_messages,
        "reply_form": StaffReplyForm(can_change_status=allowed_status, initial={"status": portal_request.status}),
        "reply_url": reverse("aquatiris_portal_requests:reply", args=[portal_request.pk]),
        "is_waiting": is_waiting(portal_request),
        "link_uses": list(portal_request.reply_link_uses.order_by("-created_at")[:LINK_USES_SHOWN]),
        "link_expires_at": links.live_links(portal_request)
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first(),
        "revoke_links_url": (
            reverse("aquatiris_portal_requests:revoke_reply_links", args=[portal_request.pk]) if allowed_status else ""
        ),
        "answer_due_hours": app_settings.ANSWER_DUE_HOURS,
    }
