"""News and advice: an index page and article pages, each private to its
audience (clients, pros or both) as decided by ``access.article_audiences_for``."""

import datetime
import hashlib

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model_string
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.models import Page, Site
from wagtail.search import index

from .. import access, content_cache
from ..blocks import BodyBlock
from ..snippets.audiences import Audience, audiences_matching
from .faq import FaqListBlock
from .gating import AudienceRestrictedMixin


class ArticleKind(models.TextChoices):
    NEWS = "news", _("News")
    ADVICE = "advice", _("Advice")


def articles_for(user, audience=Audience.BOTH, kind=None):
    """Live articles of ``audience`` that ``user`` may read, newest first,
    with what the lists render fetched in bounded queries."""
    audiences = access.readable_audiences(user, audience)
    if not audiences:
        return ArticlePage.objects.none()
    queryset = ArticlePage.objects.live().filter(audience__in=audiences)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.select_related("image").prefetch_related("image__renditions").order_by("-date", "-pk")


class ArticleSummary:
    """What a list of articles shows of one article: the news stream caches
    these (never a user's data), the index page renders the same."""

    __slots__ = ("pk", "title", "url", "kind", "date", "intro", "image_html")

    def __init__(self, pk, title, url, kind, date, intro, image_html):
        self.pk, self.title, self.url, self.kind = pk, title, url, kind
        self.date, self.intro, self.image_html = date, intro, image_html

    def get_kind_display(self):
        # Translated when rendered, in the reader's language.
        return dict(ArticleKind.choices).get(self.kind, self.kind)


# The image of a list item: what {% image article.image fill-480x270
# class="aqp-news-item__image" alt="" %} printed.
LIST_IMAGE_FILTER = "fill-480x270"
LIST_IMAGE_ATTRS = {"class": "aqp-news-item__image", "alt": ""}


def summarize(articles, request):
    """``ArticleSummary`` of each article, URLs relative to ``request``'s site."""
    summaries = []
    for article in articles:
        image_html = ""
        if article.image:
            image_html = get_rendition_or_not_found(article.image, LIST_IMAGE_FILTER).img_tag(LIST_IMAGE_ATTRS)
        summaries.append(
            ArticleSummary(
                article.pk,
                article.title,
                article.get_url(request),
                article.kind,
                article.date,
                article.intro,
                image_html,
            )
        )
    return summaries


def latest_articles(request, audience, count, kind=None):
    """Context of the news stream (block and ``{% portal_news %}``).

    Who reads what is decided here, per request, by ``access`` (through
    ``readable_audiences``); the list for that set of audiences is the same
    for every reader of it, so it is cached (content_cache.py: forgotten
    when an article, an index or a page above them is saved, published,
    unpublished, moved or deleted)."""
    user = getattr(request, "user", None)
    count = max(1, min(int(count), 24))
    audiences = access.readable_audiences(user, audience)
    site = Site.find_for_request(request)

    def compute():
        articles = summarize(articles_for(user, audience, kind)[:count], request)
        index_page = None
        if articles:
            index_page = (
                NewsIndexPage.objects.live().filter(audience__in=audiences_matching(audience)).order_by("path").first()
            )
        return {"articles": articles, "index_url": index_page.get_url(request) if index_page else ""}

    if audiences:
        # The URLs are relative to the request's site: the site is part of the key.
        key = (site.pk if site else "-", ",".join(sorted(audiences)), audience, count, kind or "")
        stream = content_cache.get_or_set(content_cache.NEWS, key, compute)
    else:
        key = None
        stream = {"articles": [], "index_url": ""}  # nothing to read: no query, nothing cached
    return {**stream, "audience": audience, "request": request, "cache_key": key}


def latest_articles_html(request, audience, count, title_level=3, heading=None):
    """The news stream as ``{% portal_news %}`` renders it, kept with the
    list it renders: the same for every reader granted the same audiences
    (the list's key), in the same language, under the same heading."""
    stream = latest_articles(request, audience, count)

    def render():
        context = {**stream, "heading": heading, "title_level": title_level}
        return render_to_string("aquatiris_portal/tags/news_list.html", context)

    if stream["cache_key"] is None:
        return mark_safe(render())  # noqa: S308  a template's output
    # The heading as a digest: a cache key holds no space or accent (memcached).
    heading_key = hashlib.blake2s(str(heading or "").encode(), digest_size=8).hexdigest() if heading else ""
    key = ("html", *stream["cache_key"], title_level, heading_key, translation.get_language() or "")
    return mark_safe(content_cache.get_or_set(content_cache.NEWS, key, render))  # noqa: S308  a template's output


class NewsStreamBlock(blocks.StructBlock):
    """The latest news and advice of one audience, anywhere. Each reader
    sees only what ``access.article_audiences_for`` grants them. It lives
    beside the articles it lists (the blocks room is below the pages)."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("News and advice"))
    audience = blocks.ChoiceBlock(label=_("audience"), choices=Audience.choices, default=Audience.CLIENTS)
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        required=False,
        choices=[("news", _("News")), ("advice", _("Advice"))],
        help_text=_("Empty shows both."),
    )
    count = blocks.IntegerBlock(label=_("number of articles"), default=3, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("News stream")
        template = "aquatiris_portal/tags/news_list.html"
        description = _("The latest articles of an audience, newest first.")
        preview_value = {"heading": "Actualités et conseils", "audience": Audience.CLIENTS, "count": 3}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(latest_articles(request, value["audience"], value["count"], kind=value.get("kind") or None))
        context["heading"] = value["heading"]
        return context


class ArticleBodyBlock(BodyBlock):
    """The body of news and advice articles: the blocks of ``blocks/`` and
    the two listing blocks, which query pages and snippets."""

    news = NewsStreamBlock()
    faq = FaqListBlock()

    class Meta:
        label = _("body")


class NewsIndexPage(AudienceRestrictedMixin, Page):
    """Lists the articles below it that the reader may read, paginated."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    audience = models.CharField(
        _("audience"),
        max_length=10,
        choices=Audience.choices,
        default=Audience.BOTH,
        help_text=_("Who this list is for; each reader sees only the articles of their own audience."),
    )
    per_page = models.PositiveSmallIntegerField(_("articles per page"), default=10)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("audience"), FieldPanel("per_page")]

    # Any page of the host site may hold it (the package cannot name the
    # host's home page model); the portal's own pages refuse it through
    # their subpage_types.
    parent_page_types = None
    subpage_types = ["aquatiris_portal.ArticlePage"]
    template = "aquatiris_portal/news/index.html"

    class Meta:
        verbose_name = _("news and advice index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        audience = self.audience
        # Readers of both audiences (staff) may narrow the list.
        wanted = request.GET.get("audience")
        if audience == Audience.BOTH and wanted in (Audience.CLIENTS, Audience.PROS):
            audience = wanted
        kind = request.GET.get("kind")
        kind = kind if kind in ArticleKind.values else None
        articles = articles_for(request.user, audience, kind).child_of(self)
        paginator = Paginator(articles, self.per_page or 10)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            raise Http404 from None
        context.update(
            articles=summarize(page_obj.object_list, request),
            page_obj=page_obj,
            paginator=paginator,
            kind=kind or "",
            kinds=ArticleKind.choices,
            audience_filter=audience if audience != self.audience else "",
            can_filter_audience=self.audience == Audience.BOTH
            and set(access.readable_audiences(request.user, Audience.BOTH)) >= {Audience.CLIENTS, Audience.PROS},
            audiences=[(Audience.CLIENTS, Audience.CLIENTS.label), (Audience.PROS, Audience.PROS.label)],
        )
        return context


class ArticlePage(AudienceRestrictedMixin, Page):
    """A piece of news or advice, for clients, pros or both."""

    date = models.DateField(_("date"), default=datetime.date.today, db_index=True)
    intro = models.TextField(_("introduction"), blank=True, max_length=500)
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.NEWS, db_index=True
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.CLIENTS, db_index=True
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("kind"), FieldPanel("audience")], heading=_("Publication")),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.FilterField("audience")]

    parent_page_types = ["aquatiris_portal.NewsIndexPage"]
    subpage_types = []
    template = "aquatiris_portal/news/article.html"

    class Meta:
        verbose_name = _("article (news or advice)")
        verbose_name_plural = _("articles (news or advice)")
