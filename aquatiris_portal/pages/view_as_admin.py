"""The admin side of « Voir comme un client » (view_as_client.py): the
chooser of a client, the start and the end of a view, the menu item."""

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.menu import MenuItem

from .. import access
from ..records.models import Client
from . import view_as_client as view_as
from .client_space import ClientSpacePage

CHOICES_SHOWN = 20
CHOOSER_TEMPLATE = "aquatiris_portal/admin/view_as_client.html"


def _space_url(request):
    page = ClientSpacePage.objects.live().first()
    return page.get_url(request) if page is not None else None


@require_GET
def chooser(request):
    if not access.may_view_as_client(request.user):
        raise PermissionDenied
    query = (request.GET.get("q") or "").strip()[:100]
    clients = view_as.choosable_clients(request.user)
    if query:
        clients = view_as.search(clients, query)
    clients = list(clients.order_by("last_name", "first_name", "pk")[: CHOICES_SHOWN + 1])
    current = request.session.get(view_as.SESSION_KEY) or {}
    return TemplateResponse(
        request,
        CHOOSER_TEMPLATE,
        {
            "query": query,
            "clients": clients[:CHOICES_SHOWN],
            "more": len(clients) > CHOICES_SHOWN,
            "any_client": request.user.has_perm(view_as.RECORDS_PERMISSION),
            "current": Client.objects.filter(pk=current.get("client")).first() if current else None,
            "space_url": _space_url(request),
        },
    )


@require_POST
def start_view(request):
    if not access.may_view_as_client(request.user):
        raise PermissionDenied
    client = view_as.choosable_clients(request.user).filter(pk=_int(request.POST.get("client"))).first()
    space = _space_url(request)
    if client is None or space is None:
        messages.error(request, _("Choose a client from the list.") if space else _("There is no client space page."))
        return redirect(view_as.chooser_url())
    view_as.end(request, reason="another client")
    view_as.start(request, client)
    return redirect(space)


@require_POST
def stop_view(request):
    if view_as.end(request, reason="left"):
        messages.success(request, _("You left the client's view."))
    return redirect(view_as.chooser_url() if access.may_view_as_client(request.user) else reverse("wagtailadmin_home"))


def group_permissions():
    """The permission Settings › Groups lists (it shows only those registered), to grant the view to a group."""
    app_label, codename = access.VIEW_AS_CLIENT_PERMISSION.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def admin_urls():
    return [
        path("aquatiris-portal/voir-comme-un-client/", chooser, name="aquatiris_portal_view_as_client"),
        path(
            "aquatiris-portal/voir-comme-un-client/commencer/", start_view, name="aquatiris_portal_view_as_client_start"
        ),
        path("aquatiris-portal/voir-comme-un-client/quitter/", stop_view, name="aquatiris_portal_view_as_client_stop"),
    ]


class ViewAsClientMenuItem(MenuItem):
    def is_shown(self, request):
        return access.may_view_as_client(request.user)


def menu_item():
    return ViewAsClientMenuItem(gettext_lazy("View as a client"), view_as.chooser_url(), icon_name="view", order=10000)
