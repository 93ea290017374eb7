"""« Mon compte → Personnes » (the owner of a client, the manager of a SPANC)
and the invited person's link (invitations.py holds the rules).

A household member or an agent gets 403 on the page: only the lead invites
and removes (access.may_manage_people).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from .. import access
from . import invitations, people_actions
from .forms import CanonicalEmailField, GeneratedPasswordForm, OwnPasswordForm
from .landing import landing_url
from .lookup import record_name
from .memberships import active_members, choose_record
from .passwords import generate_password
from .view_helpers import TEMPLATES, log_in, portal_url

INVITATION_SESSION_KEY = "aquatiris_portal_invitation"


class InviteForm(forms.Form):
    email = CanonicalEmailField(
        label=gettext_lazy("Email address of the person"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _name_fields(form_class, id_prefix):
    """A password form that also asks the person's name: it signs their
    messages and requests (« envoyé par Claire Martin »). Both forms are on
    one page: ``id_prefix`` keeps their name fields' ids apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{id_prefix}_%s")
        form_class.__init__(self, *args, **kwargs)

    return type(
        f"Named{form_class.__name__}",
        (form_class,),
        {
            "__init__": __init__,
            "first_name": forms.CharField(
                label=gettext_lazy("First name"),
                max_length=150,
                widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
            ),
            "last_name": forms.CharField(
                label=gettext_lazy("Last name"),
                max_length=150,
                widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
            ),
            "field_order": ["first_name", "last_name"],
        },
    )


NamedGeneratedForm = _name_fields(GeneratedPasswordForm, "generated")
NamedOwnForm = _name_fields(OwnPasswordForm, "own")


def _record_or_403(request, kind):
    if kind not in access.KINDS:
        raise Http404
    if not access.may_manage_people(request.user, kind):
        raise PermissionDenied
    return access.client_for(request.user) if kind == "client" else access.spanc_for(request.user)


@csrf_protect
@never_cache
def people_view(request, kind):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", request.get_full_path()))
    record = _record_or_403(request, kind)
    form = InviteForm(request.POST if request.POST.get("action") == "invite" else None)
    if request.method == "POST" and people_actions.handle_post(request, record, form):
        return HttpResponseRedirect(request.path)
    members = list(active_members(record).order_by("pk"))
    return render(
        request,
        TEMPLATES + "people.html",
        {
            "kind": kind,
            "record_name": record_name(record),
            "members": [(member, invitations.person_name(member.person)) for member in members],
            "pending": list(invitations.pending_invitations(record).order_by("pk")),
            "cap": invitations.cap(record),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the invited person ----------------------------------------------------------------


def _invalid(request):
    return render(request, TEMPLATES + "invitation_invalid.html", {}, status=410)


@never_cache
def invitation_link_view(request, token):
    """Keep the token in the session and go on without it in the URL
    (no leak through the Referer or the history), like the account links."""
    if invitations.find_valid(token) is None:
        return _invalid(request)
    request.session[INVITATION_SESSION_KEY] = token
    return HttpResponseRedirect(portal_url("invitation_accept"))


@sensitive_post_parameters("generated_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def invitation_accept_view(request):
    invitation = invitations.find_valid(request.session.get(INVITATION_SESSION_KEY))
    if invitation is None:
        return _invalid(request)
    context = {
        "invitation": invitation,
        "record_name": record_name(invitation.record),
        "by_name": invitations.actor_name(invitation.record, invitation.invited_by),
    }
    if request.method == "POST" and request.POST.get("action") == "logout":
        # Logged in as someone else: leave that session, keep the invitation.
        token = request.session.get(INVITATION_SESSION_KEY)
        auth_logout(request)
        request.session[INVITATION_SESSION_KEY] = token
        return HttpResponseRedirect(portal_url("invitation_accept"))
    existing = invitations.account_for_email(invitation.email)
    if existing is not None:
        return _confirm(request, invitation, existing, context)
    return _new_account(request, invitation, context)


def _confirm(request, invitation, existing, context):
    """An address that has an account joins only once that account, logged
    in, says yes: nobody else's session can accept for it."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", portal_url("invitation_accept")))
    if request.user.pk != existing.pk:
        return render(request, TEMPLATES + "invitation_accept.html", {**context, "other_account": True}, status=403)
    if request.method == "POST":
        try:
            membership = invitations.accept_existing(invitation, request.user, request)
        except ValueError:
            return _invalid(request)
        request.session.pop(INVITATION_SESSION_KEY, None)
        access.forget_memberships(request.user)
        choose_record(request, membership)
        messages.success(request, _("You now have access to the space of %(name)s.") % {"name": context["record_name"]})
        return HttpResponseRedirect(landing_url(request.user) or "/")
    return render(request, TEMPLATES + "invitation_accept.html", {**context, "confirm": True})


def _new_account(request, invitation, context):
    if request.user.is_authenticated:
        # Another account's session: an invitation never joins it (no silent merge).
        return render(request, TEMPLATES + "invitation_accept.html", {**context, "other_account": True}, status=403)
    person = get_user_model()(username=invitation.email, email=invitation.email)
    generated = generate_password()
    generated_form = NamedGeneratedForm(initial={"generated_password": generated}, user=person)
    own_form = NamedOwnForm(user=person)
    if request.method == "POST":
        if request.POST.get("choice") == "generated":
            form = generated_form = NamedGeneratedForm(request.POST, user=person)
        else:
            form = own_form = NamedOwnForm(request.POST, user=person)
        if form.is_valid():
            try:
                user = invitations.accept_new(
                    invitation,
                    form.password,
                    request,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except ValueError:
                return _invalid(request)
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(request, _("Your account is ready. Welcome!"))
            return log_in(request, user, "")
        if isinstance(form, GeneratedPasswordForm) and "generated_password" not in form.errors:
            generated = request.POST.get("generated_password", "")  # only the name was missing: same password
        elif isinstance(form, GeneratedPasswordForm):
            generated_form = NamedGeneratedForm(
                initial={
                    "generated_password": generated,
                    "first_name": request.POST.get("first_name", ""),
                    "last_name": request.POST.get("last_name", ""),
                },
                user=person,
            )
    return render(
        request,
        TEMPLATES + "invitation_accept.html",
        {
            **context,
            "email": invitation.email,
            "generated": generated,
            "generated_form": generated_form,
            "own_form": own_form,
        },
    )
