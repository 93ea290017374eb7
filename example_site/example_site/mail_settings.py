"""The example site's mail settings, from the environment (docs/operations.md).

Django 6.1 replaces the EMAIL_* connection settings by MAILERS (and warns
about each EMAIL_* a settings module sets); Django 5.2 knows only EMAIL_*.
``mail_settings()`` writes one mailer in the shape the running Django reads,
``from_environment()`` holds the site's rules; settings.py, production.py and
the tests' SMTP sink all go through them.
"""

import django
from django.core.exceptions import ImproperlyConfigured

MAILERS_SUPPORTED = django.VERSION >= (6, 1)
SMTP = "django.core.mail.backends.smtp.EmailBackend"
# Django's console backend, printing each mail decoded: a link on one line.
CONSOLE = "example_site.console_mail.EmailBackend"

# A MAILERS option of the SMTP backend and the EMAIL_* setting it replaces.
LEGACY_NAMES = {
    "host": "EMAIL_HOST",
    "port": "EMAIL_PORT",
    "username": "EMAIL_HOST_USER",
    "password": "EMAIL_HOST_PASSWORD",
    "use_tls": "EMAIL_USE_TLS",
    "use_ssl": "EMAIL_USE_SSL",
    "timeout": "EMAIL_TIMEOUT",
    "ssl_certfile": "EMAIL_SSL_CERTFILE",
    "ssl_keyfile": "EMAIL_SSL_KEYFILE",
}


def mail_settings(backend, *, mailers_supported=MAILERS_SUPPORTED, **options):
    """The settings sending the default mail through *backend* with *options*
    (named as MAILERS names them: host, port, username, use_tls...)."""
    unknown = set(options) - set(LEGACY_NAMES)
    if unknown:
        raise ImproperlyConfigured(f"Unknown mail options: {', '.join(sorted(unknown))}.")
    if mailers_supported:
        return {"MAILERS": {"default": {"BACKEND": backend, "OPTIONS": options}}}
    return {"EMAIL_BACKEND": backend, **{LEGACY_NAMES[name]: value for name, value in options.items()}}


def from_environment(env, env_bool, *, production=False, mailers_supported=MAILERS_SUPPORTED):
    """Mails printed to the terminal without EMAIL_HOST, else SMTP to it.

    In production (recaps, reply links and one-time codes) SMTP goes over
    TLS: STARTTLS unless EMAIL_USE_SSL=1 asks for implicit TLS; in clear only
    with EMAIL_INSECURE=1, a relay on the same machine (``check --deploy``
    still says so, aquatiris_portal.W011). *env* and *env_bool* read a
    variable as settings.py does.
    """
    if not env("EMAIL_HOST"):
        return mail_settings(CONSOLE, mailers_supported=mailers_supported)
    use_ssl = env_bool("EMAIL_USE_SSL", False)
    use_tls = env_bool("EMAIL_USE_TLS", production and not use_ssl)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both.")
    if production and not (use_tls or use_ssl) and not env_bool("EMAIL_INSECURE", False):
        raise ImproperlyConfigured(
            "The production settings send mail over TLS: set EMAIL_USE_TLS=1 (STARTTLS) "
            "or EMAIL_USE_SSL=1 (implicit TLS), or EMAIL_INSECURE=1 for a relay on "
            "this machine."
        )
    port = env("EMAIL_PORT", "25")
    try:
        port = int(port)
    except ValueError:
        raise ImproperlyConfigured(f"EMAIL_PORT must be a number, not {port!r}.") from None
    return mail_settings(
        SMTP,
        mailers_supported=mailers_supported,
        host=env("EMAIL_HOST"),
        port=port,
        username=env("EMAIL_HOST_USER", ""),
        password=env("EMAIL_HOST_PASSWORD", ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )
