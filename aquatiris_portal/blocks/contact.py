from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class ContactCardBlock(blocks.StructBlock):
    """Who to call or write to (customer service, network head...)."""

    heading = blocks.CharBlock(label=_("heading"), default=_("Contact us"))
    name = blocks.CharBlock(label=_("name"), required=False)
    phone = blocks.CharBlock(label=_("phone"), required=False, max_length=40)
    email = blocks.EmailBlock(label=_("email"), required=False)
    address = blocks.TextBlock(label=_("address"), required=False, rows=3)
    hours = blocks.CharBlock(label=_("opening hours"), required=False)

    class Meta:
        icon = "mail"
        label = _("Contact card")
        template = "aquatiris_portal/blocks/contact_card.html"
        description = _("A name, phone number, email address and opening hours.")
        preview_value = {
            "heading": "Service client",
            "name": "Aquatiris",
            "phone": "02 99 00 00 00",
            "email": "contact@aquatiris.example",
            "address": "1 rue de l'Eau\n35000 Rennes",
            "hours": "Du lundi au vendredi, 9 h – 17 h",
        }
