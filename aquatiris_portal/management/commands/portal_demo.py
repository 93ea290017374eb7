"""Build a coherent demo through the ORM. Safe to run twice: every object is
found by its natural key (``get_or_create``) and files are written once."""

import datetime
import hashlib
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from aquatiris_portal.demo.content import build as build_editorial_content
from aquatiris_portal.demo.pdf import make_pdf
from aquatiris_portal.models import (
    AfterSalesReason,
    Client,
    DocumentTheme,
    Franchisee,
    Installation,
    PortalAccount,
    PortalDocument,
    PortalSettings,
    RequestSubject,
    Spanc,
)
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage

ADMIN = ("admin", "admin@aquatiris.example", "demo-Admin-2026!")
CLIENT_PASSWORD = "demo-Client-2026!"
SPANC_PASSWORD = "demo-Spanc-2026!"

THEMES = [
    ("etude-de-sol", "Étude de sol", 10),
    ("devis", "Devis", 20),
    ("factures", "Factures", 30),
    ("garanties", "Garanties", 40),
    ("entretien", "Entretien", 50),
    ("spanc", "Documents SPANC", 60),
]
SUBJECTS = [
    ("Question sur mon installation", False, 10),
    ("Entretien", False, 20),
    ("Dysfonctionnement / SAV", True, 30),
    ("Autre", False, 40),
]
REASONS = ["Odeurs", "Eau stagnante", "Poste de relevage / pompe", "Végétation", "Autre"]
FRANCHISEES = [
    ("F-001", "Aquatiris Ille-et-Vilaine", "Luc", "Martin", "luc.martin@example.org", "02 99 00 00 01"),
    ("F-002", "Aquatiris Côtes-d'Armor", "Claire", "Le Goff", "claire.legoff@example.org", "02 96 00 00 02"),
    ("F-003", "Aquatiris Morbihan", "Yann", "Le Bihan", "yann.lebihan@example.org", "02 97 00 00 03"),
]
SPANCS = [
    ("S-035", "PRO-8Q4K2", "SPANC de Rennes Métropole", "spanc.rennes@example.org", "02 99 00 00 10",
     ("4 avenue Henri Fréville", "35200", "Rennes")),
    ("S-022", "PRO-3T7W1", "SPANC de Saint-Brieuc Armor Agglomération", "spanc.stbrieuc@example.org", "02 96 00 00 20",
     ("5 rue du 71e RI", "22000", "Saint-Brieuc")),
]
FIRST_NAMES = ["Anne", "Bernard", "Chantal", "Didier", "Élodie", "François", "Gaëlle", "Hervé", "Isabelle", "Jean",
               "Karine", "Laurent", "Marie", "Nicolas", "Odile", "Pierre", "Quentin", "Rozenn", "Sophie", "Thierry"]
LAST_NAMES = ["Durand", "Lefebvre", "Moreau", "Guillou", "Le Roux", "Tanguy", "Morvan", "Jézéquel", "Riou", "Caradec",
              "Le Gall", "Bouvier", "Hamon", "Prigent", "Quéméner", "Salaün", "Thomas", "Urvoy", "Vallée", "Weber"]
TOWNS = [("35400", "Saint-Malo"), ("35430", "Saint-Père"), ("35160", "Montfort-sur-Meu"), ("22100", "Dinan"),
         ("22400", "Lamballe"), ("56000", "Vannes"), ("35310", "Mordelles"), ("22200", "Guingamp")]
LABELS = ["Filtre planté de roseaux 5 EH", "Filtre planté de roseaux 8 EH", "Jardin d'assainissement 4 EH"]
STAGES = ["study", "quote", "installation", "commissioned", "maintenance"]


class Command(BaseCommand):
    help = "Create the demo data of the example site (safe to run twice) and print the demo logins."

    def handle(self, *args, **options):
        rng = random.Random(2020)
        with transaction.atomic():
            themes = self.themes()
            self.subjects()
            franchisees = self.franchisees()
            spancs = self.spancs()
            clients = self.clients(rng, franchisees, spancs, themes)
            home = self.pages()
            build_editorial_content(home)  # news, advice, FAQ, sample requests, staff groups
            self.settings()
            admin = self.admin()
            accounts = self.accounts(clients, spancs)
            self.second_factors(admin, accounts)
            self.maintenance_guides()
        self.print_logins(admin, accounts, clients)

    def themes(self):
        themes = {}
        for slug, name, order in THEMES:
            themes[slug], _ = DocumentTheme.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
        return themes

    def subjects(self):
        for name, sav, order in SUBJECTS:
            RequestSubject.objects.get_or_create(name=name, defaults={"is_after_sales": sav, "sort_order": order})
        for order, name in enumerate(REASONS):
            AfterSalesReason.objects.get_or_create(name=name, defaults={"sort_order": order * 10})

    def franchisees(self):
        result = []
        for ext, company, first, last, email, phone in FRANCHISEES:
            franchisee, _ = Franchisee.objects.update_or_create(
                external_id=ext,
                defaults={"company": company, "first_name": first, "last_name": last, "email": email, "phone": phone},
            )
            result.append(franchisee)
        return result

    def spancs(self):
        result = []
        for ext, code, name, email, phone, (line1, postcode, city) in SPANCS:
            spanc, _ = Spanc.objects.update_or_create(
                external_id=ext,
                defaults={"code": code, "name": name, "email": email, "phone": phone,
                          "address_line1": line1, "postcode": postcode, "city": city},
            )
            result.append(spanc)
        return result

    def clients(self, rng, franchisees, spancs, themes):
        clients = []
        for n in range(20):
            first, last = FIRST_NAMES[n], LAST_NAMES[n]
            postcode, city = TOWNS[n % len(TOWNS)]
            email = f"{first.lower()}.{last.lower()}@example.org".replace(" ", "").replace("é", "e").replace("ë", "e").replace("ï", "i").replace("ü", "u").replace("è", "e").replace("ç", "c")
            client, _ = Client.objects.update_or_create(
                external_id=f"C-{10001 + n}",
                defaults={
                    "code": f"CLI-{1000 + n * 37:04d}",
                    "first_name": first, "last_name": last, "email": email,
                    "phone": f"06 00 00 {n // 10:02d} {n % 100:02d}",
                    "address_line1": f"{rng.randint(1, 60)} rue des Roseaux", "postcode": postcode, "city": city,
                },
            )
            clients.append(client)
            count = 2 if n == 0 else rng.choice([1, 1, 2, 3])
            for i in range(count):
                self.installation(rng, client, n, i, franchisees, spancs, themes)
        return clients

    def installation(self, rng, client, n, i, franchisees, spancs, themes):
        number = 5001 + n * 3 + i
        postcode, city = TOWNS[(n + i) % len(TOWNS)]
        installation, created = Installation.objects.get_or_create(
            external_id=f"I-{number}",
            defaults={
                "client": client,
                "franchisee": franchisees[n % len(franchisees)],
                "spanc": spancs[0] if postcode.startswith("35") else spancs[1],
                "reference": f"AQ-{2018 + (n + i) % 7}-{number}",
                "label": LABELS[(n + i) % len(LABELS)],
                "address_line1": "La Ville Ès Nonais" if i == 0 else f"Lieu-dit Kerroch {i}",
                "postcode": postcode, "city": city,
                "installed_on": datetime.date(2018 + (n + i) % 7, 1 + (n * 5 + i) % 12, 1 + n % 27),
                "stage": STAGES[(n + i + 2) % len(STAGES)] if n else "commissioned",
            },
        )
        documents = [
            ("etude-de-sol", "Étude de sol", True),
            ("devis", "Devis signé", False),
            ("factures", "Facture de l'installation", False),
            ("garanties", "Garantie décennale", True),
            ("entretien", "Guide d'entretien de votre filtre", False),
        ]
        for k, (slug, title, shared) in enumerate(documents):
            external_id = f"D-{900000 + number * 10 + k}"
            if PortalDocument.objects.filter(external_id=external_id).exists():
                continue
            content = make_pdf(title, [
                f"Client : {client.full_name} ({client.code})",
                f"Installation : {installation.reference} — {installation.label}",
                f"Adresse : {installation.address_one_line}",
                "Document de démonstration Aquatiris.",
            ])
            document = PortalDocument(
                external_id=external_id, installation=installation, theme=themes[slug], title=title,
                filename=f"{slug}-{installation.reference}.pdf", content_type="application/pdf",
                size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                issued_on=installation.installed_on, visible_to_client=True, visible_to_spanc=shared,
                created_at=timezone.now() - datetime.timedelta(days=30 - k),
            )
            document.file.save(document.filename, ContentFile(content), save=False)
            document.save()
        return installation

    def pages(self):
        from home.models import HomePage

        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            home = root.add_child(instance=HomePage(title="Aquatiris", slug="accueil"))
            site = Site.objects.filter(is_default_site=True).first()
            old_root = site.root_page if site else None
            if site:
                site.root_page = home
                site.site_name = "Aquatiris"
                site.save()
            else:
                Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Aquatiris")
            if old_root and old_root.specific_class is Page and old_root.pk != home.pk:
                old_root.delete()
        client_space = ClientSpacePage.objects.child_of(home).first()
        if client_space is None:
            client_space = home.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
        pro_space = ProSpacePage.objects.child_of(home).first()
        if pro_space is None:
            pro_space = home.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
        if not home.body.raw_data:
            home.body = [("portal_access", {
                "heading": "Vos espaces personnels",
                "client_space": client_space, "client_label": "Espace client",
                "pro_space": pro_space, "pro_label": "Espace pro (SPANC)",
            })]
            home.save_revision().publish()
        return home

    def settings(self):
        site = Site.objects.get(is_default_site=True)
        settings = PortalSettings.for_site(site)
        if not settings.network_head_emails:
            settings.network_head_emails = "sav@aquatiris.example"
            settings.save()

    def admin(self):
        User = get_user_model()
        username, email, password = ADMIN
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        user.is_staff = user.is_superuser = True
        user.email = email
        user.set_password(password)
        user.save()
        return user

    def accounts(self, clients, spancs):
        """One activated client (with two installations) and one activated SPANC."""
        User = get_user_model()
        result = []
        for record, password in ((clients[0], CLIENT_PASSWORD), (spancs[0], SPANC_PASSWORD)):
            user, _ = User.objects.get_or_create(username=record.email, defaults={"email": record.email})
            user.set_password(password)
            user.save()
            field = "client" if isinstance(record, Client) else "spanc"
            PortalAccount.objects.update_or_create(
                user=user, defaults={field: record, "activated_at": timezone.now()}
            )
            Group.objects.get_or_create(name="Portal clients" if field == "client" else "Portal SPANC")
            result.append((field, record, password))
        return result

    def second_factors(self, admin, accounts):
        """The admin gets an authenticator app key and fresh backup codes
        (printed below); the SPANC gets codes by email (printed in the
        terminal like every demo mail)."""
        from django_otp.plugins.otp_email.models import EmailDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from aquatiris_portal.accounts.services import setup_backup_codes

        device = TOTPDevice.objects.filter(user=admin, name="demo", confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=admin, name="demo", confirmed=True)
        self.admin_totp = device
        self.admin_backup_codes = setup_backup_codes(admin, count=5)
        for field, record, _password in accounts:
            if field == "spanc":
                EmailDevice.objects.get_or_create(user=record.account.user, name="email", defaults={"confirmed": True})

    def maintenance_guides(self):
        """A Wagtail collection of generic guides, private to the clients' group."""
        from wagtail.documents import get_document_model
        from wagtail.models import Collection, CollectionViewRestriction

        from aquatiris_portal.conf import app_settings
        from aquatiris_portal.pages.client_group import client_group

        name = app_settings.MAINTENANCE_GUIDES_COLLECTION
        collection = Collection.objects.filter(name=name).first()
        if collection is None:
            collection = Collection.get_first_root_node().add_child(name=name)
        restriction, _ = CollectionViewRestriction.objects.get_or_create(
            collection=collection, defaults={"restriction_type": CollectionViewRestriction.GROUPS}
        )
        restriction.groups.add(client_group())
        Document = get_document_model()
        if not Document.objects.filter(collection=collection).exists():
            content = make_pdf("Guide d'entretien — filtre planté de roseaux", [
                "1. Alterner l'alimentation des casiers chaque semaine.",
                "2. Faucarder les roseaux à l'automne, sans les arracher.",
                "3. Vérifier le poste de relevage et le regard de répartition tous les mois.",
                "4. Ne jamais rejeter d'huile, de solvant ni de lingettes.",
            ])
            Document.objects.create(
                title="Guide d'entretien du filtre planté de roseaux", collection=collection,
                file=ContentFile(content, name="guide-entretien-filtre.pdf"),
            )

    def print_logins(self, admin, accounts, clients):
        out = self.stdout.write
        out(self.style.SUCCESS("\nDemo data ready. Logins (demo only):"))
        out(f"  Wagtail admin    http://127.0.0.1:8000/admin/        {ADMIN[1]} / {ADMIN[2]}")
        import base64

        secret = base64.b32encode(self.admin_totp.bin_key).decode()
        out(f"    second factor: authenticator app key {secret}")
        out(f"    or one of these backup codes (single use, new ones at each run): {' '.join(self.admin_backup_codes)}")
        out("    the SPANC's second factor is a code sent by email (printed in this terminal)")
        for field, record, password in accounts:
            space = "/espace-client/" if field == "client" else "/espace-pro/ "
            out(f"  {'Client' if field == 'client' else 'SPANC':<16} http://127.0.0.1:8000{space}  {record.email} / {password}")
        out("  First connection (activation) — try these clients with their code:")
        for client in clients[1:4]:
            out(f"    {client.email}  code {client.code}")
        out("  Emails are printed in this terminal.\n")
