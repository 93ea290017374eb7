"""News and advice: an index page and article pages, each private to its
audience (clients, pros or both) as decided by ``access.article_audiences_for``."""

import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .. import access
from ..blocks.body import ArticleBodyBlock
from ..conf import portal_settings
from ..snippets.audiences import Audience, audiences_matching


class ArticleKind(models.TextChoices):
    NEWS = "news", _("News")
    ADVICE = "advice", _("Advice")


def readable_audiences(user, audience):
    """Stored audiences of the articles ``user`` may read among those meant
    for ``audience`` (empty when the user may read none of them)."""
    allowed = access.article_audiences_for(user)
    return [value for value in audiences_matching(audience) if value in allowed]


def articles_for(user, audience=Audience.BOTH, kind=None):
    """Live articles of ``audience`` that ``user`` may read, newest first,
    with what the lists render fetched in bounded queries."""
    audiences = readable_audiences(user, audience)
    if not audiences:
        return ArticlePage.objects.none()
    queryset = ArticlePage.objects.live().filter(audience__in=audiences)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.select_related("image").prefetch_related("image__renditions").order_by("-date", "-pk")


def latest_articles(request, audience, count, kind=None):
    """Context of the news stream (block and ``{% portal_news %}``)."""
    user = getattr(request, "user", None)
    articles = list(articles_for(user, audience, kind)[: max(1, min(int(count), 24))])
    index_page = None
    if articles:
        index_page = (
            NewsIndexPage.objects.live().filter(audience__in=audiences_matching(audience)).order_by("path").first()
        )
    return {
        "articles": articles,
        "audience": audience,
        "index_url": index_page.get_url(request) if index_page else "",
        "request": request,
    }


def deny_unless_readable(request, readable):
    """Anonymous → login page; a reader of another audience → 404 (the
    content does not exist for them). Returns a response or None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(portal_settings.LOGIN_URL_NAME))
    if not readable(request.user):
        raise Http404
    return None


def private_response(response):
    # Never stored by a shared cache: what a page shows depends on who asks.
    patch_cache_control(response, private=True, no_cache=True)
    return response


class AudienceRestrictedMixin:
    """A page read only by its ``audience`` (decided by ``access``): kept out
    of sitemaps and caches; anonymous readers go to login, others get 404."""

    def get_sitemap_urls(self, request=None):
        return []  # private to logged-in readers

    def serve(self, request, *args, **kwargs):
        denied = deny_unless_readable(request, lambda user: self.audience in access.article_audiences_for(user))
        if denied:
            return denied
        return private_response(super().serve(request, *args, **kwargs))


class NewsIndexPage(AudienceRestrictedMixin, Page):
    """Lists the articles below it that the reader may read, paginated."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.BOTH,
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
            raise Http404
        context.update(
            articles=page_obj.object_list,
            page_obj=page_obj,
            paginator=paginator,
            kind=kind or "",
            kinds=ArticleKind.choices,
            audience_filter=audience if audience != self.audience else "",
            can_filter_audience=self.audience == Audience.BOTH
            and set(readable_audiences(request.user, Audience.BOTH)) >= {Audience.CLIENTS, Audience.PROS},
            audiences=[(Audience.CLIENTS, Audience.CLIENTS.label), (Audience.PROS, Audience.PROS.label)],
        )
        return context


class ArticlePage(AudienceRestrictedMixin, Page):
    """A piece of news or advice, for clients, pros or both."""

    date = models.DateField(_("date"), default=datetime.date.today, db_index=True)
    intro = models.TextField(_("introduction"), blank=True, max_length=500)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.NEWS,
                            db_index=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.CLIENTS,
                                db_index=True)

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

