"""Two middlewares the host adds after ``django_otp.middleware.OTPMiddleware``
and ``MessageMiddleware``:

    "aquatiris_portal.accounts.middleware.IdleTimeoutMiddleware",
    "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
"""

import time
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import LazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import access
from ..conf import app_settings
from . import memberships, presence

# Set at login for a user who must pass a second factor (view_helpers.log_in)
# and cleared once passed (second_factor_views.py); the one definition.
SECOND_FACTOR_SESSION_KEY = "aquatiris_portal_2fa_required"
# Screens a session that still owes its second factor may open.
OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "otp_verify",
        "otp_enroll",
        "activation",
        "activation_link",
        "activation_password",
        "password_reset",
        "password_reset_link",
        "password_reset_password",
    }
)

LAST_SEEN_SESSION_KEY = "aquatiris_portal_last_seen"
# Requests a page sends by itself, without anyone at the keyboard: Wagtail's
# editor pings its editing session every 10 s (and releases it on leaving).
# They are not activity, or an editor left open would never be logged out.
# (The portal's own keep-alive is sent by a click on "Stay logged in".)
BACKGROUND_URL_NAMESPACES = frozenset({"wagtailadmin_editing_sessions"})
# When the session was first seen logged in (a login rotates the session,
# so a new login starts a new count).
STARTED_SESSION_KEY = "aquatiris_portal_session_started"


def is_django_admin(match, view_func=None):
    """Whether a resolved view belongs to a Django ``AdminSite``, wherever
    the host mounts it (``django-admin/``, ``backstage/``...): the URL
    patterns of ``site.urls`` carry the app name "admin"; views of
    ``site.get_urls()`` included without it are wrapped with ``admin_site``
    set, or are the site's own methods (login, logout)."""
    if match is None:
        return False
    if "admin" in match.app_names:
        return True
    func = view_func or match.func
    if getattr(func, "admin_site", None) is not None or getattr(func, "model_admin", None) is not None:
        return True
    if not apps.is_installed("django.contrib.admin"):
        return False
    from django.contrib.admin.sites import AdminSite  # its models need the app installed

    return isinstance(getattr(func, "__self__", None), AdminSite)


def loaded_user(user):
    """The user object behind ``request.user``'s lazy wrappers (Django's
    authentication and django_otp's each add one), loaded as they would on
    first use. A logged-in person's pages ask ``access`` about the user some
    twenty times; through two proxies each attribute cost several calls."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def _safe_redirect(request, next_url, fallback):
    """On to ``next_url`` if it stays on the site, else to ``fallback``."""
    if not next_url or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = fallback
    return HttpResponseRedirect(next_url)


def _redirect(url_name, next_url=None):
    url = reverse(f"aquatiris_portal:{url_name}")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return HttpResponseRedirect(url)


class IdleTimeoutMiddleware:
    """Ends a session left idle longer than AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS,
    and any session older than AQUATIRIS_PORTAL_SESSION_MAX_SECONDS.

    The last activity is written at most once a minute (not on every
    request) to spare the session store.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_path = None

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            self._check(request, session, int(time.time()))
            request.user = loaded_user(request.user)
            memberships.remember_choice(request)  # a landlord's chosen record, for access
            presence.touch(request)  # « last came » on « Personnes », at most once per few minutes
        return self.get_response(request)

    def is_background(self, request):
        """Whether the request is one a page sends by itself (resolved only
        under the Wagtail admin, where those pings live)."""
        if self._admin_path is None:
            try:
                self._admin_path = reverse("wagtailadmin_home")
            except NoReverseMatch:
                self._admin_path = ""
        if not self._admin_path or not request.path.startswith(self._admin_path):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return bool(set(match.namespaces) & BACKGROUND_URL_NAMESPACES)

    def _check(self, request, session, now):
        # However active, a session lasts AQUATIRIS_PORTAL_SESSION_MAX_SECONDS
        # from its login at most (ASVS 3.3.2): Django's SESSION_COOKIE_AGE
        # alone slides with every write of the session.
        longest = app_settings.SESSION_MAX_SECONDS
        started = session.get(STARTED_SESSION_KEY)
        if longest and started is not None and now - started > longest:
            logout(request)
            messages.info(
                request,
                _("For your security, you were logged out after %(hours)s hours. Please log in again.")
                % {"hours": round(longest / 3600)},
            )
            return
        if started is None:
            session[STARTED_SESSION_KEY] = now
        idle = app_settings.SESSION_IDLE_SECONDS
        if not idle:
            return
        last = session.get(LAST_SEEN_SESSION_KEY)
        if last is not None and now - last > idle:
            logout(request)
            messages.info(request, _("You were logged out after a period without activity. Please log in again."))
        elif last is None or (now - last >= min(60, max(1, idle // 10)) and not self.is_background(request)):
            session[LAST_SEEN_SESSION_KEY] = now


class SecondFactorMiddleware:
    """No door into an admin of the host skips the second factor.

    Wagtail's admin: every URL under it, its login and password reset
    included. Django's admin, wherever the host mounts it (every
    ``wagtail start`` site has ``django-admin/``), is recognised by its
    resolved view (``is_django_admin``), not by a path. In both, anonymous
    visitors go to the portal's login (throttled, then second factor) or
    lost password; a logged-in user who has not passed the second factor
    goes to the verification (or enrolment) step; and an admin's own login
    form is never shown (a second password check without the throttle):
    a verified user is sent on to the page asked for.

    Outside the admin, ``access`` is the floor: ``spanc_for`` and
    ``is_records_staff`` give nothing before the second factor, and the pro
    space sends such a user to the verification step. A session opened by
    the portal's login for a user who owes a second factor (SPANC, staff, a
    client who set up an app) is moreover kept on the account screens until
    it is passed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_paths = None
        self._frontend_login_path = None

    def frontend_login_path(self):
        """Wagtail's own front-end login (``wagtailcore_login``, where private
        pages and documents send people unless WAGTAIL_FRONTEND_LOGIN_URL
        says otherwise): it has neither the throttle nor the second factor."""
        if self._frontend_login_path is None:
            try:
                self._frontend_login_path = reverse("wagtailcore_login")
            except NoReverseMatch:
                self._frontend_login_path = ""
        return self._frontend_login_path

    def admin_paths(self):
        if self._admin_paths is None:
            try:
                self._admin_paths = (
                    reverse("wagtailadmin_home"),
                    reverse("wagtailadmin_login"),
                    reverse("wagtailadmin_password_reset"),
                )
            except NoReverseMatch:  # the host has no Wagtail admin URLs
                self._admin_paths = ()
        return self._admin_paths

    def __call__(self, request):
        if request.path == self.frontend_login_path():  # GET and POST alike: the portal's login instead
            return _redirect("login", request.GET.get("next"))
        paths = self.admin_paths()
        if paths and request.path.startswith(paths[0]):
            response = self.guard_admin(request, *paths)
            if response is not None:
                return response
        return self.get_response(request)

    def guard_admin(self, request, home, login_path, reset_path):
        user = request.user
        if not user.is_authenticated:
            if request.path.startswith(reset_path):
                return _redirect("password_reset")
            if request.path == login_path:
                return _redirect("login", request.GET.get("next") or home)
            return _redirect("login", request.get_full_path())
        if not access.is_verified(user):
            if request.path == login_path:
                next_url = request.GET.get("next") or home
            else:
                next_url = request.get_full_path()
            return _redirect("otp_verify", next_url)
        if request.path == login_path:  # Wagtail's form would check a password without the throttle
            return _safe_redirect(request, request.GET.get("next"), home)
        return None

    def guard_django_admin(self, request, match):
        is_login = match.url_name == "login"
        if is_login and request.path.endswith("/login/"):
            index = request.path[: -len("login/")]  # this mount's index (a site may be mounted twice)
        else:
            try:
                index = reverse(f"{match.namespace}:index") if match.namespace else "/"
            except NoReverseMatch:
                index = "/"
        next_url = (request.GET.get("next") or index) if is_login else request.get_full_path()
        user = request.user
        if not user.is_authenticated:
            return _redirect("login", next_url)
        if not access.is_verified(user):
            return _redirect("otp_verify", next_url)
        if is_login:  # Django's login form checks passwords without the throttle
            return _safe_redirect(request, next_url, index)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if is_django_admin(match, view_func):
            response = self.guard_django_admin(request, match)
            if response is not None:
                return response
        session = getattr(request, "session", None)
        if session is None or not session.get(SECOND_FACTOR_SESSION_KEY):
            return None
        if match is not None and match.namespace == "aquatiris_portal" and match.url_name in OPEN_URL_NAMES:
            return None
        user = request.user
        if not user.is_authenticated or access.is_verified(user):
            return None
        return _redirect("otp_verify", request.get_full_path())
