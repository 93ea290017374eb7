"""The one way to a personal file: ask ``access``, then stream or redirect."""

import logging
import mimetypes
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import access
from .security_log import Kind, record_security_event
from .conf import app_settings
from .storage import backend, is_local

logger = logging.getLogger(__name__)

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def content_disposition(disposition, filename):
    ascii_name = filename.encode("ascii", "ignore").decode() or "document"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def serve_private_file(fieldfile, *, filename, content_type, disposition):
    """Stream a private file (local) or redirect to a short presigned URL (S3)."""
    if not fieldfile:
        raise Http404
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if disposition == "inline" and content_type not in INLINE_TYPES:
        disposition = "attachment"  # never render anything else (HTML, SVG…) inline
    header = content_disposition(disposition, filename)
    storage = backend()
    if is_local(storage):
        try:
            handle = storage.open(fieldfile.name, "rb")
        except FileNotFoundError:
            logger.error("Private file missing on storage: %s", fieldfile.name)
            raise Http404
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = header
    else:
        url = storage.url(
            fieldfile.name,
            parameters={"ResponseContentDisposition": header, "ResponseContentType": content_type},
            expire=app_settings.PRESIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
def document_download(request, pk, disposition="attachment"):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(app_settings.LOGIN_URL_NAME))
    document = access.get_document_or_404(request.user, pk)
    if request.user.is_staff:
        # Staff read personal documents of anyone: each download is logged.
        record_security_event(Kind.DOCUMENT_DOWNLOAD, request, model="portaldocument", id=document.pk,
                              installation=document.installation_id, disposition=disposition)
    return serve_private_file(
        document.file,
        filename=document.filename or document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type,
        disposition=disposition,
    )
