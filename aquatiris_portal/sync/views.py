"""The download link sent to the internal system with ``document_uploaded``.

The link carries a signed token (django.core.signing, salted, valid
AQUATIRIS_PORTAL_OUTBOX_DOWNLOAD_URL_SECONDS, an hour by default, from the
delivery): no login, but nothing to guess; a forged, expired or deleted
document's link is a 404. Every use, served or refused, is a security
event (``sync_download``).
"""

from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..records.models import PortalDocument
from ..security_log import Kind, record_security_event
from ..security_log.request_ip import client_ip
from ..storage import serve_private_file
from .delivery import document_pk_from_token


@require_GET
@never_cache
def document_download(request, token):
    pk = document_pk_from_token(token)
    document = PortalDocument.objects.live().filter(pk=pk).first() if pk is not None else None
    served = document is not None and bool(document.file)
    # Not the request: its path holds the token, which must not be logged.
    record_security_event(Kind.SYNC_DOWNLOAD, ip=client_ip(request) or "", document=pk,
                          outcome="served" if served else "refused")
    if not served:
        raise Http404
    return serve_private_file(
        document.file,
        filename=document.filename or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type,
        disposition="attachment",
    )
