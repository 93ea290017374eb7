"""What forgets the cached editors' content (content_cache.py), connected by
aquatiris_portal/signals.py.

Model signals are connected to the few models concerned only: a
``post_delete`` receiver on every model would stop Django's fast deletes
everywhere (the retention job deletes documents by the thousand).
"""

from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import content_cache
from .pages.accessibility import AccessibilityStatementPage
from .pages.news import ArticlePage, NewsIndexPage
from .pages.space_routes import SPACE_MODELS
from .snippets.site_settings import PortalSettings
from .snippets.stages import ProjectStage


def forget_news(**kwargs):
    content_cache.invalidate(content_cache.NEWS)


def forget_settings(created=False, **kwargs):
    # A row just created (by ``for_site``'s get_or_create, on a site's first
    # page) replaces nothing that could be cached: no need to miss again.
    if not created:
        content_cache.invalidate(content_cache.SETTINGS)


def forget_stages(**kwargs):
    content_cache.invalidate(content_cache.STAGES)


def forget_news_and_settings(**kwargs):
    content_cache.invalidate(content_cache.NEWS, content_cache.SETTINGS)


# The news stream holds titles, dates, intros, image tags and URLs. Saving an
# article or index (add_child, a draft, a publication), publishing,
# unpublishing or moving any page (an ancestor's slug is part of the
# articles' URLs) changes what it shows; deleting an ancestor deletes the
# articles (their post_delete).
for model in (ArticlePage, NewsIndexPage):
    post_save.connect(forget_news, sender=model, dispatch_uid=f"aquatiris_portal.content_cache.save.{model.__name__}")
    post_delete.connect(
        forget_news, sender=model, dispatch_uid=f"aquatiris_portal.content_cache.delete.{model.__name__}"
    )
page_published.connect(forget_news, dispatch_uid="aquatiris_portal.content_cache.published")
page_unpublished.connect(forget_news, dispatch_uid="aquatiris_portal.content_cache.unpublished")
post_page_move.connect(forget_news, dispatch_uid="aquatiris_portal.content_cache.moved")

# Portal settings are cached per site.
post_save.connect(forget_settings, sender=PortalSettings, dispatch_uid="aquatiris_portal.content_cache.settings.save")
post_delete.connect(
    forget_settings, sender=PortalSettings, dispatch_uid="aquatiris_portal.content_cache.settings.delete"
)

# A site's hostname, port or root page changes the articles' URLs and which
# settings a request gets. An image deleted leaves a settings row pointing
# at nothing (SET_NULL without signal) and dead image tags in the news.
for model in (Site, get_image_model()):
    post_save.connect(
        forget_news_and_settings, sender=model, dispatch_uid=f"aquatiris_portal.content_cache.save.{model._meta.label}"
    )
    post_delete.connect(
        forget_news_and_settings,
        sender=model,
        dispatch_uid=f"aquatiris_portal.content_cache.delete.{model._meta.label}",
    )
post_delete.connect(
    forget_news,
    sender=get_image_model().get_rendition_model(),
    dispatch_uid="aquatiris_portal.content_cache.delete.rendition",
)

# Stage names and descriptions (snippet).
post_save.connect(forget_stages, sender=ProjectStage, dispatch_uid="aquatiris_portal.content_cache.stages.save")
post_delete.connect(forget_stages, sender=ProjectStage, dispatch_uid="aquatiris_portal.content_cache.stages.delete")

# Wagtail's site look-up (sites.py, CachedSiteMiddleware). The cached Site
# holds its root page: a site changed or deleted (deleting its root page
# deletes it), a page moved (the root's path) or (un)published.


def forget_sites(**kwargs):
    content_cache.invalidate(content_cache.SITES)


post_save.connect(forget_sites, sender=Site, dispatch_uid="aquatiris_portal.content_cache.sites.save")
post_delete.connect(forget_sites, sender=Site, dispatch_uid="aquatiris_portal.content_cache.sites.delete")
post_page_move.connect(forget_sites, dispatch_uid="aquatiris_portal.content_cache.sites.moved")
page_published.connect(forget_sites, dispatch_uid="aquatiris_portal.content_cache.sites.published")
page_unpublished.connect(forget_sites, dispatch_uid="aquatiris_portal.content_cache.sites.unpublished")


# The accessibility statement's URL and conformance (portal_accessibility):
# any page published, unpublished or moved may be it or above it; a site's
# root changes which statement is its own.


def forget_accessibility(**kwargs):
    content_cache.invalidate(content_cache.ACCESSIBILITY)


for model in (AccessibilityStatementPage, Site):
    post_save.connect(
        forget_accessibility,
        sender=model,
        dispatch_uid=f"aquatiris_portal.content_cache.accessibility.save.{model._meta.label}",
    )
    post_delete.connect(
        forget_accessibility,
        sender=model,
        dispatch_uid=f"aquatiris_portal.content_cache.accessibility.delete.{model._meta.label}",
    )
post_page_move.connect(forget_accessibility, dispatch_uid="aquatiris_portal.content_cache.accessibility.moved")
page_published.connect(forget_accessibility, dispatch_uid="aquatiris_portal.content_cache.accessibility.published")
page_unpublished.connect(forget_accessibility, dispatch_uid="aquatiris_portal.content_cache.accessibility.unpublished")


# The client space's navigation links (portal_shell): the space and FAQ
# pages' URLs, changed by a page published, unpublished (deleted) or moved,
# or a site's root.


def forget_shell(**kwargs):
    content_cache.invalidate(content_cache.SHELL)


post_save.connect(forget_shell, sender=Site, dispatch_uid="aquatiris_portal.content_cache.shell.save")
post_delete.connect(forget_shell, sender=Site, dispatch_uid="aquatiris_portal.content_cache.shell.delete")
post_page_move.connect(forget_shell, dispatch_uid="aquatiris_portal.content_cache.shell.moved")
page_published.connect(forget_shell, dispatch_uid="aquatiris_portal.content_cache.shell.published")
page_unpublished.connect(forget_shell, dispatch_uid="aquatiris_portal.content_cache.shell.unpublished")


# The spaces' pages and their view restrictions, for Wagtail's routing
# (pages/space_routes.py): any page published, unpublished (deleted) or
# moved may be a space or above one; a space saved (its texts, its slug) or
# deleted; a site's root or hostname; a restriction added, changed or removed.


def forget_routes(**kwargs):
    content_cache.invalidate(content_cache.ROUTES)


for model in (*SPACE_MODELS, Site, PageViewRestriction):
    post_save.connect(
        forget_routes, sender=model, dispatch_uid=f"aquatiris_portal.content_cache.routes.save.{model._meta.label}"
    )
    post_delete.connect(
        forget_routes, sender=model, dispatch_uid=f"aquatiris_portal.content_cache.routes.delete.{model._meta.label}"
    )
post_page_move.connect(forget_routes, dispatch_uid="aquatiris_portal.content_cache.routes.moved")
page_published.connect(forget_routes, dispatch_uid="aquatiris_portal.content_cache.routes.published")
page_unpublished.connect(forget_routes, dispatch_uid="aquatiris_portal.content_cache.routes.unpublished")


# The version tokens are read once per request (content_cache._version).
request_started.connect(content_cache.request_started, dispatch_uid="aquatiris_portal.content_cache.request_started")
request_finished.connect(content_cache.request_finished, dispatch_uid="aquatiris_portal.content_cache.request_finished")
