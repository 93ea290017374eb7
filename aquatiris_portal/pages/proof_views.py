"""The screens of the proof loop (enquiries/proofs.py): the SPANC asks (a
folder, or in bulk from its list), the owner answers from their dashboard.

Every folder and request comes through ``access``: the SPANC's territory,
the client's installations; anything else is a 404.
"""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page

from .. import access
from ..enquiries import proofs
from ..enquiries.proof_forms import ProofAnswerForm, ProofAskForm
from ..enquiries.proof_models import ProofRequest, ProofStatus
from . import pro_space_folders as folders_

logger = logging.getLogger(__name__)

clean_filter = proofs.clean_filter
bulk_max = proofs.bulk_max
SCOPE_SELECTED, SCOPE_FILTER = "selected", "filter"


def folder_requests(installation):
    return list(folder_requests_queryset(installation))


def folder_requests_queryset(installation):
    """A folder's latest proof requests (``installation``: the folder or its id)."""
    requests = ProofRequest.objects.filter(installation=installation).select_related("kind")
    return requests.order_by("-asked_at", "-pk")[:20]


def _answer_url_of():
    """proof -> the absolute address of its answer page in the client space (for the mails)."""
    # By its content type, not its class: client_space imports this module.
    page = (
        Page.objects.live()
        .filter(content_type__app_label="aquatiris_portal", content_type__model="clientspacepage")
        .order_by("path")
        .first()
    )
    if page is None:
        return lambda proof: ""
    page = page.specific
    base = page.full_url or ""
    return lambda proof: base.rstrip("/") + "/" + page.reverse_subpage("proof_answer", args=[proof.pk]).lstrip("/")


def spanc_ask(page, request, installations, *, back_url, hidden=None, form=None):
    """The ask form for ``installations`` (from access) and its sending."""
    if request.method == "POST" and form is None:
        form = ProofAskForm(request.POST)
        if form.is_valid():
            return _ask(request, installations, form, back_url)
    return page.render_screen(
        request,
        "proof_ask",
        {
            "form": form or ProofAskForm(),
            "installations": installations[:10],
            "count": len(installations),
            "back_url": back_url,
            "hidden": hidden or [],
            "spanc": access.spanc_for(request.user),
        },
    )


def _ask(request, installations, form, back_url):
    data = form.cleaned_data
    spanc = access.spanc_for(request.user)
    created = proofs.ask(
        user=request.user,
        spanc=spanc,
        installations=installations,
        kind=data["kind"],
        due_on=data["due_on"],
        note=data["note"],
        answer_url_of=_answer_url_of(),
    )
    logger.info("SPANC %s asked %s proof(s) of %s", spanc.pk, len(created), data["kind"].pk)
    skipped = len(installations) - len(created)
    messages.success(
        request,
        ngettext(
            "The proof was asked of %(count)s folder. The owner and the franchisee have been told.",
            "The proof was asked of %(count)s folders. The owners and the franchisees have been told.",
            len(created),
        )
        % {"count": len(created)},
    )
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(count)s folder already had this proof asked: it was not asked twice.",
                "%(count)s folders already had this proof asked: it was not asked twice.",
                skipped,
            )
            % {"count": skipped},
        )
    return HttpResponseRedirect(back_url)


def _selected_ids(values):
    # ASCII digits only: "²" is a digit to str.isdigit, not to int().
    ids = {int(value) for value in map(str, values) if value.isascii() and value.isdigit()}
    return sorted(ids)


def spanc_bulk_ask(page, request, list_url):
    """POST from the folder list: the chosen folders (or every folder of the
    list's filter), then the ask form. Bounded by ``bulk_max``."""
    if request.method != "POST":
        return HttpResponseRedirect(list_url)
    scope = request.POST.get("scope")
    params = request.POST
    state = folders_.list_state(params)
    back_url = list_url + (f"?{state}" if state else "")
    hidden = [
        (name, value)
        for name, value in (
            ("q", folders_.clean_query(params.get("q"))),
            ("overdue", folders_.clean_overdue(params.get("overdue"))),
            ("stage", params.get("stage") or ""),
            ("proof", clean_filter(params.get("proof"))),
            ("sort", folders_.clean_sort(params.get("sort"))),
        )
        if value
    ]
    limit = bulk_max()
    if scope == SCOPE_FILTER:
        overdue_months = folders_.clean_overdue(params.get("overdue"))
        keys = folders_.folder_keys(
            request.user,
            query=folders_.clean_query(params.get("q")),
            overdue_months=overdue_months,
            stage=folders_.clean_stage(params.get("stage"), overdue_months),
            proof=clean_filter(params.get("proof")),
        )
        installations = list(
            access.installations_for_spanc(request.user)
            .filter(pk__in=keys.values("pk")[: limit + 1])
            .select_related("client")
            .order_by("client_sort_name", "reference")
        )
        hidden.append(("scope", SCOPE_FILTER))
    else:
        ids = _selected_ids(params.getlist("folder"))
        if len(ids) > limit:
            installations = ids  # only counted below
        else:
            installations = list(
                access.installations_for_spanc(request.user)
                .filter(pk__in=ids)
                .select_related("client")
                .order_by("client_sort_name", "reference")
            )
            if len(installations) != len(ids):  # a folder of another territory: not found
                raise Http404
        hidden += [("scope", SCOPE_SELECTED), *(("folder", pk) for pk in ids)]
    if not installations:
        messages.error(request, _("Choose at least one folder."))
        return HttpResponseRedirect(back_url)
    if len(installations) > limit:
        messages.error(
            request, _("At most %(max)s folders at a time: narrow the list with its filters.") % {"max": limit}
        )
        return HttpResponseRedirect(back_url)
    form = None if "kind" in params else ProofAskForm()
    return spanc_ask(page, request, installations, back_url=back_url, hidden=hidden, form=form)


def client_answer(page, request, context, pk):
    """The owner's answer page: a photo or PDF, or "my installer does my maintenance"."""
    proof = proofs.get_client_proof_or_404(request.user, pk)
    dashboard_url = page.route_url(request, "dashboard")
    form = ProofAnswerForm()
    if request.method == "POST" and proof.status == ProofStatus.REQUESTED:
        if request.POST.get("franchisee") == "1":
            proofs.answer_franchisee_maintains(user=request.user, proof=proof)
            messages.success(request, _("Your installer has been asked to send the proof to your SPANC."))
            return HttpResponseRedirect(dashboard_url)
        form = ProofAnswerForm(request.POST, request.FILES, owner=request.user)
        if form.is_valid():
            proofs.answer_with_file(user=request.user, proof=proof, checked=form.cleaned_data["file"])
            form.forget_kept()
            messages.success(request, _("Thank you: your proof was sent to %(spanc)s.") % {"spanc": proof.spanc.name})
            return HttpResponseRedirect(dashboard_url)
    return page.render_screen(
        request, "proof_answer", {**context, "proof": proof, "form": form, "dashboard_url": dashboard_url}
    )
