from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from .actions import QuickActionsBlock
from .callout import CalloutBlock
from .contact import ContactCardBlock
from .documents import DocumentListBlock
from .faq import FaqListBlock
from .news import NewsStreamBlock


class ArticleBodyBlock(blocks.StreamBlock):
    """The body of news and advice articles (and of other portal pages)."""

    heading = blocks.CharBlock(label=_("heading"), icon="title", form_classname="title",
                               template="aquatiris_portal/blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("paragraph"), icon="pilcrow",
                                     features=["bold", "italic", "link", "document-link", "ol", "ul"])
    image = ImageBlock(label=_("image"), template="aquatiris_portal/blocks/image.html")
    callout = CalloutBlock()
    documents = DocumentListBlock()
    contact = ContactCardBlock()
    quick_actions = QuickActionsBlock()
    news = NewsStreamBlock()
    faq = FaqListBlock()

    class Meta:
        label = _("body")
