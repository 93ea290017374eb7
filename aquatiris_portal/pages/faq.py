"""The FAQ page: questions of one audience (and topic) as an accordion that
works without JavaScript, with a server-side search box."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .. import access
from ..snippets.audiences import Audience
from ..snippets.faq import FaqEntry, FaqTopic
from .gating import AudienceRestrictedMixin

SEARCH_MAX_LENGTH = 100


def faq_entries(request, audience, topic="", limit=None, search=""):
    """Context of the FAQ block and ``{% portal_faq %}``: the entries of
    ``audience`` (and ``topic``) the reader may read."""
    user = getattr(request, "user", None)
    audiences = access.readable_audiences(user, audience)
    entries = FaqEntry.objects.none()
    if audiences:
        entries = FaqEntry.objects.filter(live=True, audience__in=audiences)
        if topic:
            entries = entries.filter(topic=topic)
        entries = entries.search_text(search)
    if limit:
        entries = entries[: max(1, min(int(limit), 100))]
    faq_page = None
    if audiences:
        faq_page = FaqPage.objects.live().filter(audience__in=[audience, Audience.BOTH]).order_by("path").first()
    return {
        "entries": list(entries),
        "audience": audience,
        "topic": topic,
        "faq_url": faq_page.get_url(request) if faq_page else "",
        "request": request,
    }


class FaqListBlock(blocks.StructBlock):
    """FAQ entries of one audience (and topic) as an accordion that works
    without JavaScript. It lives beside the FAQ page it links to (the blocks
    room is below the pages)."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("Frequently asked questions"))
    audience = blocks.ChoiceBlock(label=_("audience"), choices=Audience.choices, default=Audience.CLIENTS)
    topic = blocks.ChoiceBlock(
        label=_("topic"), choices=FaqTopic.choices, required=False, help_text=_("Empty shows every topic.")
    )
    count = blocks.IntegerBlock(label=_("maximum number of questions"), default=10, min_value=1, max_value=50)

    class Meta:
        icon = "help"
        label = _("FAQ list")
        template = "aquatiris_portal/tags/faq_list.html"
        description = _("Questions and answers written in the FAQ snippets.")
        preview_value = {
            "heading": "Questions fréquentes",
            "audience": Audience.CLIENTS,
            "topic": FaqTopic.MAINTENANCE,
            "count": 5,
        }

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(faq_entries(request, value["audience"], topic=value.get("topic") or "", limit=value["count"]))
        context["heading"] = value["heading"]
        return context


class FaqPage(AudienceRestrictedMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.CLIENTS)
    topic = models.CharField(
        _("topic"),
        max_length=20,
        choices=FaqTopic.choices,
        blank=True,
        help_text=_("Empty shows every topic, grouped by topic."),
    )
    per_page = 50

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("audience"), FieldPanel("topic")]

    # Any page of the host site (see NewsIndexPage); nothing below it.
    parent_page_types = None
    subpage_types = []
    template = "aquatiris_portal/faq/page.html"

    class Meta:
        verbose_name = _("FAQ page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        entries = FaqEntry.objects.filter(
            live=True, audience__in=access.readable_audiences(request.user, self.audience)
        )
        if self.topic:
            entries = entries.filter(topic=self.topic)
        entries = entries.search_text(search).order_by("topic", "sort_order", "question")
        paginator = Paginator(entries, self.per_page)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            raise Http404 from None
        topics = dict(FaqTopic.choices)
        groups = []
        for entry in page_obj.object_list:
            if not groups or groups[-1]["topic"] != entry.topic:
                groups.append({"topic": entry.topic, "label": topics.get(entry.topic, entry.topic), "entries": []})
            groups[-1]["entries"].append(entry)
        context.update(
            search=search,
            groups=groups,
            page_obj=page_obj,
            paginator=paginator,
            result_count=paginator.count,
            show_topics=not self.topic,
        )
        return context
