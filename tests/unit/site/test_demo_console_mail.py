"""The demo prints its mails so that a person can read them and copy their
links: headers, then the text part decoded (a long link whole on one line,
accents as typed, never quoted-printable), the HTML part and the attachments
summed up (example_site/console_mail.py), on Django 6.1's MAILERS and on
Django 5.2's EMAIL_BACKEND alike (example_site/mail_settings.py)."""

import io
import os
import subprocess
import sys

from django.core import mail

from example_site import console_mail, mail_settings
from tests.unit.site.test_safe_defaults import ROOT, SECRET

LINK = "https://portail.aquatiris.example/r/lien/" + "juYTFkg6_8BoxdRv2SyGGoj-" * 4
assert len(LINK) >= 120
TEXT = f"Bonjour Anne-Sophie,\n\nVotre réponse à la demande « Vidange » est arrivée : {LINK}\n\nÀ bientôt, l'équipe"

SEND = """
import sys, django
django.setup()
from django.core import mail
message = mail.EmailMultiAlternatives(
    "Réponse à votre demande", sys.argv[1], "portail@example.org", ["anne@example.org"]
)
message.attach_alternative("<p>" + sys.argv[1] + "</p>", "text/html")
message.attach("devis.pdf", b"%PDF-1.4 " + b"x" * 991, "application/pdf")
message.send()
"""


def _demo_prints(text):
    """What a fresh process on the demo's settings prints when it sends a mail."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL"} and not key.startswith("EMAIL_")
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        DJANGO_SETTINGS_MODULE="example_site.settings",
        DEMO="1",
        SECRET_KEY=SECRET,
        PYTHONIOENCODING="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", SEND, text], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_prints_a_long_link_whole_on_one_line_and_the_accents_as_typed():
    printed = _demo_prints(TEXT)
    lines = printed.splitlines()
    assert "Subject: Réponse à votre demande" in lines and "To: anne@example.org" in lines
    assert any(LINK in line for line in lines), printed  # copied as printed, the link works
    assert "« Vidange » est arrivée" in printed and "À bientôt, l'équipe" in printed
    assert "=C3=A9" not in printed and "=\n" not in printed
    assert f"[HTML part, {len(TEXT) + 7} characters]" in lines
    assert "[Attachment: devis.pdf, application/pdf, 1000 bytes]" in lines


def test_both_shapes_of_the_settings_name_the_readable_console_backend():
    assert mail_settings.CONSOLE == "example_site.console_mail.EmailBackend"
    new = mail_settings.from_environment(
        lambda name, default=None: default, lambda name, default: default, mailers_supported=True
    )
    old = mail_settings.from_environment(
        lambda name, default=None: default, lambda name, default: default, mailers_supported=False
    )
    assert new == {"MAILERS": {"default": {"BACKEND": mail_settings.CONSOLE, "OPTIONS": {}}}}
    assert old == {"EMAIL_BACKEND": mail_settings.CONSOLE}


def test_each_mail_is_printed_in_full_and_ends_with_a_rule():
    stream = io.StringIO()
    backend = console_mail.EmailBackend(stream=stream)
    messages = [mail.EmailMessage(f"Sujet {n}", f"Corps {n} é", "a@example.org", ["b@example.org"]) for n in range(2)]
    assert backend.send_messages(messages) == 2
    printed = stream.getvalue()
    assert printed.count("-" * 79 + "\n") == 2
    assert printed.index("Sujet 0") < printed.index("Corps 0 é") < printed.index("Sujet 1") < printed.index("Corps 1 é")
