"""The spaces' texts live on the space pages now (0030 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0030_space_page_texts"),
    ]

    operations = [
        migrations.RemoveField(model_name="portalsettings", name=name)
        for name in (
            "client_space_intro",
            "pro_space_intro",
            "maintenance_contract_text",
            "request_form_intro",
            "spanc_upload_intro",
            "emergency_phone",
            "emergency_text",
        )
    ]
