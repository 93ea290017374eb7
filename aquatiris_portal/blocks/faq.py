from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..snippets.audiences import Audience
from ..snippets.faq import FaqTopic


class FaqListBlock(blocks.StructBlock):
    """FAQ entries of one audience (and topic) as an accordion that works
    without JavaScript."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("Frequently asked questions"))
    audience = blocks.ChoiceBlock(label=_("audience"), choices=Audience.choices, default=Audience.CLIENTS)
    topic = blocks.ChoiceBlock(label=_("topic"), choices=FaqTopic.choices, required=False,
                               help_text=_("Empty shows every topic."))
    count = blocks.IntegerBlock(label=_("maximum number of questions"), default=10, min_value=1, max_value=50)

    class Meta:
        icon = "help"
        label = _("FAQ list")
        template = "aquatiris_portal/tags/faq_list.html"
        description = _("Questions and answers written in the FAQ snippets.")
        preview_value = {"heading": "Questions fréquentes", "audience": "clients", "topic": "maintenance", "count": 5}

    def get_context(self, value, parent_context=None):
        from ..pages.faq import faq_entries

        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(faq_entries(request, value["audience"], topic=value.get("topic") or "", limit=value["count"]))
        context["heading"] = value["heading"]
        return context
