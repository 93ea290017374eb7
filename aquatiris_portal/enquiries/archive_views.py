"""The archive screens: ask for an installation's dossier, « Mes données »,
« Je vends ma maison », and the download behind the mailed link.

Every route is for the logged-in person only and asks ``access`` what they
may see: an installation that is not theirs (any more) is a 404, as is
another person's link. The download goes through
``storage.serve_private_file``, which writes the document access log."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .. import access
from ..conf import app_settings
from ..security_log import document_access
from ..storage import serve_private_file
from . import archives, handover
from .archive_models import PersonalArchive

Kind = PersonalArchive.Kind
TEMPLATES = "aquatiris_portal/archives/"


def _login(request):
    return redirect_to_login(request.get_full_path(), reverse(app_settings.LOGIN_URL_NAME))


def _installation_or_404(user, pk):
    installation = access.installations_for_client(user).filter(pk=pk).select_related("client").first()
    if installation is None:
        raise Http404
    return installation


def _back(request, fallback):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _site_url(request):
    return request.build_absolute_uri("/").rstrip("/")


@require_POST
@never_cache
def dossier_start(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    installation = _installation_or_404(request.user, pk)
    archives.start(
        Kind.DOSSIER, request.user, client=installation.client, installation=installation, site_url=_site_url(request)
    )
    return _back(request, reverse("aquatiris_portal:home"))


@require_http_methods(["GET", "POST"])
@never_cache
def my_data(request):
    if not request.user.is_authenticated:
        return _login(request)
    if request.method == "POST":
        archives.start(Kind.MY_DATA, request.user, client=access.client_for(request.user), site_url=_site_url(request))
        return HttpResponseRedirect(reverse("aquatiris_portal:my_data"))
    archive = archives.latest(request.user, Kind.MY_DATA)
    return render(
        request,
        TEMPLATES + "my_data.html",
        {
            "archive": archive,
            "status_text": archives.status_text(archive),
            "link_days": app_settings.ARCHIVE_LINK_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
def handover_view(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    installation = _installation_or_404(request.user, pk)
    if access.role_for(request.user, "client") != "owner" or access.viewed_client(request.user) is not None:
        raise Http404  # the owner sells, not a person of the household
    sent = False
    form = handover.HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        handover.request_handover(installation, request.user, form.cleaned_data)
        sent = True
    return render(
        request,
        TEMPLATES + "handover.html",
        {
            "installation": installation,
            "form": form,
            "sent": sent,
            "buyer_name": form.cleaned_data.get("buyer_name") if sent else "",
        },
    )


@require_http_methods(["GET"])
@never_cache
def archive_download(request, token):
    if not request.user.is_authenticated:
        return _login(request)
    archive = PersonalArchive.objects.filter(token=token, requested_by=request.user).first()
    if archive is None or archive.status != PersonalArchive.Status.DONE or not archive.file:
        raise Http404
    if archive.kind == Kind.DOSSIER:
        # The installation sold (moved to another client) since: the link dies with the access.
        _installation_or_404(request.user, archive.installation_id)
    if not archive.is_ready:
        return render(request, TEMPLATES + "expired.html", {"archive": archive}, status=410)
    role = access.role_for(request.user, "client")
    actor = document_access.Actor.OWNER if role == "owner" or role is None else document_access.Actor.HOUSEHOLD
    row = document_access.entry(
        route="aquatiris_portal:archive_download",
        actor=actor,
        file_kind=document_access.FileKind.ARCHIVE,
        file_id=archive.pk,
        title=archive.filename,
        client_id=archive.client_id,
        user=request.user,
        actor_name=document_access.person_name(request.user),
    )
    return serve_private_file(
        archive.file, filename=archive.filename, content_type="application/zip", disposition="attachment", access=row
    )
