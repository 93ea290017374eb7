"""What a « Personnes » screen does with a POST: invite, remove, cancel.

One place for the owner's or manager's screen (people_views) and customer
service's admin screen (staff_people_views), so both keep the same refusals,
messages and checks of what the form names (a row of this record only).
"""

import contextlib

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _

from ..records.emails import display_email
from ..security_log import client_ip
from . import invitations
from .memberships import active_members


def handle_post(request, record, form, *, mails_language=contextlib.nullcontext) -> bool:
    """True once a change is done or refused with a message (redirect), False
    when the invitation form shows its errors. ``mails_language`` wraps the
    calls that send mails (staff's screen writes them in the site's language)."""
    action = request.POST.get("action")
    if action == "invite":
        if not form.is_valid():
            return False
        try:
            with mails_language():
                invitations.invite(
                    record, form.cleaned_data["email"], by=request.user, request=request, ip=client_ip(request)
                )
        except invitations.InvitationRefused as refused:
            form.add_error("email", str(refused))
            return False
        messages.success(
            request, _("The invitation is sent to %(email)s.") % {"email": display_email(form.cleaned_data["email"])}
        )
        return True
    if action == "remove":
        membership = active_members(record).filter(pk=_row_id(request.POST.get("membership"))).first()
        if membership is None:
            raise Http404
        if membership.is_lead:
            messages.error(request, _("The owner or manager follows the record's email address: not removed."))
            return True
        try:
            with mails_language():
                invitations.remove(membership, by=request.user, request=request)
        except invitations.InvitationRefused as refused:
            messages.error(request, str(refused))
            return True
        messages.success(
            request, _("%(name)s no longer has access.") % {"name": invitations.person_name(membership.person)}
        )
        return True
    if action == "cancel":
        invitation = invitations.pending_invitations(record).filter(pk=_row_id(request.POST.get("invitation"))).first()
        if invitation is None:
            raise Http404
        invitations.revoke(invitation, by=request.user, request=request)
        messages.success(
            request, _("The invitation to %(email)s is cancelled.") % {"email": display_email(invitation.email)}
        )
        return True
    raise Http404


def _row_id(value) -> int:
    """A posted row id, 0 (no row) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
