# The SPANC upload asks a type, a date and, for a control report, its result;
# the upload help is built from the limits, so the editors' copy of them goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0026_canonical_serial_numbers"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="portalsettings",
            name="upload_limits_text",
        ),
        migrations.AddField(
            model_name="spancdocumenttype",
            name="is_control_report",
            field=models.BooleanField(
                default=False,
                help_text="A document of this type is a control report: the SPANC must give the control's result "
                "(compliant or not) when sending it.",
                verbose_name="control report",
            ),
        ),
        migrations.AddField(
            model_name="portaldocument",
            name="control_result",
            field=models.CharField(
                blank=True,
                choices=[
                    ("compliant", "Compliant"),
                    ("not_compliant_works_advised", "Not compliant – works to plan"),
                    ("not_compliant_works_required", "Not compliant – works required"),
                ],
                max_length=40,
                verbose_name="control result",
            ),
        ),
    ]
