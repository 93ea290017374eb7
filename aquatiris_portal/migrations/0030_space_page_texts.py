"""The spaces' texts move from the portal settings onto the space pages,
where editors write them with preview and revisions: new page fields, then
each site's settings values copied onto that site's space pages (and into
their revisions, so the editor's form and a revert show them too). The
settings fields go in 0031."""

from django.db import migrations, models

# page field -> the PortalSettings field it takes its value from.
CLIENT_FIELDS = {
    "intro": "client_space_intro",
    "request_form_intro": "request_form_intro",
    "maintenance_contract_text": "maintenance_contract_text",
    "emergency_text": "emergency_text",
    "emergency_phone": "emergency_phone",
}
PRO_FIELDS = {"intro": "pro_space_intro", "spanc_upload_intro": "spanc_upload_intro"}
PAGES = (("clientspacepage", CLIENT_FIELDS), ("prospacepage", PRO_FIELDS))


def _site_of(page, sites):
    """The site whose root holds the page (the deepest one), else the default site."""
    holding = [site for site in sites if page.path.startswith(site.root_page.path)]
    if holding:
        return max(holding, key=lambda site: len(site.root_page.path))
    return next((site for site in sites if site.is_default_site), None)


def _pages(apps):
    """(model, fields, content type, site's pk, page) for every space page."""
    sites = list(apps.get_model("wagtailcore", "Site").objects.select_related("root_page").order_by("pk"))
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for model_name, fields in PAGES:
        model = apps.get_model("aquatiris_portal", model_name)
        content_type = content_types.filter(app_label="aquatiris_portal", model=model_name).first()
        for page in model.objects.order_by("path"):
            site = _site_of(page, sites)
            yield model, fields, content_type, site.pk if site else None, page


def copy_to_pages(apps, schema_editor):
    settings_of = {row.site_id: row for row in apps.get_model("aquatiris_portal", "PortalSettings").objects.all()}
    revisions = apps.get_model("wagtailcore", "Revision").objects
    for model, fields, content_type, site_pk, page in _pages(apps):
        source = settings_of.get(site_pk)
        if source is None:  # the site never saved its settings: the pages keep the fields' defaults
            continue
        values = {field: getattr(source, setting) for field, setting in fields.items()}
        model.objects.filter(pk=page.pk).update(**values)
        if content_type is None:
            continue
        # A revision's content has no such keys: Wagtail would fill the
        # editor's form (and a revert) with the fields' defaults.
        for revision in revisions.filter(content_type=content_type, object_id=str(page.pk)).iterator():
            content = dict(revision.content or {})
            missing = {field: value for field, value in values.items() if field not in content}
            if missing:
                content.update(missing)
                revision.content = content
                revision.save(update_fields=["content"])


def copy_to_settings(apps, schema_editor):
    """Back: each site's settings take the texts of its first space page of each kind."""
    settings_model = apps.get_model("aquatiris_portal", "PortalSettings")
    done = set()
    for model, fields, _content_type, site_pk, page in _pages(apps):
        if site_pk is None or (site_pk, model) in done:
            continue
        done.add((site_pk, model))
        row, _created = settings_model.objects.get_or_create(site_id=site_pk)
        for field, setting in fields.items():
            setattr(row, setting, getattr(page, field))
        row.save()


class Migration(migrations.Migration):
    dependencies = [
        ("aquatiris_portal", "0029_trusted_browsers"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),  # as 0001: Revision and its content
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="clientspacepage",
            options={
                "permissions": [("view_as_client", "Can view the client space as a chosen client (read only)")],
                "verbose_name": "client space",
            },
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="intro",
            field=models.TextField(
                blank=True,
                help_text="Shown at the top of the client's dashboard, under the welcome. Plain text: a line break starts a new line.",
                verbose_name="welcome text",
            ),
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="request_form_intro",
            field=models.TextField(
                blank=True,
                help_text="Shown above the question / after-sales form (« Contact my installer »).",
                verbose_name="request form introduction",
            ),
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="maintenance_contract_text",
            field=models.TextField(
                blank=True,
                default="Ask for a maintenance contract: your franchisee will contact you with an offer.",
                help_text="Shown on the « Maintenance contract » screen, above the request button.",
                verbose_name="maintenance contract text",
            ),
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="emergency_text",
            field=models.TextField(
                blank=True,
                default="Your filter overflows, water stays on the surface or it smells strongly: stop using water as far as you can (washing machine, bath), do not open the inspection chambers, and call your Aquatiris installer.",
                help_text="Shown to clients on their dashboard and on the contact screen. Empty: no emergency box.",
                verbose_name="what to do in an emergency",
            ),
        ),
        migrations.AddField(
            model_name="clientspacepage",
            name="emergency_phone",
            field=models.CharField(
                blank=True,
                help_text="Shown with the emergency text. Empty: the phone of each client's installer.",
                max_length=40,
                verbose_name="emergency phone number",
            ),
        ),
        migrations.AddField(
            model_name="prospacepage",
            name="intro",
            field=models.TextField(
                blank=True,
                help_text="Shown to SPANC agents above their list of client folders.",
                verbose_name="introduction",
            ),
        ),
        migrations.AddField(
            model_name="prospacepage",
            name="spanc_upload_intro",
            field=models.TextField(
                blank=True,
                help_text="Shown above the form where a SPANC adds a document to a folder.",
                verbose_name="upload introduction",
            ),
        ),
        migrations.RunPython(copy_to_pages, copy_to_settings),
    ]
