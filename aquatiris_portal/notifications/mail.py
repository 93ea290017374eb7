"""Queue an email: render its templates, store it, send it after commit.

    queue_mail(
        key=f"activation:{token.pk}",
        to=[account.email],
        template="aquatiris_portal/mail/activation",  # .subject.txt, .txt, .html
        context={...},
    )

Hosts override the templates like any Django template. A mail queued
without ``from_email`` gets ``default_from_email()``: the sender address
the admins set in the portal settings, else ``DEFAULT_FROM_EMAIL``.
"""

import logging

import dramatiq
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker
from wagtail import hooks

# REFUSALS_WARN_EVERY_SECONDS and Refusals stay importable from here (tests).
from .broker_refusals import BROKER_REFUSALS, REFUSALS_WARN_EVERY_SECONDS, Refusals  # noqa: F401
from .models import OutgoingMail

logger = logging.getLogger(__name__)

# Hook (wagtail.hooks) answering the sender of a mail queued without one:
# fn() -> address or "". The address is PortalSettings.sender_email (set by
# admins), which lives in snippets, a room of this layer that notifications
# may not import: the top layer (wagtail_hooks.py) registers
# snippets.site_settings.default_sender_email, as it registers the landing
# hook of accounts. Asked when the mail is queued, not at delivery, so that
# the stored row shows the From it is sent with; callers need not know.
SENDER_HOOK = "aquatiris_portal_sender_email"


def default_from_email():
    """The first address a sender hook answers, else ``DEFAULT_FROM_EMAIL``."""
    for hook in hooks.get_hooks(SENDER_HOOK):
        address = hook()
        if address:
            return address
    return settings.DEFAULT_FROM_EMAIL


def render_mail(template, context):
    subject = render_to_string(f"{template}.subject.txt", context).strip().replace("\n", " ")
    text = render_to_string(f"{template}.txt", context)
    try:
        html = render_to_string(f"{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def queue_mail(
    *,
    key,
    to,
    template,
    context,
    cc=(),
    reply_to=(),
    attachments=(),
    from_email=None,
    sensitive=False,
    headers=None,
    not_before=None,
):
    """Store the mail (idempotent on ``key``) and send it once committed.

    Returns the OutgoingMail, or the existing one if ``key`` was queued before.
    ``sensitive=True`` for mails carrying a secret: their body is erased once sent.
    ``headers``: extra headers (e.g. ``List-Unsubscribe``).
    ``not_before``: not sent before this moment; until then
    ``update_pending_mail`` may rewrite it.
    """
    recipients = [address for address in to if address]
    if not recipients:
        logger.warning("Mail %s has no recipient; not queued", key)
        return None
    existing = OutgoingMail.objects.filter(key=key).first()
    if existing:
        return existing
    subject, text, html = render_mail(template, context)
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                key=key,
                to=recipients,
                cc=[address for address in cc if address],
                reply_to=list(reply_to),
                from_email=from_email or default_from_email(),
                subject=subject,
                body_text=text,
                body_html=html,
                attachments=list(attachments),
                sensitive=sensitive,
                headers=dict(headers or {}),
                not_before=not_before,
            )
    except IntegrityError:
        return OutgoingMail.objects.get(key=key)
    transaction.on_commit(lambda: _enqueue(mail.pk, not_before))
    return mail


def update_pending_mail(mail, *, template, context, attachments=()):
    """Render ``mail`` again with ``context`` (and ``attachments``) if no
    worker has taken it yet; True if so. One conditional UPDATE: a worker
    that claims the row at the same moment either sends the new text (it
    waited for this transaction) or has it already, and this returns False."""
    subject, text, html = render_mail(template, context)
    return bool(
        OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.PENDING).update(
            subject=subject,
            body_text=text,
            body_html=html,
            attachments=list(attachments),
        )
    )


_refusals = Refusals()


def _enqueue(pk, not_before=None):
    from .tasks import deliver_mail  # the actor, declared once django_dramatiq has set the broker

    delay = None
    if not_before is not None:
        delay = max(0, int((not_before - timezone.now()).total_seconds() * 1000)) + 1000
        if isinstance(dramatiq.get_broker(), StubBroker):
            # An in-memory broker's join waits for delayed messages (tests,
            # the development worker): its periodic sweep sends the mail once due.
            return
    try:
        if delay:
            deliver_mail.send_with_options(args=(pk,), delay=delay)
        else:
            deliver_mail.send(pk)
    except BROKER_REFUSALS as error:  # broker down: the row stays pending, the periodic sweep sends it
        count = _refusals.add()
        if count:
            logger.warning(
                "The broker refused %d mail(s) since the last warning (the last: %s, %s: %s); "
                "they stay pending, the sweep sends them",
                count,
                pk,
                type(error).__name__,
                error,
            )
    except Exception:  # not an outage: a bug, worth its traceback; the sweep sends the mail all the same
        logger.exception("Could not enqueue mail %s; it stays pending", pk)
