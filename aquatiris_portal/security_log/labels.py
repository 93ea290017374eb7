"""The security log's event kinds as people read them (« Mes données »).

The kinds stay codes in the rows and log lines (what tools filter on); a
person reading their own log sees these labels. Kinds written by other rooms
(trusted browsers, reply links, sending limits, serial patterns) are named
by their code here: this room imports none of them.
"""

from django.utils.translation import gettext_lazy as _

from .events import Kind

LABELS = {
    Kind.LOGIN: _("Logged in"),
    Kind.LOGIN_FAILED: _("Login refused"),
    Kind.LOCKOUT: _("Login blocked after too many attempts"),
    Kind.LOGOUT: _("Logged out"),
    Kind.OTP_FAILED: _("Wrong second-factor code"),
    Kind.OTP_VERIFIED: _("Second factor passed"),
    Kind.ENROLMENT: _("Second factor set up"),
    Kind.BACKUP_CODES: _("New backup codes"),
    Kind.REAUTH_FAILED: _("Password confirmation refused"),
    Kind.PASSWORD_CHANGED: _("Password changed"),
    Kind.PASSWORD_RESET: _("Password reset"),
    Kind.ACCOUNT_ACTIVATED: _("Account activated"),
    Kind.EMAIL_CHANGED: _("Email address changed"),
    Kind.EXPORT: _("Export"),
    Kind.DOCUMENT_DOWNLOAD: _("File opened"),
    Kind.SETTINGS_CHANGED: _("Settings changed"),
    Kind.SYNC_DOWNLOAD: _("File fetched by the internal system"),
    Kind.VIEW_AS_CLIENT_START: _("Client space viewed by Aquatiris staff: start"),
    Kind.VIEW_AS_CLIENT_END: _("Client space viewed by Aquatiris staff: end"),
    Kind.TOKEN_REFUSED: _("Link refused"),
    Kind.PERSON_INVITED: _("Person invited"),
    Kind.INVITATION_CANCELLED: _("Invitation cancelled"),
    Kind.PERSON_JOINED: _("Person joined"),
    Kind.PERSON_REMOVED: _("Person removed"),
    "trusted_browser_added": _("Browser trusted"),
    "trusted_browser_used": _("Trusted browser used"),
    "trusted_browser_refused": _("Trusted browser refused"),
    "trusted_browser_revoked": _("Trusted browser revoked"),
    "reply_link_revoked": _("Reply link revoked"),
    "send_limit_reached": _("Sending limit reached"),
    "serial_pattern_unusable": _("Serial number rule unusable"),
}


def event_label(kind: str) -> str:
    """The label of ``kind``; an unknown kind (a free string) as it is."""
    label = LABELS.get(kind)
    return str(label) if label is not None else kind
