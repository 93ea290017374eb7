"""The pro space (espace pro) for SPANC agents.

Served only to a SPANC account that passed its second factor; everyone
else is sent to the login, to the second-factor step, or gets a 404.
What a SPANC sees comes from ``access`` alone.
"""

from html import escape  # Django's escape without its lazy wrapper

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Page

from .. import access
from ..accounts import new_marks
from ..enquiries.authors import author_label
from ..enquiries.forms import add_limit_error
from ..enquiries.limits import LimitReached
from ..enquiries.spanc_upload_forms import SpancUploadForm
from ..enquiries.spanc_uploads import receive_spanc_documents, sent_messages
from ..security_log import Kind, record_security_event
from ..snippets.audiences import Audience
from ..snippets.site_settings import PortalSettings
from . import pro_space_folder_html as folder_html
from . import pro_space_folder_queries as folder_queries
from . import pro_space_folders as folders_
from . import pro_space_list_page as list_page
from . import proof_views
from .gating import GatedPageMixin, login_redirect
from .news import latest_articles_html
from .space_texts import ProSpaceTexts
from .wrong_space import wrong_space_response

TEMPLATES = "aquatiris_portal/pro_space/"
NEWS_SHOWN = 3  # articles for professionals under the folder list


class ProSpacePage(GatedPageMixin, RoutablePageMixin, ProSpaceTexts, Page):
    """The pro space: the SPANC's client folders, their documents, uploads,
    pro news. Each screen's template is a class attribute a host may change."""

    template = TEMPLATES + "folder_list.html"
    max_count_per_parent = 1
    subpage_types = []
    # The space's texts (space_texts.py), edited here with preview and revisions.
    content_panels = Page.content_panels + ProSpaceTexts.text_panels

    class Meta:
        verbose_name = gettext_lazy("pro space")

    folder_list_template_name = TEMPLATES + "folder_list.html"
    folder_template_name = TEMPLATES + "folder.html"
    upload_template_name = TEMPLATES + "upload.html"
    preview_template_name = TEMPLATES + "preview.html"
    proof_ask_template_name = TEMPLATES + "proof_ask.html"

    # --- who may come in ---------------------------------------------------

    def gate(self, request):
        """A response for whoever is not a verified SPANC, or None."""
        user = request.user
        if not user.is_authenticated:
            return login_redirect(request)
        if access.has_spanc_membership(user) and not access.is_verified(user):
            return redirect_to_login(request.get_full_path(), reverse("aquatiris_portal:otp_verify"))
        if access.needs_choice(user, "spanc"):  # several SPANC: which one first
            return redirect_to_login(request.get_full_path(), reverse("aquatiris_portal:choose_space"))
        if access.spanc_for(user) is None:
            # A client (or staff) following "Espace pro": say whom it is for (no data, any URL).
            return wrong_space_response(request, "pro")
        return None

    def serve_preview(self, request, mode_name):
        # Editors previewing the page are not SPANC: show the empty shell.
        return self.render_screen(request, "preview")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["spanc"] = access.spanc_for(request.user)
        return context

    # --- the folder list ---------------------------------------------------

    @path("", name="folder_list")
    def folder_list(self, request):
        query = folders_.clean_query(request.GET.get("q"))
        sort = folders_.clean_sort(request.GET.get("sort"))
        overdue_months = folders_.clean_overdue(request.GET.get("overdue"))
        stage = folders_.clean_stage(request.GET.get("stage"), overdue_months)
        proof = proof_views.clean_filter(request.GET.get("proof"))
        # The page's folders and the list's count: one query (pro_space_list_page).
        paginator, page_obj = list_page.paginate(
            request.user,
            query=query,
            sort=sort,
            overdue_months=overdue_months,
            stage=stage,
            proof=proof,
            number=request.GET.get("page"),
        )
        previous_visit_at = new_marks.since(request.user, "spanc")  # this SPANC's, not the person's
        folders = page_obj.object_list
        # Python's route_url, not a {% routablepageurl %} (site look-up) per row;
        # each folder link carries the list's search, sort and page (its "back").
        url_of = self._folder_url_of(request, _state_suffix(request))
        # The rows' dicts and instances are made only if a host's template reads them.
        rows = list_page.FolderRows(folders, previous_visit_at, url_of)
        filters = {
            "overdue_months": overdue_months,
            "overdue_choices": folders_.overdue_choices(),
            "stage": stage if overdue_months or stage != folders_.STAGE_ALL else "",
            "stage_choices": folders_.stage_choices(overdue_months),
            "proof": proof,
            "proof_choices": folders_.proof_choices(),
        }
        return self.render_screen(
            request,
            "folder_list",
            {
                "query": query,
                "sort": sort,
                **filters,
                "filter_options": list_page.filter_options(**filters),
                "bulk_proof_url": self.route_url(request, "bulk_proof"),
                # Python's route_url (the page's URL once per request), not {% routablepageurl %}.
                "list_url": self.route_url(request, "folder_list"),
                "export_url": self.route_url(request, "folder_export"),
                "bulk_max": proof_views.bulk_max(),
                "filtered_sentence": folders_.count_sentence(paginator.count, query, overdue_months, stage, proof),
                "sort_columns": _sort_columns(request, sort),
                "page_obj": page_obj,
                "paginator": paginator,
                "rows": rows,
                "rows_html": list_page.rows_html_of(folders, previous_visit_at, url_of),
                "pagination_html": list_page.list_pagination_html(request.GET, page_obj),
                "previous_visit_at": previous_visit_at,
                # What {% portal_news audience="pros" count=3 %} wrote, its HTML kept with the list (pages/news.py).
                "news": latest_articles_html(request, Audience.PROS, NEWS_SHOWN, heading=_("News for professionals")),
            },
        )

    def _folder_url_of(self, request, suffix):
        """folder's pk -> its page's URL: the route reversed once, the pk the last
        segment (``dossiers/<int:pk>/``); per folder when a host's route differs."""
        sample = self.route_url(request, "folder_detail", 0)
        if sample.endswith("/0/"):
            prefix = sample[: -len("0/")]
            return lambda pk: f"{prefix}{pk}/{suffix}"
        return lambda pk: self.route_url(request, "folder_detail", pk) + suffix

    @path("export/", name="folder_export")
    def folder_export(self, request):
        query = folders_.clean_query(request.GET.get("q"))
        overdue_months = folders_.clean_overdue(request.GET.get("overdue"))
        stage = folders_.clean_stage(request.GET.get("stage"), overdue_months)
        proof = proof_views.clean_filter(request.GET.get("proof"))
        folders = folders_.spanc_folders(
            request.user,
            query=query,
            sort=folders_.clean_sort(request.GET.get("sort")),
            overdue_months=overdue_months,
            stage=stage,
            proof=proof,
        )
        filters = folders_.filter_parts(query, overdue_months, stage, proof)
        workbook = folders_.folders_workbook(folders, new_marks.since(request.user, "spanc"), filters=filters)
        record_security_event(Kind.EXPORT, request, export="spanc_folders", query=request.GET.get("q") or "")
        filename = folders_.export_filename(timezone.localdate(), filters)
        return FileResponse(
            workbook,
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    # --- one folder --------------------------------------------------------

    @path("dossiers/<int:pk>/", name="folder_detail")
    def folder_detail(self, request, pk):
        # The folder, its documents, visits and proof requests: SQL compiled once (pro_space_folder_queries).
        spanc = access.spanc_for(request.user)
        installation = folder_queries.folder_or_404(spanc, pk)
        documents = folder_queries.documents(spanc, installation)
        for document in documents:
            # A SPANC has several agents: each upload shows who sent it.
            document.sender = author_label(document.uploaded_by) if document.uploaded_by_id else ""
        suffix = _state_suffix(request)
        visits = folder_queries.visits(spanc, installation)
        with_reports(request.user, installation, visits, documents)
        return self.render_screen(
            request,
            "folder",
            {
                "installation": installation,
                "client": installation.client,
                "visits": visits,
                "franchisee": installation.franchisee,
                "documents": documents,
                "documents_html": folder_html.documents_html(documents),
                "back_url": self.route_url(request, "folder_list") + suffix,
                "upload_url": self.route_url(request, "folder_upload", installation.pk) + suffix,
                "proof_url": self.route_url(request, "folder_proof", installation.pk) + suffix,
                "proof_requests": folder_queries.proof_requests(spanc, installation),
            },
        )

    @path("dossiers/<int:pk>/justificatif/", name="folder_proof")
    def folder_proof(self, request, pk):
        installation = access.get_spanc_installation_or_404(request.user, pk)
        folder_url = self.route_url(request, "folder_detail", installation.pk) + _state_suffix(request)
        return proof_views.spanc_ask(self, request, [installation], back_url=folder_url)

    @path("justificatifs/", name="bulk_proof")
    def bulk_proof(self, request):
        return proof_views.spanc_bulk_ask(self, request, self.route_url(request, "folder_list"))

    @path("dossiers/<int:pk>/envoyer/", name="folder_upload")
    def folder_upload(self, request, pk):
        installation = access.get_spanc_installation_or_404(request.user, pk)
        # Back to the folder, and from there to the same place of the list.
        folder_url = self.route_url(request, "folder_detail", installation.pk) + _state_suffix(request)
        if request.method == "POST":
            # The SPANC's good files are kept if the form comes back (pending_uploads).
            form = SpancUploadForm(request.POST, request.FILES, owner=request.user)
            results = None
            if form.is_valid():
                try:
                    results = receive_spanc_documents(
                        user=request.user,
                        spanc=access.spanc_for(request.user),
                        installation=installation,
                        files=form.checked_files,
                        title=form.cleaned_data["title"],
                        note=form.cleaned_data["note"],
                        portal_settings_obj=PortalSettings.for_request(request),
                        site_url=request.build_absolute_uri("/"),
                        document_type=str(form.cleaned_data.get("document_type") or ""),
                        issued_on=form.cleaned_data["issued_on"],
                        control_result=form.cleaned_data.get("control_result") or "",
                    )
                except LimitReached as refused:
                    add_limit_error(form, refused, text_field="file", request=request)
            if results is not None:
                form.forget_kept()
                for level, text in sent_messages(results):
                    messages.add_message(request, level, text)
                return redirect(folder_url)
        else:
            form = SpancUploadForm()
        return self.render_screen(
            request,
            "upload",
            {
                "installation": installation,
                "client": installation.client,
                "form": form,
                "folder_url": folder_url,
                "portal_settings": PortalSettings.for_request(request),  # the upload text next to the file field
                "client_sees_upload": access.clients_see_spanc_uploads(),
            },
        )


def with_reports(user, installation, visits, documents):
    """Set ``visit.report`` as ``access.spanc_visits`` does (the report if the
    SPANC may read it, else None) from the folder's documents, already read:
    ``documents`` is every document of ``installation`` the SPANC may read,
    so a report on it is readable exactly when it is there. A report on
    another installation (not expected) is asked of access: one query more."""
    readable = {document.pk: document for document in documents}
    elsewhere = {
        visit.report_document_id
        for visit in visits
        if visit.report_document_id and visit.report_installation_id != installation.pk
    }
    if elsewhere:
        readable.update(access.spanc_documents(user).in_bulk(elsewhere))
    for visit in visits:
        visit.report = readable.get(visit.report_document_id)


def _state_suffix(request):
    state = folders_.list_state(request.GET)
    return f"?{state}" if state else ""


def _sort_columns(request, current):
    """Header links: each column sorts by itself, a second click reverses.
    Each keeps the list's other parameters (search, filter) and goes back to
    page 1; its text for screen readers says what a click does."""
    params = request.GET.copy()
    params.pop("page", None)
    hints = {state: escape(str(hint)) for state, hint in _SORT_HINTS.items()}
    columns = {}
    for key, (label, _fields) in folders_.SORTS.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-") != (key == "latest")  # "latest" is newest-first by default
        if active:
            target = key if current.startswith("-") else f"-{key}"
            state = "descending" if descending else "ascending"
        else:
            target, state = key, None
        params["sort"] = target
        column = {
            "label": label,
            "target": target,
            "state": state,
            "href": f"?{params.urlencode()}",
            "hint": _SORT_HINTS[state],
            "arrow": _SORT_ARROWS[state],
        }
        # The table's header cell (th) and the phone's sort list item (li, the
        # current one marked), written once here rather than by template nodes.
        href = escape(column["href"])
        arrow = f'<span aria-hidden="true"> {column["arrow"]}</span>' if column["arrow"] else ""
        inner = f'{escape(str(label))}<span class="aqp-visually-hidden"> — {hints[state]}</span>{arrow}'
        sorted_by = f' aria-sort="{state}"' if state else ""
        current_mark = ' aria-current="true"' if state else ""
        column["th"] = mark_safe(f'<th scope="col"{sorted_by}><a href="{href}">{inner}</a></th>')  # noqa: S308  escaped
        column["li"] = mark_safe(f'<li><a href="{href}"{current_mark}>{inner}</a></li>')  # noqa: S308  escaped
        columns[key] = column
    return columns


_SORT_HINTS = {
    "ascending": gettext_lazy("sorted in ascending order, activate to reverse"),
    "descending": gettext_lazy("sorted in descending order, activate to reverse"),
    None: gettext_lazy("activate to sort by this column"),
}
_SORT_ARROWS = {"ascending": "▲", "descending": "▼", None: ""}
