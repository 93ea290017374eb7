"""The owner's own maintenance tasks by season: editors
write them as snippets (title, text, months, optional image); the client
space's maintenance page shows this month's."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


def parse_months(value):
    """[1..12] of "10, 11" (month numbers separated by commas)."""
    months = []
    for part in str(value or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 12:
            raise ValidationError(_("Write month numbers from 1 to 12 separated by commas, e.g. 10,11."))
        months.append(int(part))
    return sorted(set(months))


def validate_months(value):
    if not parse_months(value):
        raise ValidationError(_("Give at least one month."))


class SeasonalTaskQuerySet(models.QuerySet):
    def for_month(self, month=None):
        month = month or timezone.localdate().month
        # "," around the stored list: 1 does not match 10, 11 or 12.
        return self.filter(active=True, months_key__contains=f",{month},")


class SeasonalTask(models.Model):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    months = models.CharField(
        _("months"),
        max_length=40,
        validators=[validate_months],
        help_text=_("Month numbers separated by commas: 10,11 for October and November."),
    )
    months_key = models.CharField(max_length=42, editable=False, db_index=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("shown"), default=True)

    objects = SeasonalTaskQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("months"),
        FieldPanel("image"),
        FieldPanel("sort_order"),
        FieldPanel("active"),
    ]

    class Meta:
        app_label = "aquatiris_portal"
        verbose_name = _("seasonal maintenance task")
        verbose_name_plural = _("seasonal maintenance tasks")
        ordering = ["sort_order", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        months = parse_months(self.months)
        self.months = ",".join(str(month) for month in months)
        self.months_key = f",{self.months},"
        super().save(*args, **kwargs)
