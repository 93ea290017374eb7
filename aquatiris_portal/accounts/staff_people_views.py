"""« Personnes » in the Wagtail admin: staff with ``manage_record_people``
(customer service) see who has access to a client or a SPANC, invite a
household member or an agent, cancel a waiting invitation and remove a
person, through the same rules as the owner's page (invitations.py: cap,
throttle, single-use link, security log, notice to the owner or manager,
who reads « un conseiller Aquatiris », never the staff member's name).

The lead (owner, manager) is the record's own email, set by the sync: it
is never invited nor removed here. Refusals answer 403 (not Wagtail's
redirect to the dashboard), so nothing reads as a success.
"""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from django.views.defaults import permission_denied

from .. import access
from ..records.models import Client, Spanc
from . import invitations, people_actions
from .lookup import record_name
from .memberships import active_members
from .models import Membership
from .people_views import InviteForm
from .staff_people_models import RECORD_PEOPLE_PERMISSION

URL_NAME = "aquatiris_portal_record_people"
TEMPLATE = "aquatiris_portal/admin/record_people.html"
MODELS = {"client": Client, "spanc": Spanc}


def may_manage_people(user) -> bool:
    """Staff with the permission, past the second factor."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and access.is_verified(user)
        and user.has_perm(RECORD_PEOPLE_PERMISSION)
    )


def people_url(record) -> str:
    kind = "client" if isinstance(record, Client) else "spanc"
    return reverse(URL_NAME, args=[kind, record.pk])


def _inspect_url(kind, pk):
    try:
        return reverse(f"aquatiris_portal_{kind}_modeladmin_inspect", args=[pk])
    except NoReverseMatch:  # a host without the records' admin
        return ""


def _in_site_language():
    """The invitee and the owner read the mails in the site's language, not
    in the staff member's admin language (Wagtail activates the latter)."""
    return translation.override(settings.LANGUAGE_CODE)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def record_people_view(request, kind, pk):
    if kind not in MODELS:
        raise Http404
    if not may_manage_people(request.user):
        return permission_denied(request, PermissionDenied())
    record = get_object_or_404(MODELS[kind], pk=pk)
    invite_post = request.method == "POST" and request.POST.get("action") == "invite"
    form = InviteForm(request.POST if invite_post else None)
    if request.method == "POST" and people_actions.handle_post(request, record, form, mails_language=_in_site_language):
        return HttpResponseRedirect(request.path)
    members = sorted(active_members(record), key=lambda member: (not member.is_lead, member.pk))
    pending = list(invitations.pending_invitations(record).order_by("pk"))
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            "kind": kind,
            "record": record,
            "record_name": record_name(record),
            "members": [(member, invitations.person_name(member.person)) for member in members],
            "pending": pending,
            "cap": invitations.cap(record),
            "taken": len(members) + len(pending),
            "invited_role": Membership.Role(invitations.INVITED_ROLE[kind]).label,
            "form": form,
            "inspect_url": _inspect_url(kind, record.pk),
        },
        status=400 if request.method == "POST" else 200,
    )


def group_permissions():
    """The permission Settings › Groups lists (it shows only those registered), to grant « Personnes » to a group."""
    app_label, codename = RECORD_PEOPLE_PERMISSION.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)


def admin_urls():
    return [path("aquatiris-portal/personnes/<str:kind>/<int:pk>/", record_people_view, name=URL_NAME)]


def record_buttons(request, record):
    """The « Personnes » button of a client's or a SPANC's row and inspect
    page in the records' admin (asked by records.admin through a hook)."""
    if not isinstance(record, (Client, Spanc)) or not may_manage_people(request.user):
        return []
    return [
        {
            "url": people_url(record),
            "label": _("People"),
            "title": _("Who has access to the space of %(name)s") % {"name": record_name(record)},
        }
    ]
