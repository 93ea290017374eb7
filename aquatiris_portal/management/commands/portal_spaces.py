"""Create the client space and the pro space under the default site's home
page, live, if the site has none (safe to run twice):

    python manage.py portal_spaces            # /espace-client/ and /espace-pro/

Editors rename, move or restrict them in the Wagtail admin afterwards.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Site

from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage


class Command(BaseCommand):
    help = "Create the client space and the pro space pages under the default site's home page (safe twice)."

    def add_arguments(self, parser):
        parser.add_argument("--client-slug", default="espace-client")
        parser.add_argument("--pro-slug", default="espace-pro")

    @transaction.atomic
    def handle(self, *args, client_slug, pro_slug, **options):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default Wagtail site: create one in the admin (Settings › Sites) first.")
        home = site.root_page
        for model, title, slug in (
            (ClientSpacePage, "Espace client", client_slug),
            (ProSpacePage, "Espace pro", pro_slug),
        ):
            existing = model.objects.descendant_of(home).first()
            if existing is not None:
                self.stdout.write(f"{title}: already at {existing.url_path} (kept)")
                continue
            page = home.add_child(instance=model(title=title, slug=slug))
            page.save_revision().publish()
            self.stdout.write(self.style.SUCCESS(f"{title}: created at {page.get_url() or '/' + slug + '/'}"))
