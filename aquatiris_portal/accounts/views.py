"""Account screens: login, logout, first connection, lost password and
password change (the second factor is in second_factor_views.py).

Activation, lost password and login answer the same way whether or not the
email or the code exists (SECURITY.md, "Defences").
"""

import time

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, update_session_auth_hash
from django.contrib.auth import logout as auth_logout
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..security_log import Kind, client_ip, email_hash, record_security_event
from . import activation, password_reset, second_factor, throttle, tokens
from .forms import (
    ActivationRequestForm,
    GeneratedPasswordForm,
    LoginForm,
    OwnPasswordForm,
    PasswordChangeForm,
    ResetRequestForm,
)
from .models import AccountToken
from .passwords import generate_password
from .security_notices import notify_security_change
from .view_helpers import (
    TEMPLATES,
    count_failure,
    log_in,
    login_failed,
    pad_response,
    portal_url,
    reauth_blocked,
    reauth_failed,
    safe_next_url,
    throttle_message,
)

Purpose = AccountToken.Purpose
LINK_SESSION_KEY = "aquatiris_portal_link"


# --- login and logout --------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = safe_next_url(request)
    status = 200
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]  # canonical (forms.CanonicalEmailField)
            attempt = throttle.begin("login", email, client_ip(request))
            if attempt.wait:
                form.add_error(None, throttle_message(attempt.wait))
                status = 429
            else:
                user = authenticate(request, username=email, password=form.cleaned_data["password"])
                if user is not None:
                    throttle.succeeded(attempt)
                    record_security_event(Kind.LOGIN, request, user=user)
                    return log_in(request, user, next_url)
                login_failed(request, attempt)
                form.add_error(None, _("The email address or the password is not right."))
    else:
        form = LoginForm()
    return render(request, TEMPLATES + "login.html", {"form": form, "next": next_url}, status=status)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "POST":
        if request.user.is_authenticated:
            record_security_event(Kind.LOGOUT, request)
        auth_logout(request)
        messages.success(request, _("You are logged out."))
        return HttpResponseRedirect(portal_url("login"))
    return render(request, TEMPLATES + "logout.html", {})


# --- first connection and lost password: the requests -------------------------


def _request_view(request, *, scope, form_class, template, done_template, handle, done_context=dict):
    """Same page, same status, similar time for every email and code
    (``done_context`` gives what the "sent" page adds, read whatever the input)."""
    if request.method != "POST":
        return render(request, TEMPLATES + template, {"form": form_class(), "next": safe_next_url(request)})
    started = time.monotonic()
    form = form_class(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATES + template, {"form": form})
    email = form.cleaned_data["email"]  # canonical (forms.CanonicalEmailField)
    ip = client_ip(request)
    wait = throttle.blocked_for(scope, email, ip)
    if wait:
        form.add_error(None, throttle_message(wait))
        pad_response(started)
        return render(request, TEMPLATES + template, {"form": form}, status=429)
    # Every request counts (its answer never says whether it "failed").
    count_failure(request, scope, email, email_hash=email_hash(email))
    handle(request, form.cleaned_data)
    context = {**done_context(request), "email": form.cleaned_data["email"]}
    pad_response(started)
    return render(request, TEMPLATES + done_template, context)


@csrf_protect
@never_cache
def activation_view(request):
    return _request_view(
        request,
        scope="activation",
        form_class=ActivationRequestForm,
        template="activation.html",
        done_template="activation_sent.html",
        handle=lambda req, data: activation.request_activation(req, data["email"], data["code"]),
        done_context=activation.sent_page_context,
    )


@csrf_protect
@never_cache
def password_reset_view(request):
    return _request_view(
        request,
        scope="reset",
        form_class=ResetRequestForm,
        template="password_reset.html",
        done_template="password_reset_sent.html",
        handle=lambda req, data: password_reset.request_reset(req, data["email"]),
    )


# --- the links -------------------------------------------------------------


def _link_invalid(request, purpose):
    return render(request, TEMPLATES + "link_invalid.html", {"purpose": purpose}, status=410)


@never_cache
def link_view(request, token, purpose):
    """Keep the token in the session and continue on a URL without it, so
    that it cannot leak through the Referer or the history."""
    if tokens.find_valid(purpose, token) is None:
        return _link_invalid(request, purpose)
    request.session[LINK_SESSION_KEY] = {"purpose": purpose, "token": token}
    name = "activation_password" if purpose == Purpose.ACTIVATION else "password_reset_password"
    return HttpResponseRedirect(portal_url(name))


def _person_for_validation(token):
    """A user object for the password validators (similarity to the name
    and the email), unsaved for a first connection."""
    if token.user_id:
        return token.user
    record = token.record
    return get_user_model()(
        username=token.email,
        email=token.email,
        first_name=getattr(record, "first_name", ""),
        last_name=getattr(record, "last_name", getattr(record, "name", "")),
    )


@sensitive_post_parameters("generated_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def set_password_view(request, purpose):
    stored = request.session.get(LINK_SESSION_KEY) or {}
    token = tokens.find_valid(purpose, stored.get("token")) if stored.get("purpose") == purpose else None
    if token is None:
        return _link_invalid(request, purpose)
    person = _person_for_validation(token)
    generated = generate_password()
    generated_form = GeneratedPasswordForm(initial={"generated_password": generated}, user=person)
    own_form = OwnPasswordForm(user=person)
    if request.method == "POST":
        if request.POST.get("choice") == "generated":
            form = generated_form = GeneratedPasswordForm(request.POST, user=person)
        else:
            form = own_form = OwnPasswordForm(request.POST, user=person)
        if form.is_valid():
            try:
                if purpose == Purpose.ACTIVATION:
                    user = activation.complete_activation(token, form.password)
                else:
                    user = password_reset.complete_reset(token, form.password, request)
            except ValueError:
                return _link_invalid(request, purpose)
            request.session.pop(LINK_SESSION_KEY, None)
            if purpose == Purpose.ACTIVATION:
                messages.success(request, _("Your account is ready. Welcome!"))
                return log_in(request, user, "")
            messages.success(request, _("Your password has been changed. You can log in with it now."))
            return HttpResponseRedirect(portal_url("login"))
        if isinstance(form, GeneratedPasswordForm):
            generated_form = GeneratedPasswordForm(initial={"generated_password": generated}, user=person)
    return render(
        request,
        TEMPLATES + "set_password.html",
        {
            "purpose": purpose,
            "email": token.email,
            "generated": generated,
            "generated_form": generated_form,
            "own_form": own_form,
        },
    )


# --- password change (logged in) ----------------------------------------------


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change_view(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(portal_url("login", request.get_full_path()))
    user = request.user
    form = PasswordChangeForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if reauth_blocked(request, user, form):
            status = 429
        elif form.is_valid():
            password_reset.set_password(user, form.password)
            # This session stays open; every other session of the user ends.
            update_session_auth_hash(request, user)
            notify_security_change(request, user, "password_changed")
            messages.success(request, _("Your password has been changed. Your other sessions are closed."))
            return HttpResponseRedirect(portal_url("password_change"))
        elif "old_password" in form.errors:
            reauth_failed(request, user, "old_password")
    return render(
        request,
        TEMPLATES + "password_change.html",
        {
            "form": form,
            "generated": generate_password(),
            "can_enroll": True,
            "has_devices": second_factor.has_confirmed_device(user),
        },
        status=status,
    )
