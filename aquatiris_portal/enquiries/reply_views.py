"""The franchisee's personal reply page: no login, a link in the mail.

The link (``links.reply_url``) is a random token stored as its SHA-256
(``ReplyLink``): it names one request and the franchisee's address, works
AQUATIRIS_PORTAL_REPLY_LINK_DAYS (renewed by each client message), and dies
when revoked (the request closed, staff in the admin) or when the
installation's franchisee (or their address) changes.

The token lands once: ``reply_link`` keeps the link's id in the session and
sends the browser on to a URL without it (``reply_page``), as the account
links do, so the token is not in the Referer, the history or the logs of the
later requests. The mail's link can be opened again as long as it lives.
The link is checked again at every request of the page (a POST on a link
revoked meanwhile is refused). A forged, unknown or dead link shows nothing
of the request (404); refused tokens are counted per address and minute in
the security log (``record_refused_token``) and an address refused too often
is stopped. Every opening and every reply is logged (``ReplyLinkUse``); the
pages are throttled per IP and per link, never indexed, never cached.

The page shows the installation (its address, last requests, visits,
warranty and contract: ``installation_summary``) and lets the franchisee set
"planned" (with a day) or "resolved" (``threads.franchisee_sets_status``).
"""

import hashlib
import logging

from django.contrib import messages as flash
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from wagtail.models import Site

from ..conf import app_settings
from ..security_log import Kind, document_access, record_refused_token, record_security_event, refusals_blocked
from ..security_log.cache_outage import warn_once
from ..security_log.refusals import CANNOT_COUNT
from ..security_log.request_ip import client_ip
from ..snippets.site_settings import PortalSettings
from ..storage import serve_private_file
from ..sync.delivery import attachment_pk_from_token
from . import links
from .installation_summary import installation_summary
from .models import ReplyLinkUse, RequestAttachment, RequestMessage
from .status_forms import FranchiseeStatusForm
from .thread_forms import ReplyForm
from .thread_views import thread
from .threads import FRANCHISEE_STATUSES, franchisee_sets_status, post_message

logger = logging.getLogger(__name__)

TEMPLATES = "aquatiris_portal/reply/"
THROTTLE_PREFIX = "aqp:throttle:reply_link"
# The session's {request reference: ReplyLink id} of the links opened in this browser.
SESSION_KEY = "aquatiris_portal_reply_links"
SESSION_MAX_LINKS = 20
REFUSAL_ROUTE = "reply_link"
SYNC_ATTACHMENT_ROUTE = "sync_attachment"


def _ip(request):
    """The trusted-proxy rule of the security log: a valid address or None."""
    return client_ip(request) or None


def _throttled(request, link_key):
    """Count this request; True when the IP or the link went over its rate,
    or ``CANNOT_COUNT`` (true) when the cache that counts is unreachable
    (fail closed: the page asks to come back in a few minutes; a warning
    once a minute)."""
    rate = app_settings.REPLY_LINK_THROTTLE
    window = int(rate.get("minutes", 15) * 60)
    over = False
    try:
        for scope, value in (("ip", _ip(request) or ""), ("link", link_key)):
            key = f"{THROTTLE_PREFIX}:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"
            cache.add(key, 0, window)
            try:
                count = cache.incr(key)
            except ValueError:
                cache.set(key, 1, window)
                count = 1
            over = over or count > rate.get(scope, 30)
    except Exception as error:  # whatever the backend raises (Redis: ConnectionError, TimeoutError)
        warn_once(
            logger,
            "reply_link_throttle",
            "The franchisee links' throttle cannot count, the cache is unreachable: links refused until it "
            "answers (%s: %s)",
            type(error).__name__,
            error,
        )
        return CANNOT_COUNT
    return over


def _log(request, portal_request, email, action, message=None):
    ReplyLinkUse.objects.create(
        request=portal_request,
        email=email or "",
        action=action,
        ip=_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        message=message,
    )
    logger.info("Reply link %s: request %s by %s", action, portal_request.reference, email)


def _private(response):
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # No Referer leaves the site. Not "no-referrer": Chromium would then send
    # "Origin: null" with the form, which Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _portal_settings(request):
    """The site's settings, or None on a host that is no site (defaults apply)."""
    site = Site.find_for_request(request)
    return PortalSettings.for_site(site) if site is not None else None


def _throttled_page(request, blocked=True):
    """429; ``blocked`` CANNOT_COUNT (the cache is down) says so rather than "too many times"."""
    context = {"unavailable": blocked is CANNOT_COUNT}
    return _private(TemplateResponse(request, TEMPLATES + "throttled.html", context, status=429))


def _dead_page(request, missing=False):
    return _private(TemplateResponse(request, TEMPLATES + "link_dead.html", {"missing": missing}, status=404))


def reply_link(request, token):
    """Where the mail's link lands: the link goes into the session, the
    browser on to the page's URL without the token."""
    blocked = refusals_blocked(request, REFUSAL_ROUTE) or _throttled(request, links.hash_token(token))
    if blocked:
        return _throttled_page(request, blocked)
    link = links.link_for_token(token)
    if link is None:  # forged, unknown, or of the old stateless format
        record_refused_token(request, REFUSAL_ROUTE)
        return _dead_page(request)
    try:
        links.check_link(link)
    except links.DeadLink as dead:
        record_refused_token(request, REFUSAL_ROUTE)
        _log(request, dead.request, "", ReplyLinkUse.Action.REFUSED)
        return _dead_page(request)
    reference = str(link.request.reference)
    stored = dict(request.session.get(SESSION_KEY) or {})
    stored.pop(reference, None)
    stored[reference] = link.pk
    request.session[SESSION_KEY] = dict(list(stored.items())[-SESSION_MAX_LINKS:])
    return _private(HttpResponseRedirect(reverse("aquatiris_portal:request_reply_page", args=[reference])))


def _resolve(request, reference):
    """(request, franchisee) of the link this session opened for
    ``reference``, or a response to return instead."""
    stored = request.session.get(SESSION_KEY) or {}
    pk = stored.get(str(reference))
    blocked = _throttled(request, f"pk:{pk or reference}")
    if blocked:
        return None, _throttled_page(request, blocked)
    link = links.link_by_pk(pk)
    if link is None or link.request.reference != reference:
        # No link opened in this browser for this request: open the mail's.
        return None, _dead_page(request, missing=True)
    try:
        found = links.check_link(link)
        request.aquatiris_portal_link = link  # the access log names the link and when it was sent
        return found, None
    except links.DeadLink as dead:
        _log(request, dead.request, "", ReplyLinkUse.Action.REFUSED)
        stored = dict(stored)
        stored.pop(str(reference), None)
        request.session[SESSION_KEY] = stored
        return None, _dead_page(request)


@csrf_protect
def reply_page(request, reference):
    found, refusal = _resolve(request, reference)
    if refusal is not None:
        return refusal
    portal_request, franchisee = found
    form = status_form = None
    if request.method == "POST" and request.POST.get("action") == "status":
        status_form = FranchiseeStatusForm(request.POST, prefix="status")
        if status_form.is_valid():
            data = status_form.cleaned_data
            message = franchisee_sets_status(
                portal_request,
                franchisee,
                data["status"],
                planned_for=data.get("planned_for"),
                note=data.get("note") or "",
                site_url=request.build_absolute_uri("/").rstrip("/"),
            )
            if message is not None:
                _log(request, portal_request, franchisee.email, ReplyLinkUse.Action.REPLY, message)
                flash.success(request, _("The status was changed and the client told."))
            return _private(HttpResponseRedirect(request.path))
    elif request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            message = post_message(
                portal_request,
                role=RequestMessage.Author.FRANCHISEE,
                channel=RequestMessage.Channel.REPLY_LINK,
                author_name=franchisee.contact_name or franchisee.company,
                body=form.cleaned_data["body"],
                checked_files=form.cleaned_data["attachments"],
                site_url=request.build_absolute_uri("/").rstrip("/"),
            )
            _log(request, portal_request, franchisee.email, ReplyLinkUse.Action.REPLY, message)
            flash.success(request, _("Your answer was sent to the client."))
            return _private(HttpResponseRedirect(request.path))
    elif request.method == "GET":
        _log(request, portal_request, franchisee.email, ReplyLinkUse.Action.VIEW)
    thread_messages, own_attachments = thread(portal_request)
    response = TemplateResponse(
        request,
        TEMPLATES + "reply.html",
        {
            "request_obj": portal_request,
            "franchisee": franchisee,
            "thread_messages": thread_messages,
            "attachments": own_attachments,
            "form": form or ReplyForm(),
            "status_form": status_form
            or FranchiseeStatusForm(
                prefix="status",
                initial={
                    "status": portal_request.status if portal_request.status in FRANCHISEE_STATUSES else None,
                    "planned_for": portal_request.planned_for,
                },
            ),
            "summary": installation_summary(portal_request.installation, _portal_settings(request)),
        },
    )
    return _private(response)


def reply_attachment(request, reference, pk):
    """An attachment of the link's request (and of no other)."""
    found, refusal = _resolve(request, reference)
    if refusal is not None:
        return refusal
    portal_request, franchisee = found
    attachment = portal_request.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    row = document_access.for_attachment(
        attachment,
        route="request_reply_attachment",
        actor=document_access.Actor.FRANCHISEE,
        actor_name=franchisee.company,
        link=request.aquatiris_portal_link,
    )
    return _private(
        serve_private_file(
            attachment.file,
            filename=attachment.filename,
            content_type=attachment.content_type,
            disposition="attachment",
            access=row,
        )
    )


def attachment_for_internal_system(request, token):
    """The signed link sent with ``request_message_posted`` events."""
    if refusals_blocked(request, SYNC_ATTACHMENT_ROUTE):  # an address that keeps guessing
        record_refused_token(request, SYNC_ATTACHMENT_ROUTE)
        return HttpResponse(status=429)
    pk = attachment_pk_from_token(token)
    attachment = RequestAttachment.objects.filter(pk=pk).first() if pk is not None else None
    if attachment is None:  # counted per address and minute, like the document link (sync/views.py)
        record_refused_token(request, SYNC_ATTACHMENT_ROUTE)
        raise Http404
    # Not the request's path, which holds the token.
    record_security_event(
        Kind.SYNC_DOWNLOAD, ip=client_ip(request) or "", model="requestattachment", attachment=pk, outcome="served"
    )
    row = document_access.for_attachment(
        attachment, route="request_attachment_download", actor=document_access.Actor.SYSTEM
    )
    return _private(
        serve_private_file(
            attachment.file,
            filename=attachment.filename,
            content_type=attachment.content_type,
            disposition="attachment",
            access=row,
        )
    )
