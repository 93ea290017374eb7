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
