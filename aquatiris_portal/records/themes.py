"""Document themes: the headings documents are filed under.

They arrive by slug with the documents of the sync (and with the
certificates and SPANC uploads the portal makes); editors rename and order
them as snippets. ``theme_for`` is the one get-or-create of a theme.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class DocumentTheme(index.Indexed, models.Model):
    """A heading documents are filed under (étude de sol, garanties, ...).

    Themes arrive by slug from the sync; an unknown slug creates one that an
    editor can rename and place.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100, db_index=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("document theme")
        verbose_name_plural = _("document themes")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


def theme_for(slug, *, name=None, sort_order=100):
    """The theme of ``slug``; created when missing, named ``name`` or after
    the slug ("contrats-speciaux" -> "Contrats speciaux"), for an editor to
    rename and place."""
    if not name:
        name = slug.replace("-", " ").replace("_", " ").strip().capitalize() or slug
    return DocumentTheme.objects.get_or_create(slug=slug, defaults={"name": name[:120], "sort_order": sort_order})[0]
