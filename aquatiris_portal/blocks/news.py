from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..snippets.audiences import Audience


class NewsStreamBlock(blocks.StructBlock):
    """The latest news and advice of one audience, anywhere. Each reader
    sees only what ``access.article_audiences_for`` grants them."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("News and advice"))
    audience = blocks.ChoiceBlock(label=_("audience"), choices=Audience.choices, default=Audience.CLIENTS)
    kind = blocks.ChoiceBlock(
        label=_("kind"), required=False,
        choices=[("news", _("News")), ("advice", _("Advice"))], help_text=_("Empty shows both."),
    )
    count = blocks.IntegerBlock(label=_("number of articles"), default=3, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("News stream")
        template = "aquatiris_portal/tags/news_list.html"
        description = _("The latest articles of an audience, newest first.")
        preview_value = {"heading": "Actualités et conseils", "audience": "clients", "count": 3}

    def get_context(self, value, parent_context=None):
        from ..pages.news import latest_articles

        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(latest_articles(request, value["audience"], value["count"], kind=value.get("kind") or None))
        context["heading"] = value["heading"]
        return context
