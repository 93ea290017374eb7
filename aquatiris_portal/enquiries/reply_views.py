"""The franchisee's personal reply page: no login, a signed link.

The link (``links.reply_url``) names one request and the franchisee's
address; it expires after AQUATIRIS_PORTAL_REPLY_LINK_DAYS and dies when
the installation's franchisee (or their address) changes. A forged link
and a dead one show nothing of the request (404). Every opening and every
reply is logged (``ReplyLinkUse``); the page is throttled per IP and per
link, never indexed, never cached, and sends no Referer to another site (the token is in
the URL).
"""

import hashlib
import logging

from django.contrib import messages as flash
from django.core.cache import cache
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from ..conf import app_settings
from ..security_log import Kind, record_security_event
from ..security_log.request_ip import client_ip
from ..storage import serve_private_file
from ..sync.delivery import attachment_pk_from_token
from . import links
from .models import PortalRequest, ReplyLinkUse, RequestAttachment, RequestMessage
from .thread_forms import ReplyForm
from .thread_views import thread
from .threads import post_message

logger = logging.getLogger(__name__)

TEMPLATES = "aquatiris_portal/reply/"
THROTTLE_PREFIX = "aqp:throttle:reply_link"


def _ip(request):
    header = app_settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or None


def _throttled(request, token):
    """Count this request; True when the IP or the link went over its rate."""
    rate = app_settings.REPLY_LINK_THROTTLE
    window = int(rate.get("minutes", 15) * 60)
    over = False
    for scope, value in (("ip", _ip(request) or ""), ("link", token)):
        key = f"{THROTTLE_PREFIX}:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)
            count = 1
        over = over or count > rate.get(scope, 30)
    return over


def _log(request, portal_request, email, action, message=None):
    ReplyLinkUse.objects.create(
        request=portal_request, email=email or "", action=action, ip=_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300], message=message,
    )
    logger.info("Reply link %s: request %s by %s", action, portal_request.reference, email)


def _private(response):
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the URL: no Referer leaves the site. Not "no-referrer":
    # Chromium would then send "Origin: null" with the form, which Django's
    # CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _resolve(request, token):
    """(request, franchisee) or a response to return instead."""
    if _throttled(request, token):
        return None, _private(TemplateResponse(request, TEMPLATES + "throttled.html", {}, status=429))
    try:
        found = links.request_for_reply_token(token)
    except links.DeadLink as dead:
        _log(request, dead.request, "", ReplyLinkUse.Action.REFUSED)
        return None, _private(TemplateResponse(request, TEMPLATES + "link_dead.html", {}, status=404))
    if found is None:
        raise Http404
    return found, None


@csrf_protect
def reply_page(request, token):
    found, refusal = _resolve(request, token)
    if refusal is not None:
        return refusal
    portal_request, franchisee = found
    closed = portal_request.status == PortalRequest.Status.CLOSED
    form = None
    if request.method == "POST" and not closed:
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            message = post_message(
                portal_request, role=RequestMessage.Author.FRANCHISEE, channel=RequestMessage.Channel.REPLY_LINK,
                author_name=franchisee.contact_name or franchisee.company, body=form.cleaned_data["body"],
                checked_files=form.cleaned_data["attachments"],
                site_url=request.build_absolute_uri("/").rstrip("/"),
            )
            _log(request, portal_request, franchisee.email, ReplyLinkUse.Action.REPLY, message)
            flash.success(request, _("Your answer was sent to the client."))
            return _private(HttpResponseRedirect(request.path))
    elif request.method == "GET":
        _log(request, portal_request, franchisee.email, ReplyLinkUse.Action.VIEW)
    thread_messages, own_attachments = thread(portal_request)
    response = TemplateResponse(request, TEMPLATES + "reply.html", {
        "request_obj": portal_request, "franchisee": franchisee, "token": token,
        "thread_messages": thread_messages, "attachments": own_attachments,
        "form": None if closed else (form or ReplyForm()), "closed": closed,
    })
    return _private(response)


def reply_attachment(request, token, pk):
    """An attachment of the link's request (and of no other)."""
    found, refusal = _resolve(request, token)
    if refusal is not None:
        return refusal
    portal_request, _franchisee = found
    attachment = portal_request.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return _private(serve_private_file(attachment.file, filename=attachment.filename,
                                       content_type=attachment.content_type, disposition="attachment"))


def attachment_for_internal_system(request, token):
    """The signed link sent with ``request_message_posted`` events."""
    pk = attachment_pk_from_token(token)
    attachment = RequestAttachment.objects.filter(pk=pk).first() if pk is not None else None
    # Every use is logged, like the document link (sync/views.py); not the
    # request's path, which holds the token.
    record_security_event(Kind.SYNC_DOWNLOAD, ip=client_ip(request) or "", model="requestattachment",
                          attachment=pk, outcome="served" if attachment is not None else "refused")
    if attachment is None:
        raise Http404
    return _private(serve_private_file(attachment.file, filename=attachment.filename,
                                       content_type=attachment.content_type, disposition="attachment"))
