"""First connection: where the client code is printed (text and picture,
on the client space page) and the phone number for account help
(PortalSettings)."""

import wagtail.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0027_spanc_upload_type_date_result"),
    ]

    operations = [
        migrations.AddField(
            model_name="clientspacepage",
            name="code_facsimile",
            field=wagtail.fields.StreamField(
                [("facsimile", 2)],
                blank=True,
                block_lookup={
                    0: ("wagtail.images.blocks.ImageChooserBlock", (), {"label": "image"}),
                    1: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {
                            "help_text": "What the picture shows, for people who cannot see it, e.g. “Top of an invoice: Client: Anne Durand (AQ/22/0457)”.",
                            "label": "alternative text",
                            "max_length": 255,
                        },
                    ),
                    2: ("wagtail.blocks.StructBlock", [[("image", 0), ("alt_text", 1)]], {}),
                },
                help_text="A picture of the top of the document with the code. Empty: a drawing of an invoice's top.",
                verbose_name="picture of the code on its document",
            ),
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="code_help",
            field=models.TextField(
                blank=True,
                help_text="Shown on the first connection page under the code field. Name the document that carries the code. Empty: a text naming the quote and the invoices.",
                verbose_name="where to find the client code",
            ),
        ),
        migrations.AddField(
            model_name="portalsettings",
            name="network_phone",
            field=models.CharField(
                blank=True,
                help_text="Shown after a first connection request, for people who receive no email.",
                max_length=40,
                verbose_name="Aquatiris phone number for account help",
            ),
        ),
    ]
