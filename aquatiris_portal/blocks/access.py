from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class PortalAccessButtonsBlock(blocks.StructBlock):
    """The two buttons of the home page: "Espace client" and "Espace pro"."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("Your personal spaces"))
    client_space = blocks.PageChooserBlock(
        label=_("client space"), page_type="aquatiris_portal.ClientSpacePage", required=False
    )
    client_label = blocks.CharBlock(label=_("client button text"), default=_("Client space"))
    pro_space = blocks.PageChooserBlock(label=_("pro space"), page_type="aquatiris_portal.ProSpacePage", required=False)
    pro_label = blocks.CharBlock(label=_("pro button text"), default=_("Pro space (SPANC)"))

    class Meta:
        icon = "user"
        label = _("Portal access buttons")
        template = "aquatiris_portal/blocks/access_buttons.html"
        preview_value = {"heading": "Vos espaces", "client_label": "Espace client", "pro_label": "Espace pro (SPANC)"}
        description = _("Buttons leading to the client space and the pro space.")
