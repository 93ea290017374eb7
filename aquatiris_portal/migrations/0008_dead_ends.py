# No dead end, plain French: accessibility statement page, SPANC
# document types, emergency texts and warranty length in the portal settings,
# a serial-number pattern that no longer matches installation references.

import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

# Wagtail 8 lets a site swap its Page model (WAGTAIL_PAGE_MODEL); Wagtail 7.4 has no such setting.
PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.page")

OLD_PATTERN = r"^AQ-?\d{4}-?\d{4,6}$"  # the previous default: it matched references (AQ-2019-5001)
NEW_PATTERN = r"^AQ-\d{4}-\d{6}$"


def stop_matching_references(apps, schema_editor):
    """Settings still on the previous default get the new one; a pattern an
    editor wrote is kept (references are refused by the form anyway)."""
    PortalSettings = apps.get_model("aquatiris_portal", "PortalSettings")
    PortalSettings.objects.filter(serial_number_pattern=OLD_PATTERN).update(serial_number_pattern=NEW_PATTERN)


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0007_request_threads"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),  # the newest on Wagtail 7.4 and 8
    ]

    operations = [
        migrations.CreateModel(
            name="AccessibilityStatementPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=PAGE_MODEL,
                    ),
                ),
                (
                    "entity",
                    models.CharField(default="Aquatiris", max_length=200, verbose_name="who commits to accessibility"),
                ),
                (
                    "scope",
                    models.CharField(
                        default="the client space and the pro space of the Aquatiris website",
                        max_length=255,
                        verbose_name="what the statement covers",
                    ),
                ),
                (
                    "conformance",
                    models.CharField(
                        choices=[
                            ("full", "fully compliant"),
                            ("partial", "partially compliant"),
                            ("none", "not compliant"),
                        ],
                        default="partial",
                        max_length=10,
                        verbose_name="conformance status",
                    ),
                ),
                (
                    "compliance_rate",
                    models.CharField(
                        blank=True,
                        help_text="As the audit gives it, e.g. “82 %”. Empty until an audit was made.",
                        max_length=40,
                        verbose_name="rate of criteria met",
                    ),
                ),
                ("audit_date", models.DateField(blank=True, null=True, verbose_name="date of the audit")),
                ("audited_by", models.CharField(blank=True, max_length=200, verbose_name="audit made by")),
                (
                    "non_compliant",
                    wagtail.fields.RichTextField(
                        blank=True,
                        help_text="The criteria not met and what they concern.",
                        verbose_name="non-compliant content",
                    ),
                ),
                (
                    "derogations",
                    wagtail.fields.RichTextField(blank=True, verbose_name="derogations for disproportionate burden"),
                ),
                (
                    "not_subject",
                    wagtail.fields.RichTextField(blank=True, verbose_name="content not subject to the obligation"),
                ),
                (
                    "technologies",
                    models.CharField(
                        default="HTML5, CSS, JavaScript", max_length=255, verbose_name="technologies used"
                    ),
                ),
                (
                    "environment",
                    wagtail.fields.RichTextField(
                        blank=True, verbose_name="test environment (browsers and assistive technologies)"
                    ),
                ),
                (
                    "tools",
                    wagtail.fields.RichTextField(
                        blank=True,
                        default="<p>axe-core, Lighthouse, navigation au clavier seul</p>",
                        verbose_name="tools used to check accessibility",
                    ),
                ),
                ("pages_checked", wagtail.fields.RichTextField(blank=True, verbose_name="pages checked")),
                (
                    "contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="contact email for accessibility"),
                ),
                ("contact_address", models.TextField(blank=True, verbose_name="contact postal address")),
                ("established_on", models.DateField(blank=True, null=True, verbose_name="statement established on")),
            ],
            options={
                "verbose_name": "accessibility statement",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="SpancDocumentType",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("sort_order", models.PositiveIntegerField(default=100, verbose_name="order")),
                ("active", models.BooleanField(default=True, verbose_name="shown in the form")),
            ],
            options={
                "verbose_name": "SPANC document type",
                "verbose_name_plural": "SPANC document types",
                "ordering": ["sort_order", "name"],
            },
        ),
        migrations.AddField(
            model_name="portaldocument",
            name="document_type",
            field=models.CharField(blank=True, max_length=120, verbose_name="document type"),
        ),
        migrations.AddField(
            model_name="portalsettings",
            name="emergency_phone",
            field=models.CharField(
                blank=True,
                help_text="Shown to clients on their dashboard and on the contact page. Empty: the installer's phone.",
                max_length=40,
                verbose_name="emergency phone number",
            ),
        ),
        migrations.AddField(
            model_name="portalsettings",
            name="emergency_text",
            field=models.TextField(
                blank=True,
                default="Your filter overflows, water stays on the surface or it smells strongly: stop using water as far as you can (washing machine, bath), do not open the inspection chambers, and call your Aquatiris installer.",
                help_text="Shown to clients on their dashboard and on the contact page.",
                verbose_name="what to do in an emergency",
            ),
        ),
        migrations.AddField(
            model_name="portalsettings",
            name="warranty_years",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Counted from the installation date (from the registration when it is unknown). The end date is printed on the certificate.",
                verbose_name="length of the extended warranty (years)",
            ),
        ),
        migrations.AlterField(
            model_name="portalsettings",
            name="serial_number_help",
            field=models.CharField(
                default="The serial number is printed on the manufacturer's plate fixed on your installation: AQ, the year, then 6 digits, e.g. AQ-2024-012345.",
                max_length=255,
                verbose_name="serial number help",
            ),
        ),
        migrations.AlterField(
            model_name="portalsettings",
            name="serial_number_pattern",
            field=models.CharField(
                default="^AQ-\\d{4}-\\d{6}$",
                help_text="Regular expression the serial number must match, written in its canonical form (capitals, groups joined by hyphens: AQ-2024-012345). It must not match installation references (AQ-2019-5001): a reference is refused anyway.",
                max_length=200,
                verbose_name="serial number pattern",
            ),
        ),
        migrations.RunPython(stop_matching_references, migrations.RunPython.noop),
    ]
