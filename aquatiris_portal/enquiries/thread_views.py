"""The client's side of a thread: the request, its messages, the reply
form (until closed), "reopen" (for REQUEST_REOPEN_DAYS after closing).

Called by the client space page's ``request_detail`` route, which found the
request through ``access``. The number of queries does not depend on the
number of messages (two queries: messages, every attachment)."""

from django.contrib import messages as flash
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from .forms import add_limit_error
from .limits import LimitReached
from .models import PortalRequest, RequestMessage
from .thread_forms import ReplyForm
from .threads import ThreadClosed, mark_read_by_client, post_message, reopen


def thread(portal_request):
    """(messages with ``.files``, the request's own attachments): two queries."""
    messages = list(portal_request.messages.select_related(None).order_by("created_at", "pk"))
    by_message = {}
    own = []
    for attachment in portal_request.attachments.order_by("pk"):
        if attachment.message_id is None:
            own.append(attachment)
        else:
            by_message.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = by_message.get(message.pk, [])
    return messages, own


def request_detail(page, request, context, portal_request):
    detail_url = request.path
    form = None
    if request.method == "POST":
        if request.POST.get("action") == "reopen":
            if reopen(portal_request, user=request.user):
                flash.success(request, _("Your request is open again. You can write to your franchisee."))
            else:
                flash.error(request, _("This request can no longer be reopened. Please send a new request."))
            return HttpResponseRedirect(detail_url)
        form = ReplyForm(request.POST, request.FILES, owner=request.user)
        if form.is_valid():
            client = context["client"]
            try:
                post_message(
                    portal_request,
                    role=RequestMessage.Author.CLIENT,
                    channel=RequestMessage.Channel.CLIENT_SPACE,
                    author_name=client.full_name if client else "",
                    user=request.user,
                    body=form.cleaned_data["body"],
                    checked_files=form.cleaned_data["attachments"],
                    site_url=request.build_absolute_uri("/").rstrip("/"),
                    portal_settings=context["portal_settings"],
                )
            except ThreadClosed:
                flash.error(request, _("This request is closed: your reply was not sent."))
                return HttpResponseRedirect(detail_url)
            except LimitReached as refused:
                add_limit_error(form, refused, text_field="body", file_field="attachments", request=request)
            else:
                form.forget_kept()
                flash.success(request, _("Your reply was sent to your franchisee."))
                return HttpResponseRedirect(detail_url + "#aqp-thread-end")
        if form.errors.get("attachments") and not form.kept_uploads:
            form.add_error("attachments", _("No file was kept: please choose your files again."))
    thread_messages, own_attachments = thread(portal_request)
    unread_since = portal_request.client_read_at if portal_request.unread_by_client else None
    for message in thread_messages:
        message.is_unread = (
            message.author_role != RequestMessage.Author.CLIENT
            and portal_request.unread_by_client
            and (unread_since is None or message.created_at > unread_since)
        )
    mark_read_by_client(portal_request)
    closed = portal_request.status == PortalRequest.Status.CLOSED
    context.update(
        request_obj=portal_request,
        attachments=own_attachments,
        thread_messages=thread_messages,
        reply_form=None if closed else (form or ReplyForm()),
        closed=closed,
        can_reopen=closed and portal_request.can_reopen(),
    )
    return page.render_screen(request, "request_detail", context)
