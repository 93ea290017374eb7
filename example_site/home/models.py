from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from aquatiris_portal.blocks import PortalAccessButtonsBlock


class HomePage(Page):
    """The example site's home page, standing in for aquatiris.fr."""

    body = StreamField(
        [
            ("portal_access", PortalAccessButtonsBlock()),
            ("paragraph", blocks.RichTextBlock(label=_("paragraph"))),
        ],
        blank=True,
        use_json_field=True,
    )

    content_panels = Page.content_panels + [FieldPanel("body")]

    class Meta:
        verbose_name = _("home page")


class DemoObject(models.Model):
    """One row per object ``portal_demo`` created: the command changes or
    reuses only these, never a user, record or page it did not create."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="home_demoobject_unique")]

    def __str__(self):
        return f"{self.content_type.app_label}.{self.content_type.model} {self.object_id}"
