"""The demo's mails, printed so that a person can read them and copy their links.

Django's console backend prints the MIME source: quoted-printable text cuts a
long link with "=" at 76 characters and shows "é" as "=C3=A9", so a reply
link copied from the terminal is broken. This one prints the headers, then the
text part decoded; the HTML part and the attachments are summed up in a line.
"""

from email.header import decode_header, make_header

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

HEADERS = ("Subject", "From", "To", "Cc", "Reply-To", "Date")


def _header(value):
    # An accented subject is encoded (=?utf-8?q?...?=): shown as written.
    return str(make_header(decode_header(str(value))))


def _text(part):
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def readable(msg):
    """The lines a person reads for the MIME message ``msg``."""
    lines = [f"{name}: {_header(msg[name])}" for name in HEADERS if msg[name] is not None]
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename or part.get("Content-Disposition", "").startswith("attachment"):
            size = len(part.get_payload(decode=True) or b"")
            lines.append(f"[Attachment: {filename or '(no name)'}, {content_type}, {size} bytes]")
        elif content_type == "text/plain":
            lines += ["", _text(part).rstrip("\n"), ""]
        elif content_type == "text/html":
            # Without the line break the MIME encoder ends every text part with.
            html = _text(part).rstrip("\n")
            lines.append(f"[HTML part, {len(html)} characters]")
        else:
            lines.append(f"[{content_type} part]")
    return lines


class EmailBackend(DjangoConsoleBackend):
    """Django's console backend, printing each mail readable (``readable``)."""

    def write_message(self, message):
        self.stream.write("\n".join(readable(message.message())) + "\n")
        self.stream.write("-" * 79 + "\n")
