from django.core.management.base import BaseCommand

from aquatiris_portal.backoffice.groups import CUSTOMER_SERVICE, EDITORS, ensure_groups


class Command(BaseCommand):
    help = 'Create or repair the "Rédacteurs" and "Service client" staff groups (safe to run twice).'

    def handle(self, *args, **options):
        editors, service = ensure_groups()
        self.stdout.write(
            self.style.SUCCESS(
                f"{EDITORS}: {editors.permissions.count()} permissions; "
                f"{CUSTOMER_SERVICE}: {service.permissions.count()} permissions."
            )
        )
