"""Migration 0030: each site's portal settings texts land on that site's
space pages (and in their revisions, which the editor's form and a revert
read); 0031 removes them from the settings."""

import pytest
from wagtail.models import Page, Revision, Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from tests.unit._migrations import migrate, migrate_to_latest

BEFORE = ("aquatiris_portal", "0029_trusted_browsers")
AFTER = ("aquatiris_portal", "0031_remove_space_texts_from_settings")
TEXTS = {
    "client_space_intro": "Bienvenue {site}",
    "pro_space_intro": "Dossiers {site}",
    "maintenance_contract_text": "Contrat {site}",
    "request_form_intro": "Formulaire {site}",
    "spanc_upload_intro": "Dépôt {site}",
    "emergency_text": "Urgence {site}",
    "emergency_phone": "02 00 00 0{n}",
}


@pytest.mark.django_db(transaction=True)
def test_each_site_texts_land_on_its_own_space_pages(wagtail_tree):
    root = Page.get_first_root_node()
    homes, sites = [], []
    for name in ("un", "deux"):
        home = root.add_child(instance=Page(title=f"Accueil {name}", slug=f"accueil-{name}"))
        homes.append(home)
        sites.append(Site.objects.create(hostname=f"{name}.example", root_page=home, is_default_site=False))
    spaces = [home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client")) for home in homes]
    pros = [home.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro")) for home in homes]
    spaces[0].save_revision()  # a draft: its revision must carry the texts too
    try:
        old_apps = migrate(BEFORE)
        settings_model = old_apps.get_model("aquatiris_portal", "PortalSettings")
        for n, site in enumerate(sites, start=1):
            settings_model.objects.update_or_create(
                site_id=site.pk, defaults={key: value.format(site=site.hostname, n=n) for key, value in TEXTS.items()}
            )
        # A revision written before the move has no such keys.
        for revision in Revision.objects.filter(object_id=str(spaces[0].pk)):
            revision.content = {k: v for k, v in revision.content.items() if k not in ("intro", "emergency_text")}
            revision.save(update_fields=["content"])
    finally:
        migrate(AFTER)
        migrate_to_latest()

    for n, (site, space, pro) in enumerate(zip(sites, spaces, pros, strict=True), start=1):
        space = ClientSpacePage.objects.get(pk=space.pk)
        pro = ProSpacePage.objects.get(pk=pro.pk)
        host = site.hostname
        assert (
            space.intro,
            space.maintenance_contract_text,
            space.request_form_intro,
            space.emergency_text,
            space.emergency_phone,
        ) == (f"Bienvenue {host}", f"Contrat {host}", f"Formulaire {host}", f"Urgence {host}", f"02 00 00 0{n}")
        assert (pro.intro, pro.spanc_upload_intro) == (f"Dossiers {host}", f"Dépôt {host}")
    draft = ClientSpacePage.objects.get(pk=spaces[0].pk).get_latest_revision_as_object()
    assert draft.intro == "Bienvenue un.example" and draft.emergency_text == "Urgence un.example"
