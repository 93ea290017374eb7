from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from .actions import QuickActionsBlock
from .callout import CalloutBlock
from .contact import ContactCardBlock
from .documents import DocumentListBlock


class BodyBlock(blocks.StreamBlock):
    """The blocks of a portal page's body that query nothing of the pages.
    ``pages.news.ArticleBodyBlock`` adds the listing blocks (news stream,
    FAQ list), which live beside the pages and snippets they list."""

    heading = blocks.CharBlock(
        label=_("heading"), icon="title", form_classname="title", template="aquatiris_portal/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("paragraph"), icon="pilcrow", features=["bold", "italic", "link", "document-link", "ol", "ul"]
    )
    image = ImageBlock(label=_("image"), template="aquatiris_portal/blocks/image.html")
    callout = CalloutBlock()
    documents = DocumentListBlock()
    contact = ContactCardBlock()
    quick_actions = QuickActionsBlock()

    class Meta:
        label = _("body")
