from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock


class DocumentListBlock(blocks.StructBlock):
    """Wagtail documents chosen by an editor (maintenance guides...). Their
    privacy is the collection's: a guide for clients only lives in a
    collection restricted to the portal clients' group."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("Documents"))
    documents = blocks.ListBlock(DocumentChooserBlock(label=_("document")), label=_("documents"), min_num=1)

    class Meta:
        icon = "doc-full"
        label = _("List of documents")
        template = "aquatiris_portal/blocks/document_list.html"
        description = _("Documents from the document library, with their type and size.")
        preview_value = {"heading": "Guides d'entretien", "documents": []}
