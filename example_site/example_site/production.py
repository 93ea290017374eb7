"""Production settings: ``DJANGO_SETTINGS_MODULE=example_site.production``.

``manage.py check --deploy`` reports nothing with these.
"""

import os

from .settings import *  # noqa: F401,F403

DEBUG = False
AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS = False  # development only: jobs run under rundramatiq here
if "SECRET_KEY" not in os.environ:
    raise RuntimeError("Set SECRET_KEY in the environment for production.")
SECRET_KEY = os.environ["SECRET_KEY"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the reverse proxy every request comes from the proxy's address: the
# person's address is the right-most X-Forwarded-For entry not written by the
# site's own proxies (TRUSTED_PROXY_COUNT of them, default 1). Set
# CLIENT_IP_HEADER="" only when Django faces the Internet with no proxy.
_ip_header = os.environ.get("CLIENT_IP_HEADER", "X-Forwarded-For").strip()
AQUATIRIS_PORTAL_CLIENT_IP_HEADER = (
    (_ip_header if _ip_header.startswith("HTTP_") else "HTTP_" + _ip_header.upper().replace("-", "_"))
    if _ip_header else None
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
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
