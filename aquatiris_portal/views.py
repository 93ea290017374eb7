"""The package's own views above the rooms: a personal file (ask
``access``, then stream or redirect) and the landing after login."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import access
from .conf import app_settings
from .pages import view_as_client
from .pages.client_space import ClientSpacePage
from .pages.pro_space import ProSpacePage
from .security_log import Kind, document_access, record_security_event
from .storage import serve_private_file


@require_GET
@never_cache
def document_download(request, pk, disposition="attachment"):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(app_settings.LOGIN_URL_NAME))
    view_as_client.activate(request)  # staff viewing as a client: that client's documents (logged below)
    document = access.get_document_or_404(request.user, pk)
    if request.user.is_staff:
        # Staff read personal documents of anyone: each download is logged.
        record_security_event(
            Kind.DOCUMENT_DOWNLOAD,
            request,
            model="portaldocument",
            id=document.pk,
            installation=document.installation_id,
            disposition=disposition,
        )
    return serve_private_file(
        document.file,
        filename=document.filename or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type,
        disposition=disposition,
        access=_access_row(request, document, disposition),
    )


def _access_row(request, document, disposition):
    """Who reads ``document`` here: a person of its client's household (as
    themselves), the SPANC of its installation, or else staff (the back
    office, or viewing the space as the client)."""
    user = request.user
    route = "document_view" if disposition == "inline" else "document_download"
    installation = document.installation
    actor, name = document_access.Actor.STAFF, ""
    client = access.client_for(user) if access.viewed_client(user) is None else None
    spanc = access.spanc_for(user)
    if client is not None and client.pk == installation.client_id:
        role = access.role_for(user, "client")
        actor = document_access.Actor.OWNER if role == "owner" else document_access.Actor.HOUSEHOLD
        name = document_access.person_name(user)
    elif spanc is not None and spanc.pk == installation.spanc_id:
        actor = document_access.Actor.SPANC
        name = " — ".join(part for part in (spanc.name, document_access.person_name(user)) if part)
    return document_access.for_document(document, route=route, actor=actor, user=user, actor_name=name)


def landing_url(user):
    """The space of ``user`` (client or pro) if it has one: where a login
    without ``next`` goes. Registered as the ``aquatiris_portal_landing_url``
    hook (wagtail_hooks.py), which accounts asks (the pages sit above it)."""
    kinds = {kind for kind in access.KINDS if access.memberships_of_kind(user, kind)}
    space = ClientSpacePage if "client" in kinds else ProSpacePage if "spanc" in kinds else None
    page = space.objects.live().first() if space is not None else None
    return (page.url or None) if page is not None else None
