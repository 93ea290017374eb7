"""How editors' snippets appear in the admin: one "Portal content" menu."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from ..records.themes import DocumentTheme
from .columns import YesNoColumn as BooleanColumn  # "Oui"/"Non", not an icon titled "True"
from .faq import FaqEntry
from .models import AfterSalesReason, RequestSubject, SpancDocumentType
from .proof_kinds import ProofKind
from .seasonal import SeasonalTask


class FaqEntryViewSet(SnippetViewSet):
    model = FaqEntry
    icon = "help"
    menu_label = _("FAQ")
    list_display = ["question", "audience", "topic", "sort_order", BooleanColumn("live", label=_("published"))]
    list_filter = ["audience", "topic", "live"]
    search_fields = ["question", "answer"]
    ordering = ["topic", "sort_order"]
    copy_view_enabled = True


class DocumentThemeViewSet(SnippetViewSet):
    model = DocumentTheme
    icon = "folder-open-1"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name", "slug"]
    ordering = ["sort_order", "name"]


class RequestSubjectViewSet(SnippetViewSet):
    model = RequestSubject
    icon = "tag"
    list_display = [
        "name",
        BooleanColumn("is_after_sales", label=_("after-sales (SAV)")),
        "sort_order",
        BooleanColumn("active", label=_("shown in the form")),
    ]
    ordering = ["sort_order", "name"]


class AfterSalesReasonViewSet(SnippetViewSet):
    model = AfterSalesReason
    icon = "list-ul"
    list_display = ["name", "sort_order", BooleanColumn("active", label=_("shown in the form"))]
    ordering = ["sort_order", "name"]


class SpancDocumentTypeViewSet(SnippetViewSet):
    model = SpancDocumentType
    icon = "doc-full"
    list_display = [
        "name",
        BooleanColumn("is_control_report", label=_("control report")),
        "sort_order",
        BooleanColumn("active", label=_("shown in the form")),
    ]
    ordering = ["sort_order", "name"]


class ProofKindViewSet(SnippetViewSet):
    model = ProofKind
    icon = "clipboard-list"
    list_display = ["name", "sort_order", BooleanColumn("active", label=_("shown in the form"))]
    ordering = ["sort_order", "name"]


class SeasonalTaskViewSet(SnippetViewSet):
    model = SeasonalTask
    icon = "date"
    list_display = ["title", "months", "sort_order", BooleanColumn("active", label=_("shown"))]
    search_fields = ["title", "text"]
    ordering = ["sort_order", "title"]


class PortalContentGroup(SnippetViewSetGroup):
    menu_label = _("Portal content")
    menu_icon = "form"
    menu_order = 230
    items = (
        FaqEntryViewSet,
        DocumentThemeViewSet,
        RequestSubjectViewSet,
        AfterSalesReasonViewSet,
        SpancDocumentTypeViewSet,
        ProofKindViewSet,
        SeasonalTaskViewSet,
    )
