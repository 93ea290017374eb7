"""Public names and short descriptions of the project stages, editable by
editors. A stage without a row shows the built-in name and text."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet

from .. import content_cache
from ..records.models import STAGE_ORDER, Stage

DEFAULT_DESCRIPTIONS = {
    Stage.STUDY: _("Your franchisee studies your plot and your soil to design the right installation."),
    Stage.QUOTE: _("You receive the quote for your installation."),
    Stage.INSTALLATION: _("Your installation is being built."),
    Stage.COMMISSIONED: _("Your installation is commissioned and checked."),
    Stage.MAINTENANCE: _("Your installation is in service: regular maintenance keeps it working well."),
}


@register_snippet
class ProjectStage(models.Model):
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    public_name = models.CharField(
        _("public name"), max_length=80, blank=True, help_text=_("Name shown to clients; empty uses the default name.")
    )
    description = models.CharField(_("short description"), max_length=255, blank=True)

    panels = [FieldPanel("stage"), FieldPanel("public_name"), FieldPanel("description")]

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")

    def __str__(self):
        return self.public_name or self.get_stage_display()


def progress_for(stage_value, texts):
    """The stages in order for a progress display.

    ``texts`` maps stage value -> ProjectStage (one query, made by the caller
    once per page whatever the number of installations).
    """
    current = STAGE_ORDER.index(stage_value) if stage_value in STAGE_ORDER else 0
    steps = []
    for index, choice in enumerate(Stage):
        row = texts.get(choice.value)
        steps.append(
            {
                "value": choice.value,
                "name": (row.public_name if row and row.public_name else choice.label),
                "description": (row.description if row and row.description else DEFAULT_DESCRIPTIONS[choice]),
                "number": index + 1,
                "done": index < current,
                "current": index == current,
            }
        )
    return steps


def stage_texts():
    """Stage value -> ProjectStage row; cached (the same for every client),
    forgotten when a row is saved or deleted (content_cache_receivers.py)."""
    return content_cache.get_or_set(
        content_cache.STAGES, (), lambda: {row.stage: row for row in ProjectStage.objects.all()}
    )
