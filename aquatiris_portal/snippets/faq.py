"""FAQ entries, written by editors and shown by the FAQ page, block and tag."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from .audiences import Audience


class FaqTopic(models.TextChoices):
    GENERAL = "general", _("General")
    MAINTENANCE = "maintenance", _("Maintenance")
    INSTALLATION = "installation", _("My installation")
    WARRANTY = "warranty", _("Warranty")
    ACCOUNT = "account", _("My account")
    SPANC = "spanc", _("Inspections (SPANC)")


class FaqEntryQuerySet(models.QuerySet):
    def search_text(self, text):
        """Server-side search for the FAQ page's search box (plain substring:
        the lists are small, and it needs no search index)."""
        text = (text or "").strip()
        if not text:
            return self
        condition = Q()
        for word in text.split()[:8]:
            condition &= Q(question__icontains=word) | Q(answer__icontains=word)
        return self.filter(condition)


class FaqEntry(index.Indexed, models.Model):
    question = models.CharField(_("question"), max_length=255)
    answer = RichTextField(_("answer"), features=["bold", "italic", "link", "document-link", "ol", "ul"])
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.CLIENTS, db_index=True
    )
    topic = models.CharField(
        _("topic"), max_length=20, choices=FaqTopic.choices, default=FaqTopic.GENERAL, db_index=True
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    live = models.BooleanField(_("published"), default=True)

    objects = FaqEntryQuerySet.as_manager()

    panels = [
        FieldPanel("question"),
        FieldPanel("answer"),
        FieldPanel("audience"),
        FieldPanel("topic"),
        FieldPanel("sort_order"),
        FieldPanel("live"),
    ]
    search_fields = [
        index.SearchField("question"),
        index.AutocompleteField("question"),
        index.SearchField("answer"),
        index.FilterField("audience"),
        index.FilterField("topic"),
    ]

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["topic", "sort_order", "question"]

    def __str__(self):
        return self.question
