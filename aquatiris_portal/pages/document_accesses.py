"""« Qui a consulté mes documents »: the client space's page listing every
opening or download of the client's documents by someone else (a SPANC
agent, the franchisee through a personal link, Aquatiris staff, another
person of the household), newest first, from the document access log
(security_log/access_models.py). The viewer's own readings are left out;
the internal system's downloads are not a person reading and are left out
too. Staff are named by a reference only. Bounded queries: one page of rows,
then one query per kind of file to link the documents still readable.
"""

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import access
from ..conf import app_settings
from ..enquiries import visibility
from ..enquiries.models import RequestAttachment
from ..records.local_dates import date_text, date_time_text
from ..security_log.access_models import DocumentAccess

PER_PAGE = 25
LINKED_KINDS = (DocumentAccess.FileKind.DOCUMENT, DocumentAccess.FileKind.ATTACHMENT)
SHOWN_ACTORS = (
    DocumentAccess.Actor.SPANC,
    DocumentAccess.Actor.FRANCHISEE,
    DocumentAccess.Actor.STAFF,
    DocumentAccess.Actor.OWNER,
    DocumentAccess.Actor.HOUSEHOLD,
)


def accesses_for(user, client):
    """The rows the page lists for ``user`` of ``client``: not theirs, not the system's."""
    return (
        DocumentAccess.objects.filter(client=client, actor__in=SHOWN_ACTORS)
        .exclude(user=user)
        .order_by("-created_at", "-pk")
    )


def retention_text():
    days = app_settings.DOCUMENT_ACCESS_RETENTION_DAYS
    if not days:
        return _("We keep this history for as long as your account exists.")
    if days % 365 == 0:
        years = days // 365
        return ngettext("We keep this history %(count)d year.", "We keep this history %(count)d years.", years) % {
            "count": years
        }
    return ngettext("We keep this history %(count)d day.", "We keep this history %(count)d days.", days) % {
        "count": days
    }


def who(row):
    """The reader as the client reads it."""
    if row.actor == DocumentAccess.Actor.SPANC:
        return row.actor_name or _("your SPANC")
    if row.actor == DocumentAccess.Actor.FRANCHISEE:
        if row.link_sent_at:
            return _("your installer, %(company)s (link sent on %(date)s)") % {
                "company": row.actor_name,
                "date": date_text(row.link_sent_at),
            }
        return _("your installer, %(company)s") % {"company": row.actor_name}
    if row.actor == DocumentAccess.Actor.STAFF:
        return _("an Aquatiris adviser, ref. %(ref)s") % {"ref": row.staff_ref or "—"}
    return (
        _("another person of your household: %(name)s") % {"name": row.actor_name}
        if row.actor_name
        else _("another person of your household")
    )


def _links(user, page, request, rows):
    """{(kind, id): URL} of the documents on this page the viewer may still open."""
    document_ids = {row.file_id for row in rows if row.file_kind == DocumentAccess.FileKind.DOCUMENT}
    attachment_ids = {row.file_id for row in rows if row.file_kind == DocumentAccess.FileKind.ATTACHMENT}
    links = {}
    if document_ids:
        for pk in access.client_documents(user).filter(pk__in=document_ids).values_list("pk", flat=True):
            links[(DocumentAccess.FileKind.DOCUMENT, pk)] = reverse("aquatiris_portal:document_download", args=[pk])
    if attachment_ids:
        found = RequestAttachment.objects.filter(pk__in=attachment_ids, request__in=visibility.client_requests(user))
        for pk, reference in found.values_list("pk", "request__reference"):
            url = page.route_url(request, "request_attachment", reference, pk)
            links[(DocumentAccess.FileKind.ATTACHMENT, pk)] = url
    return links


def screen(page, request, context):
    client = context["client"]
    page_obj = Paginator(accesses_for(request.user, client), PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page_obj)
    links = _links(request.user, page, request, rows)
    for row in rows:
        row.who = who(row)
        row.when = date_time_text(row.created_at)
        row.url = links.get((row.file_kind, row.file_id))
        # A document or attachment that has no link any more was deleted (or the request closed to them).
        row.gone = row.url is None and row.file_kind in LINKED_KINDS
    context.update(page_obj=page_obj, rows=rows, retention_text=retention_text())
    return page.render_screen(request, "document_accesses", context)
