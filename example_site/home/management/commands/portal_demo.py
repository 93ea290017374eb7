"""Build the example site's demo through the ORM (``manage.py portal_demo``).

Safe to run twice, and safe next to real data:

- it runs only on the example site (its URLconf and its home page), and only
  with ``DEBUG`` on unless ``--allow-without-debug`` is given;
- every object it makes is written down (``home.DemoObject``); an existing
  user, record or page it did not make is never changed (the summary says
  what was left alone), and records under the demo's keys that belong to
  someone else stop it before it writes anything;
- without ``DEBUG`` the demo users get random passwords, printed once here,
  never the published demo ones.
"""

import base64
import datetime
import hashlib
import secrets
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from aquatiris_portal.accounts.groups import client_group
from aquatiris_portal.accounts.lookup import account_of
from aquatiris_portal.accounts.memberships import add_membership
from aquatiris_portal.conf import app_settings
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
    SpancDocumentType,
    Visit,
)
from aquatiris_portal.pages.accessibility import AccessibilityStatementPage
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from aquatiris_portal.records.emails import canonical_email
from aquatiris_portal.records.visits import refresh_last_maintenance

from ...demo import people
from ...demo.content import build as build_editorial_content
from ...demo.ledger import Ledger
from ...demo.pdf import make_pdf
from ...models import HomePage

EXAMPLE_URLCONF = "example_site.urls"
# Published in README: used only on a site in DEBUG.
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
# (name, is a control report: the SPANC gives its result, order)
SPANC_DOCUMENT_TYPES = [
    ("Rapport de contrôle", True, 10),
    ("Contrôle de bonne exécution", True, 20),
    ("Avis sur le projet (conception)", False, 30),
    ("Courrier", False, 40),
]
DOCUMENTS = [
    ("etude-de-sol", "Étude de sol", True),
    ("devis", "Devis signé", False),
    ("factures", "Facture de l'installation", False),
    ("garanties", "Garantie décennale", True),
    ("entretien", "Guide d'entretien de votre filtre", False),
]


def is_wagtail_placeholder(page):
    """The "Welcome to your new Wagtail site!" page Wagtail's first
    migrations make, never edited, with no children."""
    return (
        page.specific_class is Page
        and page.slug == "home"
        and page.title.startswith("Welcome to your new Wagtail")
        and page.latest_revision_id is None
        and not page.get_children().exists()
    )


def spelled_email(record):
    """A demo record's email as its export spells it (capitals, IDN domain):
    what the demo prints and a person types; the record holds its canonical
    form."""
    spellings = (
        {row[0]: row[3] for row in people.SPANCS}
        if isinstance(record, Spanc)
        else {data.external_id: data.email for data in people.clients()}
    )
    return spellings.get(record.external_id, record.email)


def to_activate(clients, spancs):
    """(record, name) of the clients and the SPANC the demo prints to
    activate (none has a login)."""
    return [*((clients[n], clients[n].full_name) for n in people.TO_ACTIVATE), (spancs[1], f"SPANC {spancs[1].city}")]


class Command(BaseCommand):
    help = (
        "Create the example site's demo data (safe to run twice; changes nothing it did not create) "
        "and print the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off (e.g. the benchmark on production settings). "
            "The demo users then get random passwords, printed once.",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="Where the site is served, for the printed links "
            "(default: WAGTAILADMIN_BASE_URL, e.g. http://127.0.0.1:8000).",
        )

    # -- guards -----------------------------------------------------------------

    def refuse_unless_allowed(self, allow_without_debug):
        if settings.ROOT_URLCONF != EXAMPLE_URLCONF:
            raise CommandError(
                f"portal_demo fills the example site only (ROOT_URLCONF is {settings.ROOT_URLCONF!r}, not "
                f"{EXAMPLE_URLCONF!r}). On your own site use `portal_sample_export DIR` then `portal_sync DIR` "
                "for a first test client."
            )
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "portal_demo refuses to run with DEBUG off: it creates logins. "
                "Pass --allow-without-debug to run it anyway (random passwords, printed once)."
            )
        root = self.site_root()
        if root is not None and not isinstance(root.specific, HomePage) and not is_wagtail_placeholder(root):
            raise CommandError(
                f"portal_demo fills the example site only: the default site's home page {root.title!r} "
                f"is a {root.specific_class.__name__}, not the example site's HomePage. Nothing was changed."
            )

    @staticmethod
    def site_root():
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        return site.root_page if site else None

    def refuse_foreign_records(self, ledger):
        """Records under the demo's ids that the demo did not create (e.g. a
        real import): stop before writing anything."""
        keys = {
            Franchisee: [row[0] for row in people.FRANCHISEES],
            Spanc: [row[0] for row in people.SPANCS],
            Client: people.client_ids(),
            Installation: people.installation_ids(),
        }
        foreign = [
            f"{model._meta.verbose_name} {obj.external_id}"
            for model, ids in keys.items()
            for obj in model.objects.filter(external_id__in=ids)
            if not ledger.owns(obj)
        ]
        if foreign:
            raise CommandError(
                "portal_demo did not create these records and will not change them: "
                + ", ".join(foreign[:10])
                + (" ..." if len(foreign) > 10 else "")
                + ". Run it on an empty database. Nothing was changed."
            )

    # -- the run ----------------------------------------------------------------

    def handle(self, *args, allow_without_debug=False, base_url=None, **options):
        self.refuse_unless_allowed(allow_without_debug)
        self.published_passwords = bool(settings.DEBUG)
        with transaction.atomic():
            ledger = self.ledger = Ledger()
            self.refuse_foreign_records(ledger)
            themes = self.themes()
            self.subjects()
            franchisees = self.franchisees()
            spancs = self.spancs()
            clients, installations = self.clients(franchisees, spancs, themes)
            self.visits(installations, themes)
            home, client_space, pro_space = self.pages()
            build_editorial_content(home, ledger, installations)  # news, advice, FAQ, requests, staff groups
            self.settings(home)
            admin = self.admin()
            accounts = self.accounts(clients, spancs)
            self.second_factors(admin, accounts)
            self.maintenance_guides()
        self.print_logins(admin, accounts, clients, spancs, client_space, pro_space, base_url)

    def password(self, published):
        return published if self.published_passwords else secrets.token_urlsafe(12)

    def themes(self):
        # Themes are shared vocabulary: reused as they are when they exist.
        themes = {}
        for slug, name, order in THEMES:
            themes[slug] = DocumentTheme.objects.filter(slug=slug).first() or self.ledger.create(
                DocumentTheme, slug=slug, name=name, sort_order=order
            )
        return themes

    def subjects(self):
        for name, sav, order in SUBJECTS:
            self.ledger.ensure(RequestSubject, {"name": name}, {"is_after_sales": sav, "sort_order": order})
        for order, name in enumerate(REASONS):
            self.ledger.ensure(AfterSalesReason, {"name": name}, {"sort_order": order * 10})
        for name, is_control_report, order in SPANC_DOCUMENT_TYPES:
            self.ledger.ensure(
                SpancDocumentType, {"name": name}, {"is_control_report": is_control_report, "sort_order": order}
            )

    def franchisees(self):
        return [
            self.ledger.ensure(
                Franchisee,
                {"external_id": ext},
                update=True,
                defaults={"company": company, "first_name": first, "last_name": last, "email": email, "phone": phone},
            )
            for ext, company, first, last, email, phone in people.FRANCHISEES
        ]

    def spancs(self):
        return [
            self.ledger.ensure(
                Spanc,
                {"external_id": ext},
                update=True,
                defaults={
                    "code": code,
                    "name": name,
                    "email": canonical_email(email),
                    "phone": phone,
                    "address_line1": line1,
                    "postcode": postcode,
                    "city": city,
                },
            )
            for ext, code, name, email, phone, (line1, postcode, city) in people.SPANCS
        ]

    def clients(self, franchisees, spancs, themes):
        """The clients of ``people.clients()`` (a client the demo did not make
        under a demo id stops the run before: refuse_foreign_records)."""
        clients, installations = [], []
        for data in people.clients():
            client = self.ledger.ensure(
                Client,
                {"external_id": data.external_id},
                update=True,
                defaults={
                    "code": data.code,
                    "first_name": data.first_name,
                    "last_name": data.last_name,
                    "email": canonical_email(data.email),
                    "phone": data.phone,
                    "address_line1": data.address_line1,
                    "address_line2": data.address_line2,
                    "postcode": data.postcode,
                    "city": data.city,
                },
            )
            clients.append(client)
            for spec in data.installations:
                installations.append(self.installation(client, spec, franchisees, spancs, themes))
        return clients, installations

    def installation(self, client, spec, franchisees, spancs, themes):
        number = spec.number
        installation = self.ledger.ensure(
            Installation,
            {"external_id": spec.external_id},
            defaults={
                "client": client,
                "franchisee": franchisees[spec.franchisee],
                "spanc": None if spec.spanc is None else spancs[spec.spanc],
                "reference": spec.reference,
                "label": spec.label,
                "address_line1": spec.address_line1,
                "address_line2": spec.address_line2,
                "postcode": spec.postcode,
                "city": spec.city,
                "installed_on": spec.installed_on,
                "stage": spec.stage,
            },
        )
        for k, (slug, title, shared) in enumerate(DOCUMENTS):
            external_id = f"D-{900000 + number * 10 + k}"
            if PortalDocument.objects.filter(external_id=external_id).exists():
                continue
            content = make_pdf(
                title,
                [
                    f"Client : {client.full_name} ({client.code})",
                    f"Installation : {installation.reference} — {installation.label}",
                    f"Adresse : {installation.address_one_line}",
                    "Document de démonstration Aquatiris.",
                ],
            )
            document = PortalDocument(
                external_id=external_id,
                installation=installation,
                theme=themes[slug],
                title=title,
                filename=f"{slug}-{installation.reference}.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                issued_on=installation.installed_on,
                visible_to_client=True,
                visible_to_spanc=shared,
                created_at=timezone.now() - datetime.timedelta(days=30 - k),
            )
            document.file.save(document.filename, ContentFile(content), save=False)
            document.save()
            self.ledger.mark(document)
        return installation

    # Visits of the first built installations (client 0, Anne Durand, has the
    # first): one of each state the maintenance screens show. Dates are
    # relative to the first run (a second run leaves them as they are).
    # (k, kind, days from today, done, slot, with a report)
    VISITS = [
        (0, "maintenance", -380, True, "", "Compte rendu d'entretien"),
        (1, "spanc_inspection", -200, True, "", "Contrôle périodique SPANC"),
        (2, "emptying", 3, False, "morning", None),  # within VISIT_REMINDER_DAYS: its reminder is due
        (3, "maintenance", 75, False, "afternoon", None),
    ]
    BUILT_STAGES = ("commissioned", "maintenance")

    def visits(self, installations, themes):
        built = [i for i in installations if i is not None and i.stage in self.BUILT_STAGES and i.spanc_id][:3]
        today = timezone.localdate()
        for installation in built:
            for k, kind, days, done, slot, report_title in self.VISITS:
                external_id = f"V-DEMO-{installation.external_id}-{k}"
                if Visit.objects.filter(external_id=external_id).exists():
                    continue  # the demo's (or someone's): left as it is
                when = today + datetime.timedelta(days=days)
                report = None
                if report_title:
                    spanc_report = kind == "spanc_inspection"
                    report = self.document(
                        installation,
                        f"D-{external_id[2:]}",
                        themes["spanc" if spanc_report else "entretien"],
                        report_title,
                        when,
                        shared=spanc_report,
                        lines=[
                            f"Visite du {when:%d/%m/%Y}",
                            "Filtre en bon état, roseaux faucardés.",
                            "Conformité : installation conforme." if spanc_report else "Prochain entretien dans un an.",
                        ],
                    )
                self.ledger.create(
                    Visit,
                    external_id=external_id,
                    installation=installation,
                    kind=kind,
                    planned_for=when,
                    slot=slot,
                    done_on=when if done else None,
                    technician="Contrôleur SPANC" if kind == "spanc_inspection" else "Luc Martin",
                    summary="Filtre en bon état." if done else "",
                    report_document=report,
                    visible_to_client=True,
                    visible_to_spanc=kind == "spanc_inspection" or done,
                )
        refresh_last_maintenance([i.pk for i in built])

    def document(self, installation, external_id, theme, title, issued_on, shared, lines):
        """A small valid PDF document of ``installation``."""
        content = make_pdf(title, [f"Installation : {installation.reference} — {installation.label}", *lines])
        document = PortalDocument(
            external_id=external_id,
            installation=installation,
            theme=theme,
            title=title,
            filename=f"{theme.slug}-{installation.reference}-{issued_on:%Y%m%d}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            issued_on=issued_on,
            visible_to_client=True,
            visible_to_spanc=shared,
            created_at=timezone.now(),
        )
        document.file.save(document.filename, ContentFile(content), save=False)
        document.save()
        return self.ledger.mark(document)

    def pages(self):
        """The home page is the default site's root page (``Site.root_page``).
        Only Wagtail's untouched welcome page is replaced; the buttons are
        added to a home page the demo made itself."""
        ledger = self.ledger
        root = self.site_root()
        if root is not None and isinstance(root.specific, HomePage):
            home = root.specific
        else:
            home = ledger.mark(
                Page.get_first_root_node().add_child(instance=HomePage(title="Aquatiris", slug="accueil"))
            )
            site = Site.objects.filter(is_default_site=True).first()
            if site:
                site.root_page = home
                site.site_name = site.site_name or "Aquatiris"
                site.save()
            else:
                ledger.mark(
                    Site.objects.create(
                        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Aquatiris"
                    )
                )
            if root is not None:  # Wagtail's welcome page (checked by refuse_unless_allowed)
                root.delete()
        client_space = ClientSpacePage.objects.child_of(home).first()
        if client_space is None:
            # The space's texts are fields of its page: editors change them there (preview, revisions).
            client_space = ledger.mark(
                home.add_child(
                    instance=ClientSpacePage(
                        title="Espace client",
                        slug="espace-client",
                        intro="Retrouvez ici vos installations, leurs documents et le suivi de vos demandes.",
                        request_form_intro="Une question sur votre installation ? Écrivez-nous : votre installateur "
                        "Aquatiris vous répond sous deux jours ouvrés.",
                    )
                )
            )
        pro_space = ProSpacePage.objects.child_of(home).first()
        if pro_space is None:
            pro_space = ledger.mark(
                home.add_child(
                    instance=ProSpacePage(
                        title="Espace pro",
                        slug="espace-pro",
                        intro="Les dossiers des installations Aquatiris de votre territoire.",
                        spanc_upload_intro=(
                            "Déposez vos rapports de contrôle en PDF : l'installateur est prévenu par e-mail."
                        ),
                    )
                )
            )
        if not AccessibilityStatementPage.objects.exists():  # max_count = 1: one per install
            statement = home.add_child(
                instance=AccessibilityStatementPage(
                    title="Déclaration d'accessibilité",
                    slug="accessibilite",
                    conformance=AccessibilityStatementPage.Conformance.PARTIAL,
                    contact_email="accessibilite@aquatiris.example",
                    established_on=timezone.localdate(),
                )
            )
            statement.save_revision().publish()
            ledger.mark(statement)
        if ledger.owns(home) and not home.body.raw_data:
            home.body = [
                (
                    "portal_access",
                    {
                        "heading": "Vos espaces personnels",
                        "client_space": client_space,
                        "client_label": "Espace client",
                        "pro_space": pro_space,
                        "pro_label": "Espace pro (SPANC)",
                    },
                )
            ]
            home.save_revision().publish()
        elif not ledger.owns(home):
            ledger.left_alone.append((f"home page {home.title!r}", "buttons not added (add the portal_access block)"))
        return home, client_space, pro_space

    def settings(self, home):
        site = Site.objects.filter(root_page=home).first()
        if site is None or PortalSettings.objects.filter(site=site).exists():
            return  # someone's settings: left as they are
        values = (
            {"network_head_emails": "sav@aquatiris.example"} if hasattr(PortalSettings, "network_head_emails") else {}
        )
        values["network_phone"] = "02 99 00 00 00"  # the first connection's "nothing arrived?" help
        self.ledger.create(PortalSettings, site=site, **values)

    def user(self, username, email, password, **flags):
        """The demo's user ``username``, or None when someone else has it."""
        User = get_user_model()
        user = self.ledger.ensure(User, {"username": username}, {"email": email, **flags}, update=True)
        if user is not None:
            user.set_password(password)
            user.save()
        return user

    def admin(self):
        username, email, published = ADMIN
        password = self.password(published)
        user = self.user(username, email, password, is_staff=True, is_superuser=True)
        if user is not None:
            user.demo_password = password
        return user

    def accounts(self, clients, spancs):
        """The activated logins: two clients (two and five installations) and
        one SPANC."""
        result = []
        logged_in = [(clients[n], CLIENT_PASSWORD) for n in people.LOGGED_IN]
        for record, published in (*logged_in, (spancs[0], SPANC_PASSWORD)):
            field = "client" if isinstance(record, Client) else "spanc"
            existing = account_of(record)  # the record's owner or manager
            if existing is not None and not self.ledger.owns(existing):
                self.ledger.left_alone.append((f"account of {record.email}", "not created by portal_demo"))
                continue
            password = self.password(published)
            user = self.user(record.email, record.email, password)
            if user is None:
                continue
            account = PortalAccount.objects.filter(user=user).first()
            if account is None:
                account = self.ledger.create(PortalAccount, user=user, activated_at=timezone.now())
            if self.ledger.owns(account):
                add_membership(user, record)  # the record's own email: its owner or manager
            if field == "client":
                user.groups.add(client_group())
            result.append((field, record, password))
        return result

    def second_factors(self, admin, accounts):
        """The admin gets an authenticator app key and fresh backup codes
        (printed below); the SPANC gets codes by email (printed in the
        terminal like every demo mail)."""
        from django_otp.plugins.otp_email.models import EmailDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from aquatiris_portal.accounts.second_factor import setup_backup_codes

        self.admin_totp = self.admin_backup_codes = None
        if admin is not None:
            device = TOTPDevice.objects.filter(user=admin, name="demo", confirmed=True).first()
            self.admin_totp = device or self.ledger.create(TOTPDevice, user=admin, name="demo", confirmed=True)
            self.admin_backup_codes = setup_backup_codes(admin, count=5)
        for field, record, _password in accounts:
            account = account_of(record) if field == "spanc" else None
            user = account.user if account is not None else None
            if user is not None and not EmailDevice.objects.filter(user=user, name="email").exists():
                self.ledger.create(EmailDevice, user=user, name="email", confirmed=True)

    def maintenance_guides(self):
        """A Wagtail collection of generic guides, private to the clients'
        group (an existing collection of that name is left as it is)."""
        from wagtail.documents import get_document_model
        from wagtail.models import Collection, CollectionViewRestriction

        name = app_settings.MAINTENANCE_GUIDES_COLLECTION
        if Collection.objects.filter(name=name).exists():
            return
        collection = self.ledger.mark(Collection.get_first_root_node().add_child(name=name))
        restriction = self.ledger.create(
            CollectionViewRestriction, collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
        restriction.groups.add(client_group())
        content = make_pdf(
            "Guide d'entretien — filtre planté de roseaux",
            [
                "1. Alterner l'alimentation des casiers chaque semaine.",
                "2. Faucarder les roseaux à l'automne, sans les arracher.",
                "3. Vérifier le poste de relevage et le regard de répartition tous les mois.",
                "4. Ne jamais rejeter d'huile, de solvant ni de lingettes.",
            ],
        )
        self.ledger.mark(
            get_document_model().objects.create(
                title="Guide d'entretien du filtre planté de roseaux",
                collection=collection,
                file=ContentFile(content, name="guide-entretien-filtre.pdf"),
            )
        )

    # -- the summary ------------------------------------------------------------

    def print_logins(self, admin, accounts, clients, spancs, client_space, pro_space, base_url):
        base = (base_url or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/") + "/"

        def url(path):
            return urljoin(base, path.lstrip("/"))

        out = self.stdout.write
        kind = "demo only" if self.published_passwords else "random, shown once: DEBUG is off"
        out(self.style.SUCCESS(f"\nDemo data ready at {base}"))
        out(f"  Client space     {url(client_space.get_url() or client_space.url_path)}")
        out(f"  Pro space        {url(pro_space.get_url() or pro_space.url_path)}")
        out(f"Logins ({kind}):")
        if admin is not None:
            out(f"  Wagtail admin    {url('/admin/'):<40} {admin.email} / {admin.demo_password}")
            secret = base64.b32encode(self.admin_totp.bin_key).decode()
            out(f"    second factor: authenticator app key {secret}")
            codes = " ".join(self.admin_backup_codes)
            out(f"    or one of these backup codes (single use, new ones at each run): {codes}")
        for field, record, password in accounts:
            page = client_space if field == "client" else pro_space
            label = "Client" if field == "client" else "SPANC"
            out(f"  {label:<16} {url(page.get_url() or page.url_path):<40} {spelled_email(record)} / {password}")
            if field == "client":
                count = record.installations.count()
                out(f"    {record.full_name}, {count} installation{'s' if count > 1 else ''}")
        if any(field == "spanc" for field, _record, _password in accounts):
            out("    the SPANC's second factor is a code sent by email (printed in this terminal)")
        out("  First connection (activation): the email and the code as printed, or the code as read aloud")
        out("  (spaces for its separators, any case):")
        for record, name in to_activate(clients, spancs):
            out(f"    {name:<28} {spelled_email(record):<42} code {record.code}")
        for what, why in self.ledger.left_alone:
            out(self.style.WARNING(f"  Left alone: {what} ({why})."))
        out("  Emails are printed in this terminal.\n")
