"""Absolute links a request's mails and events carry: the client's thread,
the franchisee's personal reply link, and the signed download link of an
attachment sent to the internal system.

Signed values use ``django.core.signing`` with their own salt each: a token
made for one purpose (or one request) is worth nothing for another.
"""

import hashlib

from django.apps import apps
from django.core import signing
from django.urls import reverse
from wagtail.models import Page

from ..conf import app_settings, public_base_url
from ..records.emails import canonical_email_or_none
from .models import PortalRequest

REPLY_SALT = "aquatiris_portal.enquiries.reply_link"
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
    return absolute(url.rstrip("/") + "/" + page.reverse_subpage("request_detail", args=[portal_request.reference]),
                    site_url)


def client_requests_url(site_url=""):
    page = client_space_page()
    if page is None:
        return ""
    return absolute((page.get_url() or "").rstrip("/") + "/" + page.reverse_subpage("requests"), site_url)


# -- the franchisee's reply link ------------------------------------------------

def _email_digest(email):
    return hashlib.sha256((canonical_email_or_none(email) or "").encode()).hexdigest()[:24]


def reply_token(portal_request, franchisee):
    """A token for this request and this franchisee's address (time-stamped)."""
    return signing.dumps(
        {"r": portal_request.pk, "f": franchisee.pk, "e": _email_digest(franchisee.email)},
        salt=REPLY_SALT, compress=False,
    )


def reply_url(portal_request, franchisee, site_url=""):
    return absolute(reverse("aquatiris_portal:request_reply", args=[reply_token(portal_request, franchisee)]),
                    site_url)


class DeadLink(Exception):
    """A reply link that was valid once but no longer is (expired, the
    installation's franchisee or their address changed). ``request`` is the
    request it was made for, to log the refusal."""

    def __init__(self, reason, request=None):
        super().__init__(reason)
        self.reason = reason
        self.request = request


def request_for_reply_token(token):
    """(request, franchisee) of a valid reply link; None for a forged token;
    ``DeadLink`` for one that was genuine but is no longer valid."""
    try:
        data = signing.loads(token, salt=REPLY_SALT)
        request_pk, franchisee_pk, digest = int(data["r"]), int(data["f"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    portal_request = (
        PortalRequest.objects.select_related("installation__franchisee", "client").filter(pk=request_pk).first()
    )
    if portal_request is None:
        return None
    try:
        signing.loads(token, salt=REPLY_SALT, max_age=app_settings.REPLY_LINK_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise DeadLink("expired", portal_request)
    installation = portal_request.installation
    franchisee = installation.franchisee if installation is not None else None
    if franchisee is None or franchisee.pk != franchisee_pk or _email_digest(franchisee.email) != digest:
        raise DeadLink("franchisee_changed", portal_request)
    return portal_request, franchisee


# -- attachments for the internal system: signed links made at each delivery
# of request_message_posted (sync/delivery.py, with document_uploaded's).
