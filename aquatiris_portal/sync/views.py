"""The download link sent to the internal system with ``document_uploaded``.

The link carries a signed token (django.core.signing, salted, valid
AQUATIRIS_PORTAL_OUTBOX_DOWNLOAD_URL_SECONDS, an hour by default, from the
delivery): no login, but nothing to guess; a forged, expired or deleted
document's link is a 404. Every served use is a security event
(``sync_download``); refusals are counted per address and minute
(``token_refused``, security_log/refusals.py) and an address that keeps
presenting bad tokens is refused (429) until its window ends.
"""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..records.models import PortalDocument
from ..security_log import Kind, document_access, record_refused_token, record_security_event, refusals_blocked
from ..security_log.request_ip import client_ip
from ..storage import serve_private_file
from .delivery import document_pk_from_token

ROUTE = "sync_download"


@require_GET
@never_cache
def document_download(request, token):
    if refusals_blocked(request, ROUTE):
        record_refused_token(request, ROUTE)
        return HttpResponse(status=429)
    pk = document_pk_from_token(token)
    document = PortalDocument.objects.live().filter(pk=pk).first() if pk is not None else None
    if document is None or not document.file:
        record_refused_token(request, ROUTE)
        raise Http404
    # Not the request: its path holds the token, which must not be logged.
    record_security_event(Kind.SYNC_DOWNLOAD, ip=client_ip(request) or "", document=pk, outcome="served")
    return serve_private_file(
        document.file,
        filename=document.filename or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type,
        disposition="attachment",
        access=document_access.for_document(
            document, route="sync_document_download", actor=document_access.Actor.SYSTEM
        ),
    )
