"""Retention of the reply links' traces.

``ReplyLinkUse`` rows (when a franchisee's link was opened or used, from
which IP address and browser) are kept AQUATIRIS_PORTAL_REPLY_LINK_USE_RETENTION_DAYS,
long enough to answer "who read this request, and when" about a recent
request, then deleted. ``ReplyLink`` rows (a token's hash, its expiry) are
deleted as long after the link stopped working (expired or revoked): until
then a dead link is told apart from a forged one in the uses list.
The franchisee's links to SPANC documents (``DocumentLink``, ``DocumentLinkUse``)
follow the same rule. Run by the notification schedule (aquatiris_portal/schedule.py JOBS).
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from ..conf import app_settings
from .models import DocumentLink, DocumentLinkUse, ReplyLink, ReplyLinkUse

# Rows deleted per statement, and statements per run (bounded; the next run goes on).
BATCH = 500
MAX_BATCHES = 40


def _delete_in_batches(queryset, model):
    deleted = 0
    for _batch in range(MAX_BATCHES):
        pks = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not pks:
            break
        deleted += model.objects.filter(pk__in=pks).delete()[0]
    return deleted


def purge_link_traces(days=None, now=None):
    """Delete the uses older than ``days`` (default: the setting; None or
    0: never) and the links dead for as long; returns (uses, links)."""
    days = app_settings.REPLY_LINK_USE_RETENTION_DAYS if days is None else days
    if not days:
        return 0, 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    uses = _delete_in_batches(ReplyLinkUse.objects.filter(created_at__lt=cutoff), ReplyLinkUse)
    links = _delete_in_batches(ReplyLink.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)), ReplyLink)
    # The franchisee's links to SPANC documents: the same rule.
    uses += _delete_in_batches(DocumentLinkUse.objects.filter(created_at__lt=cutoff), DocumentLinkUse)
    links += _delete_in_batches(DocumentLink.objects.filter(expires_at__lt=cutoff), DocumentLink)
    return uses, links


class _Report(int):
    """The number of uses deleted, with ``links``: the dead links deleted."""

    def __new__(cls, uses, links):
        report = super().__new__(cls, uses)
        report.links = links
        return report

    def __str__(self):
        return f"{int(self)} reply link use(s) and {self.links} dead reply link(s) past retention deleted"


def send_due(now=None, force=False):
    """The schedule's entry; ``force`` does not shorten the retention."""
    return _Report(*purge_link_traces(now=now))
