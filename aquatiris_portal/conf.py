"""Package settings, read on access so that ``override_settings`` works.

Every setting is ``AQUATIRIS_PORTAL_<NAME>`` in the host's settings; the
defaults below apply when it is absent. Nothing is read at import time.

    from aquatiris_portal.conf import app_settings
    app_settings.UPLOAD_MAX_BYTES
"""

import warnings
from typing import Any

from django.conf import settings
from django.core import checks

DEFAULTS = {
    # Private storage for PortalDocument files. If the host defines
    # STORAGES[PRIVATE_STORAGE_ALIAS] it is used; otherwise a local folder.
    "PRIVATE_STORAGE_ALIAS": "aquatiris_portal_private",
    "PRIVATE_ROOT": None,  # default: <BASE_DIR>/private
    # Lifetime of a presigned URL for remote storages (seconds).
    "PRESIGNED_URL_SECONDS": 60,
    # Uploads (client requests and SPANC documents).
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "UPLOAD_MAX_FILES": 5,
    # Images above this many pixels are refused before they are decoded
    # (a small PNG can unpack into gigabytes of memory).
    "UPLOAD_MAX_PIXELS": 40_000_000,
    # Every check that parses an untrusted file (an upload's PDF objects,
    # an image's decode, an export's DOCX) runs in a child process killed
    # beyond this many seconds (CPU and wall clock) or bytes of address
    # space (filecheck/): the file is then refused.
    "FILE_CHECK_SECONDS": 10,
    "FILE_CHECK_MEMORY_BYTES": 512 * 1024 * 1024,
    # The checks of all the files one form sends share this many seconds,
    # so five hostile files cannot hold a worker five times as long.
    "FILE_CHECK_FORM_SECONDS": 15,
    # Files that passed the checks on a form sent back with an error wait
    # this long for the form (enquiries/pending_uploads.py reads it).
    "PENDING_UPLOAD_HOURS": 24,
    # Themes.
    "CERTIFICATE_THEME_SLUG": "garanties",
    "MAINTENANCE_THEME_SLUG": "entretien",
    "SPANC_UPLOAD_THEME_SLUG": "spanc",
    # Client space: the group of client users (a Wagtail collection of
    # generic maintenance guides is restricted to it) and that collection.
    "CLIENT_GROUP_NAME": "Portal clients",
    "MAINTENANCE_GUIDES_COLLECTION": "Guides d'entretien",
    # Whether clients see documents uploaded by their SPANC.
    "CLIENTS_SEE_SPANC_UPLOADS": False,
    # "Voir comme un client": the clients (external ids) staff without the
    # records' permission may view the space as (pages/view_as_client.py).
    "VIEW_AS_TEST_CLIENTS": (),
    # Accounts.
    "ACTIVATION_LINK_HOURS": 72,
    "RESET_LINK_HOURS": 1,
    # « Personnes »: an invitation's link lives this many hours; a record has
    # at most this many people, pending invitations included (owner/manager too).
    "INVITATION_LINK_HOURS": 72,
    "PEOPLE_PER_CLIENT": 5,
    "PEOPLE_PER_SPANC": 30,
    # A person's « last came » (Membership.last_seen_at) is written at most this often.
    "LAST_SEEN_MINUTES": 15,
    "SESSION_IDLE_SECONDS": 30 * 60,
    # However active, a logged-in session ends this long after its login (0: never).
    "SESSION_MAX_SECONDS": 12 * 3600,
    "LOGIN_URL_NAME": "aquatiris_portal:login",
    # Throttling (accounts/throttle.py): per account (canonical email), per
    # (account, IP) pair and per IP, a fixed window of "minutes"; login
    # counts failures, activation and lost password count every request.
    "THROTTLE_RATES": {
        "login": {"pair": 5, "account": 20, "ip": 100, "minutes": 15},
        "activation": {"account": 5, "ip": 30, "minutes": 60},
        "reset": {"account": 5, "ip": 30, "minutes": 60},
        # Invitations: "account" is the invited address, "ip" the inviter's address.
        "invitation": {"account": 3, "ip": 30, "minutes": 60},
        "otp": {"account": 10, "ip": 100, "minutes": 15},
    },
    # META key holding the client's IP behind a trusted proxy, e.g.
    # "HTTP_X_FORWARDED_FOR"; None: REMOTE_ADDR (no proxy). The address used
    # is the right-most one not written by the site's own proxies
    # (security_log/request_ip.py), TRUSTED_PROXY_COUNT being how many
    # proxies stand in front of Django.
    "CLIENT_IP_HEADER": None,
    "TRUSTED_PROXY_COUNT": 1,
    # Security log (security_log/): events are kept this many days.
    "SECURITY_LOG_DAYS": 180,
    # Document access log (security_log/access_models.py, « Qui a consulté mes
    # documents »): rows kept this many days (None or 0: for ever); the page states it.
    "DOCUMENT_ACCESS_RETENTION_DAYS": 365,
    # Link routes without a login (security_log/refusals.py): an address
    # (an IPv6 /64) with this many refused tokens on a route within
    # "minutes" is refused there until the window ends.
    "TOKEN_REFUSAL_LIMIT": {"refused": 20, "minutes": 15},
    # Activation and lost password answer no sooner than this, whether or
    # not the email or code exists (no timing enumeration).
    "AUTH_MIN_RESPONSE_SECONDS": 0.4,
    # Lifetime of a code sent by email for the second factor.
    "OTP_EMAIL_CODE_MINUTES": 10,
    # A SPANC person may tick "trust this browser" at the second factor: that
    # browser skips the code for this many days (accounts/trusted_browsers.py;
    # never staff). 0: the box is not offered and no cookie is honoured.
    "TRUSTED_BROWSER_DAYS": 30,
    # Mail.
    "MAIL_MAX_RETRIES": 10,
    # Files written only to be attached to one mail (a visit's .ics) are
    # deleted this many days after the mail was sent (notifications/retention.py).
    "MAIL_ATTACHMENT_RETENTION_DAYS": 30,
    # Personal data kept no longer than needed (docs/operations.md, "What is kept"): the
    # text of sent mails is blanked, reply link uses (IP, browser) and dead
    # reply links deleted, delivered outbox events (their payloads) deleted,
    # this many days on (None or 0: kept for ever).
    "MAIL_BODY_RETENTION_DAYS": 30,
    "REPLY_LINK_USE_RETENTION_DAYS": 90,
    "OUTBOX_RETENTION_DAYS": 30,
    # Development only (refused by a system check when DEBUG is off): run
    # the background jobs in a thread of runserver on a StubBroker
    # (devworker.py), so mails go out with no Redis and no rundramatiq.
    "RUN_JOBS_IN_PROCESS": False,
    # With it, runserver also sends, this often (seconds), the mails other
    # processes left pending (a shell; commands send their own before exiting).
    "RUN_JOBS_SWEEP_SECONDS": 15,
    # Sync.
    "SYNC_SOURCE": None,  # folder or s3://bucket/prefix/ polled by the schedule
    "SYNC_INTERVAL_MINUTES": 5,
    # The internal system's "an export is ready" push (sync/push.py): its
    # own HMAC secret (None: the push URL is a 404, the schedule alone
    # imports) and how far a call's timestamp may be from now (seconds).
    "PUSH_SECRET": None,
    "PUSH_WINDOW_SECONDS": 300,
    "DOCUMENT_RETENTION_DAYS": 90,
    # Outbox.
    "OUTBOX_URL": None,  # receiver of the internal system
    "OUTBOX_SECRET": None,  # shared HMAC secret
    "OUTBOX_TIMEOUT_SECONDS": 10,
    "OUTBOX_MAX_RETRIES": 20,
    # Lifetime of the signed download links sent to the internal system
    # (document_uploaded, request attachments), from each delivery (seconds).
    "OUTBOX_DOWNLOAD_URL_SECONDS": 3600,
    # Records per transaction of an import.
    "SYNC_BATCH_SIZE": 5000,
    # An export's file above this size, or a line of its records.jsonl above
    # this one, is quarantined (not read further); the rest is imported.
    "SYNC_MAX_FILE_BYTES": 100 * 1024 * 1024,
    "SYNC_MAX_LINE_BYTES": 1024 * 1024,
    # Requests exports of the admin (XLSX/CSV files built by a background
    # job) are deleted, files included, this many days after they were asked.
    "EXPORT_RETENTION_DAYS": 7,
    # « Dossier de l'installation » and « Mes données »: the mailed link is
    # valid this many days; an archive above this many bytes is not built
    # (the person is told to contact their franchisee).
    "ARCHIVE_LINK_DAYS": 7,
    "ARCHIVE_MAX_BYTES": 2 * 1024 * 1024 * 1024,
    # Request threads: a closed request can be reopened by its
    # client for this many days; a franchisee's reply link lives this many
    # days; a request whose client spoke last waits for an answer after
    # this many hours (admin listing, dashboard); the client's "someone
    # answered" mail carries the text (else it stays behind the login).
    "REQUEST_REOPEN_DAYS": 30,
    "REPLY_LINK_DAYS": 7,
    "REPLY_LINK_THROTTLE": {"link": 30, "ip": 60, "minutes": 15},
    "ANSWER_DUE_HOURS": 48,
    "MAIL_INCLUDES_MESSAGE": False,
    # What one client or SPANC account may send (enquiries/limits.py):
    # requests, thread replies and SPANC uploads, per hour and per day, and
    # the bytes of their files per day (0: no limit). Over a limit the form
    # says so; nothing is stored nor mailed.
    "SEND_LIMIT_PER_HOUR": 10,
    "SEND_LIMIT_PER_DAY": 30,
    "SEND_LIMIT_BYTES_PER_DAY": 50 * 1024 * 1024,
    # A client's replies in a thread within this many minutes of the first
    # go to the franchisee (and the network head) as one mail, sent when the
    # window ends (enquiries/threads.py). 0: one mail per reply, at once.
    "REPLY_MAIL_WINDOW_MINUTES": 5,
    # Digests: a client's new documents at most once per CLIENT_DIGEST_HOURS,
    # a SPANC's new folders and shared documents once per SPANC_DIGEST_DAYS.
    "CLIENT_DIGEST_HOURS": 24,
    "SPANC_DIGEST_DAYS": 7,
    # Visits: the client's reminder (with an .ics) this many days
    # before a planned visit; the SPANC list's filter "no maintenance for
    # more than N months" (its default choice).
    "VISIT_REMINDER_DAYS": 7,
    "SPANC_MAINTENANCE_OVERDUE_MONTHS": 24,
    # A SPANC's proof-of-maintenance request covers at most this many folders
    # at once (enquiries/proofs.py reads it).
    "PROOF_BULK_MAX": 500,
    # Absolute URL of the site (for links in mails and outbox events); default
    # WAGTAILADMIN_BASE_URL, and under DEBUG only runserver's address (public_base_url()).
    "PUBLIC_BASE_URL": None,
    # Editors' content shown on every page (news stream, portal settings,
    # stage names) is cached (content_cache.py) in this Django cache, which
    # must be shared by the server processes (Redis, Memcached) for edits to
    # show everywhere at once. Signals invalidate it; the lifetime (seconds)
    # is a safety net for changes made without signals. 0 disables it.
    "CONTENT_CACHE_ALIAS": "default",
    "CONTENT_CACHE_SECONDS": 300,
}


PREFIX = "AQUATIRIS_PORTAL_"


class AquatirisPortalDeprecationWarning(DeprecationWarning):
    """Base of the package's deprecation warnings: ``removed_in`` is the
    version that drops what the warning is about."""

    removed_in = ""


class RemovedInAquatirisPortal03Warning(AquatirisPortalDeprecationWarning):
    """What still works in 0.2 and stops working in 0.3 (a renamed setting's
    old name). Like Wagtail's RemovedInWagtailXXWarning: a host filters it
    by class (`python -W error::aquatiris_portal.conf.RemovedInAquatirisPortal03Warning`)."""

    removed_in = "0.3"


# Deprecations made in this minor version live one minor version more
# (CONTRIBUTING.md, "Renaming a setting").
RemovedInNextVersionWarning = RemovedInAquatirisPortal03Warning

# Renamed settings: old name -> (new name, the warning naming the version that
# drops the old name). Reading the new name falls back to the old one, with
# that warning; system check aquatiris_portal.W020 names both. docs/settings.md
# lists them ("Renamed settings"). Example:
#     "REPLY_LINK_LIFETIME_DAYS": ("REPLY_LINK_DAYS", RemovedInAquatirisPortal03Warning),
RENAMED_SETTINGS: dict[str, tuple[str, type[AquatirisPortalDeprecationWarning]]] = {}


def _renamed_from(name: str) -> list[tuple[str, type[AquatirisPortalDeprecationWarning]]]:
    """The old names of setting `name` the host still sets, oldest rename first."""
    return [
        (old, warning)
        for old, (new, warning) in RENAMED_SETTINGS.items()
        if new == name and hasattr(settings, PREFIX + old)
    ]


class AppSettings:
    prefix = PREFIX

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            renamed = RENAMED_SETTINGS.get(name)
            hint = f" (renamed {renamed[0]})" if renamed else ""
            raise AttributeError(f"Unknown aquatiris_portal setting: {name}{hint}")
        if hasattr(settings, self.prefix + name):
            return getattr(settings, self.prefix + name)
        for old, warning in _renamed_from(name):
            warnings.warn(
                f"{PREFIX}{old} is renamed {PREFIX}{name}; the old name stops working in "
                f"aquatiris-portal {warning.removed_in}.",
                warning,
                stacklevel=2,
            )
            return getattr(settings, self.prefix + old)
        return DEFAULTS[name]


app_settings = AppSettings()


@checks.register(checks.Tags.compatibility)
def check_renamed_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """aquatiris_portal.W020: the host sets a renamed setting's old name
    (read with a warning until the version that drops it, or ignored when
    the new name is set too)."""
    found: list[checks.CheckMessage] = []
    for old, (new, warning) in RENAMED_SETTINGS.items():
        if not hasattr(settings, PREFIX + old):
            continue
        if hasattr(settings, PREFIX + new):
            message = f"{PREFIX}{old} is ignored: it is renamed {PREFIX}{new}, which your settings also set."
        else:
            message = (
                f"{PREFIX}{old} is renamed {PREFIX}{new}; the old name is read until "
                f"aquatiris-portal {warning.removed_in}."
            )
        found.append(
            checks.Warning(
                message,
                hint=f"Write {PREFIX}{new} in your settings and remove {PREFIX}{old}.",
                id="aquatiris_portal.W020",
            )
        )
    return found


# Where `manage.py runserver` listens by default: the links' address in
# development only. Outside DEBUG there is no default (check W008 says so).
DEV_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
# Wagtail's `wagtail start` writes this placeholder into WAGTAILADMIN_BASE_URL.
PLACEHOLDER_BASE_URLS = {"", "http://example.com", "https://example.com"}


def public_base_url() -> str:
    """The site's absolute URL without a trailing slash, for links in mails
    and events sent from a job (no request at hand): PUBLIC_BASE_URL, else
    Django's WAGTAILADMIN_BASE_URL; when that is unset or Wagtail's
    placeholder, DEV_PUBLIC_BASE_URL under DEBUG, else ""."""
    url = str(app_settings.PUBLIC_BASE_URL or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    if url.lower() in PLACEHOLDER_BASE_URLS and settings.DEBUG:
        return DEV_PUBLIC_BASE_URL
    return url
