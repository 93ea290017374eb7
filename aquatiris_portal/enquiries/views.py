"""Views of what clients send, called by the client space page's routes.

Each takes the page (for URLs), the request and the base context the page
built (client, installations, settings); visibility comes from ``access``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _

from .. import access
from ..records.models import Installation
from ..security_log import document_access
from ..storage import serve_private_file
from . import visibility
from .forms import (
    ContactForm,
    MaintenanceContractForm,
    SerialNumberForm,
    add_limit_error,
    already_asked_message,
    open_contract_request,
)
from .limits import LimitReached
from .models import PortalRequest
from .services import register_serial_number, submit_request
from .warranty import warranty_end

NOT_BUILT_STAGES = ("study", "quote")  # records.Stage values before works start


def _url(page, request, name, *args):
    return page.get_url(request).rstrip("/") + "/" + page.reverse_subpage(name, args=args)


def _site_url(request):
    return request.build_absolute_uri("/").rstrip("/")


def _installation_choices(request):
    return access.installations_for_client(request.user).order_by("reference")


def _built_installation_choices(request):
    """Installations past the quote stage: a maintenance contract needs something to maintain."""
    return _installation_choices(request).exclude(stage__in=NOT_BUILT_STAGES)


def _initial_installation(request, installations):
    wanted = request.GET.get("installation", "")
    for installation in installations:
        if str(installation.pk) == wanted:
            return installation.pk
    return installations[0].pk if installations else None


def _move_visit_message(request):
    """The message asking to move a visit (``?visit=<pk>``, "ask to move it"), for a visit the client sees."""
    wanted = request.GET.get("visit", "")
    visit = (
        access.client_visits(request.user).select_related("installation").filter(pk=wanted).first()
        if wanted.isdigit()
        else None
    )
    if visit is None or visit.planned_for is None:
        return ""
    # Named by date and place: the internal system's id means nothing to the client.
    return _(
        "Hello, I would like to move the visit planned on %(date)s (%(kind)s, %(place)s). I would be available on: "
    ) % {
        "date": visit.planned_for.strftime("%d/%m/%Y"),
        "kind": visit.get_kind_display(),
        "place": visit.installation.display_name,
    }


def contact(page, request, context):
    installations = context["installations"]
    if request.method == "POST":
        form = ContactForm(
            request.POST,
            request.FILES,
            installations=_installation_choices(request),
            listed_installations=installations,
            owner=request.user,
        )
        if form.is_valid():
            data = form.cleaned_data
            subject = data["subject"]
            try:
                portal_request = submit_request(
                    user=request.user,
                    client=context["client"],
                    installation=data["installation"],
                    kind=PortalRequest.Kind.AFTER_SALES if subject.is_after_sales else PortalRequest.Kind.QUESTION,
                    message=data["message"],
                    subject=subject,
                    reason=data["reason"],
                    checked_files=data["attachments"],
                    portal_settings=context["portal_settings"],
                    site_url=_site_url(request),
                )
            except LimitReached as refused:
                add_limit_error(form, refused, text_field="message", file_field="attachments", request=request)
            else:
                form.forget_kept()
                messages.success(request, _("Your request was sent. A copy was emailed to you."))
                return HttpResponseRedirect(_url(page, request, "request_detail", portal_request.reference))
        if form.errors.get("attachments") and not form.files_not_read and not form.kept_uploads:
            # Browsers never send files back: say so next to the field.
            form.add_error("attachments", _("No file was kept: please choose your files again."))
    else:
        form = ContactForm(
            installations=_installation_choices(request),
            listed_installations=installations,  # the same rows, in the same order, already read
            initial={
                "installation": _initial_installation(request, installations),
                "message": _move_visit_message(request),
            },
        )
    return page.render_screen(request, "contact", {**context, "form": form, "nav": "contact"})


def maintenance_contract(page, request, context):
    installations = context["installations"]
    built = [installation for installation in installations if installation.is_past_quote]
    if request.method == "POST":
        form = MaintenanceContractForm(request.POST, installations=_built_installation_choices(request))
        if form.is_valid():
            data = form.cleaned_data
            refused = None
            try:
                with transaction.atomic():
                    # The installation's row lock serialises a double submit; the
                    # second one finds the first request and is refused.
                    Installation.objects.select_for_update(of=("self",)).filter(pk=data["installation"].pk).first()
                    previous = open_contract_request(data["installation"])
                    if previous is None:
                        portal_request = submit_request(
                            user=request.user,
                            client=context["client"],
                            installation=data["installation"],
                            kind=PortalRequest.Kind.MAINTENANCE_CONTRACT,
                            message=data["message"] or _("Request for a maintenance contract."),
                            portal_settings=context["portal_settings"],
                            site_url=_site_url(request),
                        )
            except LimitReached as error:
                refused = error
                add_limit_error(form, refused, text_field="message", request=request)
            if refused is None and previous is None:
                messages.success(request, _("Your maintenance contract request was sent to your franchisee."))
                return HttpResponseRedirect(_url(page, request, "request_detail", portal_request.reference))
            if refused is None:
                form.add_error("installation", already_asked_message(previous))
    else:
        form = MaintenanceContractForm(
            installations=_built_installation_choices(request),
            initial={"installation": _initial_installation(request, built)},
        )
    return page.render_screen(
        request,
        "maintenance_contract",
        {**context, "form": form, "nav": "maintenance_contract", "built_installations": built},
    )


def warranty(page, request, context, installation):
    portal_settings = context["portal_settings"]
    form_kwargs = {
        "pattern": portal_settings.serial_number_pattern,
        "help_text": portal_settings.serial_number_help,
        "references": [other.reference for other in context["installations"]],
    }
    extension = getattr(installation, "warranty_extension", None)
    conflict = False
    confirming = False
    response_context = {
        **context,
        "installation": installation,
        "extension": extension,
        "installation_tab": "warranty",
        "warranty_end": warranty_end(installation, portal_settings),
    }
    if not installation.is_built:
        # Nothing built yet: nothing to register (the page says when it opens).
        return page.render_screen(request, "warranty", {**response_context, "not_built": True})
    if access.role_for(request.user, "client") == "household":
        # A household member reads the warranty; only the owner registers a serial number.
        if request.method == "POST":
            raise PermissionDenied
        return page.render_screen(request, "warranty", {**response_context, "owner_only": True})
    if request.method == "POST" and not access.may_register_warranty(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = SerialNumberForm(request.POST, **form_kwargs)
        if form.is_valid() and not request.POST.get("confirm"):
            # One step to read the serial again before it is registered for good.
            confirming = True
        elif form.is_valid():
            result = register_serial_number(
                user=request.user,
                client=context["client"],
                installation_pk=installation.pk,
                serial_number=form.cleaned_data["serial_number"],
                portal_settings=portal_settings,
                site_url=_site_url(request),
            )
            if result.status == "registered":
                messages.success(
                    request,
                    _(
                        "Your serial number is registered and your warranty is extended. Your manufacturer "
                        "certificate is in your documents and was emailed to you."
                    ),
                )
                return HttpResponseRedirect(_url(page, request, "warranty", installation.pk))
            if result.status == "already_registered":
                messages.info(request, _("This serial number is already registered for this installation."))
                return HttpResponseRedirect(_url(page, request, "warranty", installation.pk))
            conflict = True
    else:
        # "No, correct it" comes back here with what was typed.
        form = SerialNumberForm(initial={"serial_number": request.GET.get("serial_number", "")[:60]}, **form_kwargs)
    return page.render_screen(
        request,
        "warranty",
        {
            **response_context,
            "form": form,
            "conflict": conflict,
            "confirming": confirming,
        },
        status=200,
    )


def request_attachment(request, reference, pk):
    portal_request = visibility.get_client_request_or_404(request.user, reference)
    attachment = portal_request.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    role = access.role_for(request.user, "client")
    actor = document_access.Actor.OWNER if role == "owner" else document_access.Actor.HOUSEHOLD
    if access.viewed_client(request.user) is not None:  # staff viewing the space as the client
        actor = document_access.Actor.STAFF
    return serve_private_file(
        attachment.file,
        filename=attachment.filename,
        content_type=attachment.content_type,
        disposition="attachment",
        access=document_access.for_attachment(
            attachment,
            route="request_attachment",
            actor=actor,
            user=request.user,
            actor_name="" if actor == document_access.Actor.STAFF else document_access.person_name(request.user),
        ),
    )
