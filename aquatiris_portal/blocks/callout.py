from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class CalloutBlock(blocks.StructBlock):
    """A highlighted message. The tone is also written out in words (not
    only a colour)."""

    tone = blocks.ChoiceBlock(
        label=_("tone"),
        default="info",
        choices=[("info", _("Information")), ("tip", _("Tip")), ("warning", _("Important"))],
    )
    title = blocks.CharBlock(label=_("title"), required=False)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "document-link", "ul"])

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "aquatiris_portal/blocks/callout.html"
        description = _("A highlighted message: information, tip or important notice.")
        preview_value = {
            "tone": "tip",
            "title": "Le bon geste",
            "text": "<p>Faucardez les roseaux une fois par an, à l'automne.</p>",
        }
