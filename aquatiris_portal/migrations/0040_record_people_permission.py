"""The permission of the admin's « Personnes » screen: a proxy of Membership
(no table) carrying ``manage_record_people`` only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0039_account_links_removed"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordPeople",
            fields=[],
            options={
                "verbose_name": "people of a space",
                "verbose_name_plural": "people of the spaces",
                "permissions": [
                    ("manage_record_people", "Can invite and remove the people of a client or a SPANC (admin)")
                ],
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("aquatiris_portal.membership",),
        ),
    ]
