"""« Voir comme un client »: staff see the client space as a client they chose, read only.

- Who: staff past the second factor with the ``view_as_client`` permission
  (``access.may_view_as_client``; the editors' group has it). Staff who read
  the records (``view_client``) may choose any client; the others only the
  test clients of ``AQUATIRIS_PORTAL_VIEW_AS_TEST_CLIENTS`` (external ids):
  editors never see a real client's data.
- How: the chosen client's id waits in the session; on each request of the
  client space ``activate`` checks the permission again and tells ``access``
  (``access.view_as_client``), which then answers for that client: the same
  rules as for the client's own account, no second copy of them.
- Read only: every unsafe method (POST...) of the client space is refused
  with a page saying so, before any form, mail or outbox event; a screen
  that writes while shown (a thread marked read, the clients' group joined)
  runs in a transaction that is rolled back. Files opened meanwhile are
  logged (``DOCUMENT_DOWNLOAD``); the start and the end of each view are
  logged too (``VIEW_AS_CLIENT_START`` / ``_END``: who, which client).
- The pro space stays closed: a SPANC is never "viewed as".

The view ends when the staff member leaves it (the banner's button), when
the session ends (any logout, the idle one too: pages/receivers.py), or when
the permission or the client is gone (each logged as ended, once).
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .. import access
from ..conf import app_settings
from ..records.emails import canonical_email_or_none
from ..records.models import Client
from ..security_log import Kind, record_security_event

SESSION_KEY = "aquatiris_portal_view_as_client"
RECORDS_PERMISSION = "aquatiris_portal.view_client"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
REFUSED_TEMPLATE = "aquatiris_portal/client_space/view_as_refused.html"
HELP_TEMPLATE = "aquatiris_portal/client_space/view_as_help.html"


# --- who may be chosen ------------------------------------------------------


def choosable_clients(user):
    """The clients ``user`` may view the space as (none without the permission)."""
    if not access.may_view_as_client(user):
        return Client.objects.none()
    if user.has_perm(RECORDS_PERMISSION):
        return Client.objects.all()
    return Client.objects.filter(external_id__in=list(app_settings.VIEW_AS_TEST_CLIENTS or ()))


def search(queryset, query):
    """Clients whose name, town, external id or email hold every word of ``query`` (five words at most).

    A word that is an address finds the client of that address however it is
    typed (``Zoe@Exämple.fr`` finds ``zoe@xn--exmple-cua.fr``): its canonical form."""
    for word in query.split()[:5]:
        condition = (
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(external_id__iexact=word)
            | Q(city__icontains=word)
        )
        email = canonical_email_or_none(word) if "@" in word else None
        if email:
            condition |= Q(email=email)
        queryset = queryset.filter(condition)
    return queryset


# --- the session ------------------------------------------------------------


def activate(request):
    """The client the request's user views the space as, told to ``access``; or None.

    A choice the user may no longer make (permission taken away, client
    deleted or no longer a test client) ends the view, logged."""
    session = getattr(request, "session", None)
    state = session.get(SESSION_KEY) if session is not None else None
    if not state:
        return None
    user = request.user
    client = choosable_clients(user).filter(pk=state.get("client")).first()
    if client is None or not access.view_as_client(user, client):
        end(request, reason="refused")
        return None
    request.aquatiris_portal_view_as = client
    return client


def start(request, client):
    request.session[SESSION_KEY] = {"client": client.pk, "started": timezone.now().isoformat()}
    record_security_event(Kind.VIEW_AS_CLIENT_START, request, client=client.pk, client_id=client.external_id)


def end(request, reason):
    """Forget the view (if any) and log its end; returns whether there was one."""
    state = request.session.pop(SESSION_KEY, None)
    if not state:
        return False
    started = state.get("started")
    seconds = None
    if started:
        try:
            seconds = int((timezone.now() - datetime.datetime.fromisoformat(started)).total_seconds())
        except (TypeError, ValueError):
            seconds = None
    record_security_event(Kind.VIEW_AS_CLIENT_END, request, client=state.get("client"), reason=reason, seconds=seconds)
    return True


# --- the client space while viewed as a client --------------------------------


def _is_file(response):
    """A file the client space hands over (download, presigned redirect, calendar): such responses are
    sandboxed (storage.serve_private_file and the visit's .ics)."""
    return response.has_header("Content-Disposition") or "sandbox" in response.get("Content-Security-Policy", "")


def serve_read_only(page, request, serve):
    """``serve()`` (the page's own) for staff viewing as a client: unsafe
    methods refused before anything runs, the rest rolled back, files logged."""
    client = request.aquatiris_portal_view_as
    if request.method not in SAFE_METHODS:
        response = TemplateResponse(
            request,
            REFUSED_TEMPLATE,
            {
                "page": page,
                "self": page,
                "view_as_client": client,
                "view_as_stop_url": stop_url(),
                "back_url": page.get_url(request),
            },
            status=403,
        )
        add_never_cache_headers(response)
        return response
    with transaction.atomic():
        response = serve()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()  # templates query too: inside the rolled-back transaction
        transaction.set_rollback(True)  # read only: what the screen wrote is undone
    if _is_file(response):
        record_security_event(Kind.DOCUMENT_DOWNLOAD, request, view_as_client=client.pk, status=response.status_code)
        row = getattr(response, "aquatiris_portal_access", None)
        if row is not None:  # the document access log's row was rolled back with the rest: written again
            row.pk = None
            row._state.adding = True
            row.save()
    return response


def banner_context(request):
    """The banner's context ({} unless the request views the space as a client)."""
    client = getattr(request, "aquatiris_portal_view_as", None)
    return {"view_as_client": client, "view_as_stop_url": stop_url()} if client is not None else {}


def help_response(request, page):
    """/espace-client/ for staff without a client chosen: how to view it as a client."""
    response = TemplateResponse(
        request,
        HELP_TEMPLATE,
        {
            "page": page,
            "self": page,
            "may_view_as": access.may_view_as_client(request.user),
            "chooser_url": chooser_url(),
            "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        },
        status=403,
    )  # still nothing of the space: a page that says how, not a bare refusal
    add_never_cache_headers(response)
    return response


# --- its admin URLs (view_as_admin.py) -----------------------------------------


def chooser_url():
    return reverse("aquatiris_portal_view_as_client")


def stop_url():
    return reverse("aquatiris_portal_view_as_client_stop")
