from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..snippets.links import safe_editor_url, validate_editor_url


class QuickActionValue(blocks.StructValue):
    @property
    def safe_url(self):
        """The typed address, or nothing if it is not one an editor may
        type (content saved before the check existed)."""
        return safe_editor_url(self.get("url") or "")


class QuickActionBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("label"), max_length=80)
    description = blocks.CharBlock(label=_("description"), required=False, max_length=160)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.CharBlock(
        label=_("or address"),
        required=False,
        max_length=300,
        help_text=_("A path such as /espace-client/demande/ or a full address."),
    )

    class Meta:
        icon = "link"
        label = _("Action")
        value_class = QuickActionValue

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError({"url": ValidationError(_("Choose a page or type an address."))})
        # Checked here rather than by a validator of the field: the block's
        # definition (and so the migrations) stays the same.
        try:
            validate_editor_url(value.get("url") or "")
        except ValidationError as error:
            raise blocks.StructBlockValidationError({"url": error}) from error
        return value


class QuickActionsBlock(blocks.StructBlock):
    """A row of big links to what people come for (send a request, read
    the maintenance guide...)."""

    heading = blocks.CharBlock(label=_("heading"), required=False, default=_("Quick actions"))
    actions = blocks.ListBlock(QuickActionBlock(), label=_("actions"), min_num=1, max_num=8)

    class Meta:
        icon = "list-ul"
        label = _("Quick actions")
        template = "aquatiris_portal/blocks/quick_actions.html"
        description = _("Large links to the most frequent tasks.")
        preview_value = {
            "heading": "Accès rapides",
            "actions": [
                {"label": "Poser une question", "description": "Votre franchisé vous répond", "url": "#"},
                {"label": "Signaler un dysfonctionnement", "description": "Demande SAV", "url": "#"},
                {"label": "Guide d'entretien", "description": "Les bons gestes", "url": "#"},
            ],
        }
