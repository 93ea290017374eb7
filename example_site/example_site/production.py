"""Production settings: ``DJANGO_SETTINGS_MODULE=example_site.production``.

``manage.py check --deploy`` reports nothing with these.
"""

import os

import django
from django.core.exceptions import ImproperlyConfigured

from . import mail_settings
from .csp import PORTAL_POLICY
from .settings import *  # noqa: F401,F403

DEBUG = False
AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False  # development only: jobs run under rundramatiq here
# The key comes from the environment, whatever DEMO says; never the demo's.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment: the production settings refuse to start without it or with the demo key."
    )

# Mail carries recaps, reply links and one-time codes: it leaves over TLS,
# STARTTLS by default (EMAIL_USE_TLS) or implicit TLS (EMAIL_USE_SSL=1, port
# 465). In clear only on purpose (EMAIL_INSECURE=1, a relay on this machine),
# and `check --deploy` still says so (aquatiris_portal.W011). mail_settings.py
# writes MAILERS on Django 6.1, the EMAIL_* settings before it.
globals().update(mail_settings.from_environment(env, env_bool, production=True))  # noqa: F405

# The links in mails and outbox events: PUBLIC_BASE_URL, else https:// and the
# first named host of ALLOWED_HOSTS (never runserver's address: the package has
# no default outside DEBUG, and `check` warns about a loopback one, W008).
_public_host = next((host for host in ALLOWED_HOSTS if host != "*" and not host.startswith(".")), "")  # noqa: F405
AQUATIRIS_PORTAL_PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or (
    f"https://{_public_host}" if _public_host else None
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the reverse proxy every request comes from the proxy's address: the
# person's address is the right-most X-Forwarded-For entry not written by the
# site's own proxies (TRUSTED_PROXY_COUNT of them, default 1). Set
# CLIENT_IP_HEADER="" only when Django faces the Internet with no proxy.
_ip_header = os.environ.get("CLIENT_IP_HEADER", "X-Forwarded-For").strip()
AQUATIRIS_PORTAL_CLIENT_IP_HEADER = (
    (_ip_header if _ip_header.startswith("HTTP_") else "HTTP_" + _ip_header.upper().replace("-", "_"))
    if _ip_header
    else None
)
AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# __Host- cookies: the browser keeps them only if Secure, for the whole site
# (Path=/) and without a Domain, so no other subdomain can set or read them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (csp.py): Django's own on Django 6, django-csp on 5.2.
if django.VERSION >= (6, 0):
    SECURE_CSP = PORTAL_POLICY
    _CSP_MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": PORTAL_POLICY}
    _CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405
MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 : 0] = [
    _CSP_MIDDLEWARE,
    "example_site.csp.AdminPolicyMiddleware",
]

# A new dict: the one imported from .settings is shared with any process
# that imports both modules (a test reading these settings), and must not change.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
