"""The client space (espace client): a routable page editors place in the
site tree. Every route is for client accounts only and asks ``access``
for what it shows: another client's object is a 404."""

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.models import Page

from .. import access
from ..accounts import new_marks
from ..accounts.groups import ensure_client_group
from ..conf import app_settings
from ..enquiries import thread_views, visibility
from ..enquiries import views as enquiry_views
from ..snippets.seasonal import SeasonalTask
from ..snippets.site_settings import PortalSettings
from . import client_visits, dashboard_screen, document_accesses, installation_queries, installation_screen, proof_views
from . import view_as_client as view_as
from .first_connection import CodeFacsimileBlock
from .gating import GatedPageMixin, login_redirect
from .space_texts import ClientSpaceTexts
from .wrong_space import wrong_space_response

TEMPLATES = "aquatiris_portal/client_space/"
DOCUMENTS_PER_PAGE = 50
REQUESTS_PER_PAGE = 20
GUIDES_LIMIT = 50
GUIDES_GROUP_CHECKED = "aqp_guides_group_checked"  # session key: maintenance_guides


class ClientSpacePage(GatedPageMixin, RoutablePageMixin, ClientSpaceTexts, Page):
    """The client space. Its routes are listed below; their names are used
    with ``{% routablepageurl page "<name>" ... %}`` (``route_url`` in Python).
    Each screen's template is a class attribute a host may change."""

    template = TEMPLATES + "dashboard.html"
    max_count_per_parent = 1
    subpage_types = []

    class Meta:
        verbose_name = _("client space")
        # "Voir comme un client" (view_as_client.py).
        permissions = [("view_as_client", _("Can view the client space as a chosen client (read only)"))]

    # First connection: where the client code is printed (the activation
    # page's code help, templatetags/portal_first_connection.py).
    code_help = models.TextField(
        _("where to find the client code"),
        blank=True,
        help_text=_(
            "Shown on the first connection page under the code field. Name the document that carries "
            "the code. Empty: a text naming the quote and the invoices."
        ),
    )
    code_facsimile = StreamField(
        [("facsimile", CodeFacsimileBlock())],
        verbose_name=_("picture of the code on its document"),
        blank=True,
        max_num=1,
        help_text=_("A picture of the top of the document with the code. Empty: a drawing of an invoice's top."),
    )
    # The space's texts (space_texts.py) first: edited here with preview and revisions.
    content_panels = (
        Page.content_panels
        + ClientSpaceTexts.text_panels
        + [
            MultiFieldPanel([FieldPanel("code_help"), FieldPanel("code_facsimile")], heading=_("First connection")),
        ]
    )

    dashboard_template_name = TEMPLATES + "dashboard.html"
    installation_template_name = TEMPLATES + "installation.html"
    documents_template_name = TEMPLATES + "documents.html"
    warranty_template_name = TEMPLATES + "warranty.html"
    contact_template_name = TEMPLATES + "contact.html"
    maintenance_contract_template_name = TEMPLATES + "maintenance_contract.html"
    requests_template_name = TEMPLATES + "requests.html"
    request_detail_template_name = TEMPLATES + "request_detail.html"
    maintenance_template_name = TEMPLATES + "maintenance.html"
    news_template_name = TEMPLATES + "news.html"
    move_visit_template_name = TEMPLATES + "move_visit.html"
    document_accesses_template_name = TEMPLATES + "document_accesses.html"
    proof_answer_template_name = TEMPLATES + "proof_answer.html"

    # --- gate ---------------------------------------------------------------

    def gate(self, request):
        if not request.user.is_authenticated:
            return login_redirect(request)
        if access.client_for(request.user) is None:
            if access.needs_choice(request.user, "client"):  # a landlord: which client first
                return redirect_to_login(request.get_full_path(), reverse("aquatiris_portal:choose_space"))
            if request.user.is_staff:
                # Editors and staff: how to view the space as a client (view_as_client.py).
                return view_as.help_response(request, self)
            # SPANC: say whom the space is for (no data, any URL).
            return wrong_space_response(request, "client")
        return None

    def serve(self, request, *args, **kwargs):
        if view_as.activate(request) is None:
            return super().serve(request, *args, **kwargs)
        # Staff viewing as a client: read only (view_as_client.py).
        return view_as.serve_read_only(
            self, request, lambda: super(ClientSpacePage, self).serve(request, *args, **kwargs)
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(view_as.banner_context(request))  # the "viewed as" banner, when it is
        return context

    def serve_preview(self, request, mode_name):
        # Editors preview the frame, never a client's data.
        return TemplateResponse(request, TEMPLATES + "preview.html", {"page": self, "self": self, "request": request})

    # --- shared context -----------------------------------------------------

    def space_context(self, request, **extra):
        """What every screen shows: the client, their installations (switcher), settings.
        The installations' query is built only when a screen reads them: the
        dashboard and the installation screens read theirs themselves
        (dashboard_queries.py, installation_queries.py); the news, requests
        and maintenance screens never do."""
        user = request.user
        context = {
            "page": self,
            "self": self,
            "request": request,
            "client": access.client_for(user),
            "account": access.account_for(user),
            "installations": SimpleLazyObject(
                lambda: list(
                    access.installations_for_client(user)
                    .select_related("franchisee", "warranty_extension")
                    .order_by("reference")
                )
            ),
            "portal_settings": PortalSettings.for_request(request),
        }
        context.update(extra)
        return context

    def _installation_space_context(self, request, **extra):
        """``space_context`` for an installation's screens, its installations
        (with ``has_dossier``) from SQL compiled once (installation_queries.py)."""
        context = self.space_context(request, **extra)
        context["installations"] = installation_queries.space_installations(context["client"], request.user)
        return context

    def _installation(self, context, pk):
        for installation in context["installations"]:
            if installation.pk == pk:
                return installation
        raise Http404

    def _since(self, account):
        """Documents added after this moment are new (everything on a first
        visit): the person's previous visit of THIS client (new_marks), not
        of any record; ``account.user`` is the request's user (access)."""
        return new_marks.since(account.user, "client") if account else None

    # --- screens ------------------------------------------------------------

    @path("", name="dashboard")
    def dashboard(self, request):
        return dashboard_screen.serve(self, request)

    @path("installations/<int:pk>/", name="installation")
    def installation(self, request, pk):
        context = self._installation_space_context(request, nav="installations", installation_tab="overview")
        installation = self._installation(context, pk)
        since = self._since(context["account"])
        context.update(installation_screen.installation_context(self, request, context, installation, since))
        return self.render_screen(request, "installation", context)

    @path("installations/<int:pk>/documents/", name="documents")
    def documents(self, request, pk):
        context = self._installation_space_context(request, nav="installations", installation_tab="documents")
        installation = self._installation(context, pk)
        since = self._since(context["account"])
        context.update(
            installation_screen.documents_context(self, request, context, installation, since, DOCUMENTS_PER_PAGE)
        )
        return self.render_screen(request, "documents", context)

    @path("installations/<int:pk>/garantie/", name="warranty")
    def warranty(self, request, pk):
        context = self._installation_space_context(request, nav="installations")
        return enquiry_views.warranty(self, request, context, self._installation(context, pk))

    @path("visites/<int:pk>/agenda/", name="visit_calendar")
    def visit_calendar(self, request, pk):
        return client_visits.calendar_download(request, pk)

    @path("visites/<int:pk>/deplacer/", name="move_visit")
    def move_visit(self, request, pk):
        return client_visits.move_visit(self, request, self.space_context(request), pk)

    @path("contact/", name="contact")
    def contact(self, request):
        return enquiry_views.contact(self, request, self.space_context(request))

    @path("contrat-entretien/", name="maintenance_contract")
    def maintenance_contract(self, request):
        return enquiry_views.maintenance_contract(self, request, self.space_context(request))

    @path("demandes/", name="requests")
    def requests(self, request):
        context = self.space_context(request, nav="requests")
        # Threads: newest activity first (index aqp_req_client_activity).
        queryset = visibility.client_requests(request.user).order_by("-last_activity_at", "-pk")
        context["page_obj"] = Paginator(queryset, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
        return self.render_screen(request, "requests", context)

    @path("demandes/<uuid:reference>/", name="request_detail")
    def request_detail(self, request, reference):
        context = self.space_context(request, nav="requests")
        portal_request = visibility.get_client_request_or_404(request.user, reference)
        return thread_views.request_detail(self, request, context, portal_request)

    @path("demandes/<uuid:reference>/pieces-jointes/<int:pk>/", name="request_attachment")
    def request_attachment(self, request, reference, pk):
        return enquiry_views.request_attachment(request, reference, pk)

    @path("entretien/", name="maintenance")
    def maintenance(self, request):
        context = self.space_context(request, nav="maintenance")
        documents = list(
            access.client_documents(request.user)
            .filter(theme__slug=app_settings.MAINTENANCE_THEME_SLUG)
            .select_related("installation")
            .order_by("installation__reference", "-created_at")[:GUIDES_LIMIT]
        )
        context.update(
            documents=documents,
            guides=maintenance_guides(request.user, request.session),
            seasonal_tasks=list(SeasonalTask.objects.for_month().select_related("image")),
        )
        return self.render_screen(request, "maintenance", context)

    @path("qui-a-consulte-mes-documents/", name="document_accesses")
    def document_accesses(self, request):
        return document_accesses.screen(self, request, self.space_context(request, nav="document_accesses"))

    @path("justificatifs/<int:pk>/", name="proof_answer")
    def proof_answer(self, request, pk):
        return proof_views.client_answer(self, request, self.space_context(request, nav="dashboard"), pk)

    @path("actualites/", name="news")
    def news(self, request):
        return self.render_screen(request, "news", self.space_context(request, nav="news"))


def maintenance_guides(user, session=None):
    """Generic guides: Wagtail documents of the collection private to client
    users. The user joins the clients' group here if they are not in it yet
    (accounts activated before the group existed), so that Wagtail's own
    document view lets them download the guide; once a session (a flag in
    it): new accounts join on creation, this only catches up older ones."""
    if session is None or not session.get(GUIDES_GROUP_CHECKED):
        ensure_client_group(user)
        if session is not None:
            session[GUIDES_GROUP_CHECKED] = True
    return list(
        get_document_model()
        .objects.filter(collection__name=app_settings.MAINTENANCE_GUIDES_COLLECTION)
        .order_by("title")[:GUIDES_LIMIT]
    )
