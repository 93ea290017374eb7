"""Where a client finds the code of the first connection: the help the
activation page shows under the code field. Editors write it on the client
space page (``code_help`` and ``code_facsimile``, a picture of the document
with the code); empty fields show the defaults below."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

# Shapes of real codes (the internal system's eras: records/codes.py, the
# demo's people.py), never an invented one a client would not recognise.
EXAMPLE_CLIENT_CODE = "AQ/22/0457"
EXAMPLE_PRO_CODE = "PRO 35/012"

DEFAULT_CODE_HELP = _(
    "Your client code is printed at the top of your Aquatiris quote and of each invoice, after your name "
    "(for example “Client: Anne Durand (AQ/22/0457)”). It may also look like CLI-1037 or C 10088 B: type it "
    "as you read it. A SPANC finds its pro code (for example PRO 35/012) in the letter Aquatiris sent to open "
    "its access."
)


class CodeFacsimileBlock(blocks.StructBlock):
    """A picture of the document where the code is printed, and what it
    shows in words (required: people who cannot see it read the words)."""

    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        max_length=255,
        help_text=_(
            "What the picture shows, for people who cannot see it, e.g. "
            "“Top of an invoice: Client: Anne Durand (AQ/22/0457)”."
        ),
    )

    class Meta:
        icon = "image"
        label = _("picture of the document")
        template = "aquatiris_portal/accounts/_code_facsimile_image.html"
