"""Absolute links a request's mails and events carry: the client's thread,
the franchisee's personal reply link, and the signed download link of an
attachment sent to the internal system.

The reply link is a random token whose SHA-256 is a ``ReplyLink`` row
(expiry, renewal, revocation); the attachment link is a signed value with
its own salt (``sync/delivery.py``).
"""

import datetime
import hashlib
import secrets

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from ..conf import app_settings, public_base_url
from ..records.emails import canonical_email_or_none
from .models import DocumentLink, ReplyLink

ATTACHMENT_SALT = "aquatiris_portal.enquiries.attachment_download"


base_url = public_base_url  # the site's absolute URL, for links in mails and events sent from a job


def absolute(url, site_url=""):
    if url.startswith(("http://", "https://")):
        return url
    return (site_url or base_url()).rstrip("/") + url


def client_space_page():
    """The live client space page (the model is looked up, not imported:
    pages sit above enquiries)."""
    model = apps.get_model("aquatiris_portal", "ClientSpacePage")
    page = Page.objects.live().type(model).order_by("path").first()
    return page.specific if page is not None else None


def client_thread_url(portal_request, site_url=""):
    """The request's thread in the client space (behind the login)."""
    page = client_space_page()
    if page is None:
        return ""
    url = page.get_url() or ""
    return absolute(
        url.rstrip("/") + "/" + page.reverse_subpage("request_detail", args=[portal_request.reference]), site_url
    )


# -- the franchisee's reply link ------------------------------------------------
# A random token per mail, kept server-side as its SHA-256 (ReplyLink): it can
# expire, be renewed and be revoked. Links of the old stateless format (signed
# values, before migration 0021) match no row: they are refused like a
# forged token, and the franchisee gets a new link with the client's next
# message.


def _email_digest(email):
    return hashlib.sha256((canonical_email_or_none(email) or "").encode()).hexdigest()[:24]


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def link_lifetime():
    return datetime.timedelta(days=app_settings.REPLY_LINK_DAYS)


def issue_reply_link(portal_request, franchisee, now=None):
    """A new link for this request and this franchisee's address; returns
    the raw token (for the mail only). The links still alive for the same
    request and franchisee get the same new expiry: each client message
    renews the thread's links, so the link of an older mail keeps working
    while the conversation goes on."""
    now = now or timezone.now()
    expires_at = now + link_lifetime()
    ReplyLink.objects.filter(
        request=portal_request,
        franchisee=franchisee,
        revoked_at=None,
        expires_at__gt=now,
        expires_at__lt=expires_at,
    ).update(expires_at=expires_at)
    raw = secrets.token_urlsafe(32)
    ReplyLink.objects.create(
        token_hash=hash_token(raw),
        request=portal_request,
        franchisee=franchisee,
        email_digest=_email_digest(franchisee.email),
        created_at=now,
        expires_at=expires_at,
    )
    return raw


def reply_url(portal_request, franchisee, site_url=""):
    """The absolute URL of a new reply link (writes its row: call it only
    for a mail that is sent)."""
    return absolute(
        reverse("aquatiris_portal:request_reply", args=[issue_reply_link(portal_request, franchisee)]), site_url
    )


class DeadLink(Exception):
    """A reply link that was valid once but no longer is (expired, revoked,
    the request closed, the installation's franchisee or their address
    changed). ``request`` is the request it was made for, to log the refusal."""

    def __init__(self, reason, request=None):
        super().__init__(reason)
        self.reason = reason
        self.request = request


def check_link(link, now=None):
    """(request, franchisee) of a live link; ``DeadLink`` otherwise. Asked
    at every use (the page, each POST, each attachment), not only when the
    token arrives."""
    portal_request = link.request
    if link.revoked_at is not None:
        raise DeadLink("revoked", portal_request)
    if link.expires_at <= (now or timezone.now()):
        raise DeadLink("expired", portal_request)
    if portal_request.is_closed:
        raise DeadLink("closed", portal_request)
    installation = portal_request.installation
    franchisee = installation.franchisee if installation is not None else None
    if (
        franchisee is None
        or franchisee.pk != link.franchisee_id
        or _email_digest(franchisee.email) != link.email_digest
    ):
        raise DeadLink("franchisee_changed", portal_request)
    return portal_request, franchisee


def _links():
    return ReplyLink.objects.select_related("request__installation__franchisee", "request__client")


def link_for_token(raw):
    """The ReplyLink row of a token, or None (forged, unknown, old format)."""
    if not raw or len(raw) > 200:
        return None
    return _links().filter(token_hash=hash_token(raw)).first()


def link_by_pk(pk):
    return _links().filter(pk=pk).first() if pk else None


def revoke_links(portal_request, *, user=None, reason=ReplyLink.RevokeReason.STAFF):
    """Revoke every live link of the request; returns how many."""
    return ReplyLink.objects.filter(request=portal_request, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=user, revoke_reason=reason
    )


def live_links(portal_request, now=None):
    return ReplyLink.objects.filter(request=portal_request, revoked_at=None, expires_at__gt=now or timezone.now())


# -- the franchisee's link to a SPANC document ---------------------------------------
# The same kind of link as the reply link (random token, SHA-256 stored,
# REPLY_LINK_DAYS), for one document of a folder he follows: he has no account
# and the admin is for staff.


def issue_document_link(document, franchisee, now=None):
    """A new link to ``document`` for this franchisee's address; returns the
    raw token (for the mail only)."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    DocumentLink.objects.create(
        token_hash=hash_token(raw),
        document=document,
        franchisee=franchisee,
        email_digest=_email_digest(franchisee.email),
        created_at=now,
        expires_at=now + link_lifetime(),
    )
    return raw


def document_url(document, franchisee, site_url=""):
    """The absolute URL of a new document link (writes its row: only for a
    mail that is sent); on the public address when set, as the admin's link
    of that mail was (spanc_uploads.admin_document_url)."""
    return absolute(
        reverse("aquatiris_portal:franchisee_document_link", args=[issue_document_link(document, franchisee)]),
        app_settings.PUBLIC_BASE_URL or site_url,
    )


def _document_links():
    return DocumentLink.objects.select_related("document__installation__franchisee", "franchisee")


def document_link_for_token(raw):
    if not raw or len(raw) > 200:
        return None
    return _document_links().filter(token_hash=hash_token(raw)).first()


def document_link_by_pk(pk):
    return _document_links().filter(pk=pk).first() if pk else None


def check_document_link(link, now=None):
    """(document, franchisee) of a live document link; ``DeadLink`` otherwise
    (expired, the document deleted, the installation's franchisee or their
    address changed). Asked at every use."""
    document = link.document
    if link.expires_at <= (now or timezone.now()):
        raise DeadLink("expired")
    if document.deleted_at is not None:
        raise DeadLink("deleted")
    installation = document.installation
    franchisee = installation.franchisee if installation is not None else None
    if (
        franchisee is None
        or franchisee.pk != link.franchisee_id
        or _email_digest(franchisee.email) != link.email_digest
    ):
        raise DeadLink("franchisee_changed")
    return document, franchisee


# -- attachments for the internal system: signed links made at each delivery
# of request_message_posted (sync/delivery.py, with document_uploaded's).
