"""The franchisee's personal link to a document a SPANC sent (no login).

Same rules as the reply link (``reply_views``): the token lands once, goes
into the session and the browser moves on to a URL without it; every use
checks the link again (``links.check_document_link``); a forged, unknown or
dead link, or a document the link was not made for, shows nothing (404);
refused tokens are counted per address (``record_refused_token``); each
opening, download and refusal is logged (``DocumentLinkUse``); throttled,
never indexed, never cached.

A link rather than the PDF attached: a SPANC report may be large and a mail
is forwarded and kept forever, while a link expires, can be refused once
the franchisee changes and leaves a trace of each download.
"""

import logging

from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..security_log import document_access, record_refused_token, refusals_blocked
from ..storage import serve_private_file
from . import links
from .models import DocumentLinkUse
from .reply_views import TEMPLATES, _dead_page, _ip, _private, _throttled, _throttled_page

logger = logging.getLogger(__name__)

SESSION_KEY = "aquatiris_portal_document_links"
SESSION_MAX_LINKS = 20
REFUSAL_ROUTE = "document_link"


def _log(request, document, email, action):
    DocumentLinkUse.objects.create(
        document=document,
        email=email or "",
        action=action,
        ip=_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    logger.info("Document link %s: document %s by %s", action, document.pk, email)


def document_link(request, token):
    """Where the mail's link lands."""
    blocked = refusals_blocked(request, REFUSAL_ROUTE) or _throttled(request, links.hash_token(token))
    if blocked:
        return _throttled_page(request, blocked)
    link = links.document_link_for_token(token)
    if link is None:
        record_refused_token(request, REFUSAL_ROUTE)
        return _dead_page(request)
    try:
        links.check_document_link(link)
    except links.DeadLink:
        record_refused_token(request, REFUSAL_ROUTE)
        _log(request, link.document, "", DocumentLinkUse.Action.REFUSED)
        return _dead_page(request)
    key = str(link.document_id)
    stored = dict(request.session.get(SESSION_KEY) or {})
    stored.pop(key, None)
    stored[key] = link.pk
    request.session[SESSION_KEY] = dict(list(stored.items())[-SESSION_MAX_LINKS:])
    return _private(HttpResponseRedirect(reverse("aquatiris_portal:franchisee_document_page", args=[link.document_id])))


def _resolve(request, pk):
    """(document, franchisee) of the link this session opened for document
    ``pk``, or a response to return instead."""
    stored = request.session.get(SESSION_KEY) or {}
    link_pk = stored.get(str(pk))
    blocked = _throttled(request, f"document:{link_pk or pk}")
    if blocked:
        return None, _throttled_page(request, blocked)
    link = links.document_link_by_pk(link_pk)
    if link is None or link.document_id != pk:
        return None, _dead_page(request, missing=True)
    try:
        found = links.check_document_link(link)
        request.aquatiris_portal_link = link  # the access log names the link and when it was sent
        return found, None
    except links.DeadLink:
        _log(request, link.document, "", DocumentLinkUse.Action.REFUSED)
        stored = dict(stored)
        stored.pop(str(pk), None)
        request.session[SESSION_KEY] = stored
        return None, _dead_page(request)


def document_page(request, pk):
    found, refusal = _resolve(request, pk)
    if refusal is not None:
        return refusal
    document, franchisee = found
    _log(request, document, franchisee.email, DocumentLinkUse.Action.VIEW)
    installation = document.installation
    return _private(
        TemplateResponse(
            request,
            TEMPLATES + "document.html",
            {
                "document": document,
                "installation": installation,
                "client": installation.client,
                "franchisee": franchisee,
                "spanc": document.uploaded_by_spanc,
            },
        )
    )


def document_file(request, pk):
    found, refusal = _resolve(request, pk)
    if refusal is not None:
        return refusal
    document, franchisee = found
    _log(request, document, franchisee.email, DocumentLinkUse.Action.DOWNLOAD)
    row = document_access.for_document(
        document,
        route="franchisee_document_file",
        actor=document_access.Actor.FRANCHISEE,
        actor_name=franchisee.company,
        link=request.aquatiris_portal_link,
    )
    return _private(
        serve_private_file(
            document.file,
            filename=document.filename,
            content_type=document.content_type,
            disposition="attachment",
            access=row,
        )
    )
