"""Fill the database with a benchmark-sized network.

At ``--scale 1`` (the default): 100,000 clients, 150,000 installations,
1,000,000 document rows, 200 SPANC (one of them with 5,000 folders),
50,000 requests and, when the news page type exists, 500 articles.
Rows go in with PostgreSQL's COPY (``bulk_create`` on other databases);
the document rows all point at a handful of small shared PDF files.
The same seed gives the same data. Running it again when the data is
there changes nothing (``--force`` is refused: use a fresh database).

It refuses to run with DEBUG off unless given ``--allow-without-debug``
(bench/run.py does, on the production settings); then its accounts get no
usable password (the benchmark logs in with the session cookies below), so
the published one below never stays on such a site.

It also keeps a few accounts to log in with (``bench.client@...``, the big
SPANC, a staff user), and ``--sessions PATH`` writes fresh logged-in session
cookies for them (second factor verified, like ``django_otp.login``) plus the
ids of the objects the benchmark visits, as JSON for the load tool.
"""

import datetime
import hashlib
import json
import random
import time
import uuid

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from aquatiris_portal.accounts.groups import ensure_client_group
from aquatiris_portal.models import (
    Client,
    DocumentTheme,
    Franchisee,
    Installation,
    Membership,
    PortalAccount,
    PortalDocument,
    PortalRequest,
    Spanc,
)
from aquatiris_portal.records.codes import canonical_code
from aquatiris_portal.records.names import folder_columns
from aquatiris_portal.storage import private_storage

from ...demo.pdf import make_pdf

MARKER = "BENCH-S-000"  # external id of the big SPANC: present = dataset present
PASSWORD = "bench-Portal-2026!"  # published: set only on a site in DEBUG
CLIENT_EMAIL = "bench.client@bench.example"
SPANC_EMAIL = "bench.spanc@bench.example"
SMALL_SPANC_EMAIL = "bench.spanc.small@bench.example"  # the last SPANC: 5 folders, for comparison
STAFF_EMAIL = "bench.staff@bench.example"

FIRST = [
    "Anne",
    "Bernard",
    "Chantal",
    "Didier",
    "Élodie",
    "François",
    "Gaëlle",
    "Hervé",
    "Isabelle",
    "Jean",
    "Karine",
    "Laurent",
    "Marie",
    "Nicolas",
    "Odile",
    "Pierre",
    "Quentin",
    "Rozenn",
    "Sophie",
    "Thierry",
]
LAST = [
    "Durand",
    "Lefebvre",
    "Moreau",
    "Guillou",
    "Le Roux",
    "Tanguy",
    "Morvan",
    "Jézéquel",
    "Riou",
    "Caradec",
    "Le Gall",
    "Bouvier",
    "Hamon",
    "Prigent",
    "Quéméner",
    "Salaün",
    "Thomas",
    "Urvoy",
    "Vallée",
    "Weber",
    "Kerhervé",
    "Le Bras",
    "Nédélec",
    "Omnès",
    "Pennec",
    "Rolland",
    "Seznec",
    "Tréguier",
    "Yvinec",
    "Abgrall",
]
TOWNS = [
    ("35400", "Saint-Malo"),
    ("35430", "Saint-Père"),
    ("35160", "Montfort-sur-Meu"),
    ("22100", "Dinan"),
    ("22400", "Lamballe"),
    ("56000", "Vannes"),
    ("35310", "Mordelles"),
    ("22200", "Guingamp"),
    ("29200", "Brest"),
    ("29000", "Quimper"),
    ("44000", "Nantes"),
    ("53000", "Laval"),
]
LABELS = ["Filtre planté de roseaux 5 EH", "Filtre planté de roseaux 8 EH", "Jardin d'assainissement 4 EH"]
STAGES = ["study", "quote", "installation", "commissioned", "maintenance"]
THEMES = [
    ("etude-de-sol", "Étude de sol", 10),
    ("devis", "Devis", 20),
    ("factures", "Factures", 30),
    ("garanties", "Garanties", 40),
    ("entretien", "Entretien", 50),
    ("spanc", "Documents SPANC", 60),
]
SHARED_FILES = 5


def _count(n, scale):
    return max(1, int(round(n * scale)))


class Inserter:
    """Insert rows with explicit primary keys: COPY on PostgreSQL, bulk_create elsewhere.

    Columns not given take the field's default (evaluated once), so fields
    added later by other rooms do not break the generator.
    """

    def __init__(self, model, fields):
        self.model = model
        self.fields = ["id", *fields]
        self.now = timezone.now()
        self.extra = []
        for field in model._meta.concrete_fields:
            if field.name in self.fields or field.attname in self.fields or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            else:
                value = field.get_default()
            self.extra.append((field, value))

    def next_id(self):
        return (self.model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1

    def insert(self, rows):
        count = 0
        if connection.vendor == "postgresql":
            meta = self.model._meta
            qn = connection.ops.quote_name
            columns = [meta.get_field(name).column if name != "id" else meta.pk.column for name in self.fields]
            columns += [field.column for field, _ in self.extra]
            extra_values = tuple(field.get_db_prep_save(value, connection) for field, value in self.extra)
            sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
            with connection.cursor() as cursor:
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row((*row, *extra_values))
                        count += 1
        else:
            batch = []
            attnames = [self.model._meta.get_field(name).attname for name in self.fields]
            for row in rows:
                obj = self.model(**dict(zip(attnames, row, strict=True)))
                for field, value in self.extra:
                    setattr(obj, field.attname, value)
                batch.append(obj)
                count += 1
                if len(batch) >= 2000:
                    self.model.objects.bulk_create(batch)
                    batch = []
            if batch:
                self.model.objects.bulk_create(batch)
        return count


def reset_sequences(*model_classes):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_classes):
            cursor.execute(sql)


def no_style():
    from django.core.management.color import no_style as _no_style

    return _no_style()


class Command(BaseCommand):
    help = "Fill the database with the benchmark dataset (100,000 clients...). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full dataset; 0.001 for a smoke test.")
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument("--sessions", metavar="PATH", help="Write fresh session cookies and target ids as JSON.")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off; the accounts then get no usable password.",
        )

    def handle(self, *args, scale, seed, sessions, allow_without_debug=False, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "portal_bench_data refuses to run with DEBUG off: it creates logins. "
                "Pass --allow-without-debug to run it anyway (no usable password is set)."
            )
        self.password = PASSWORD if settings.DEBUG else None
        self.timings = {}
        if Spanc.objects.filter(external_id=MARKER).exists():
            self.stdout.write("Benchmark dataset already present: nothing generated.")
        else:
            started = time.perf_counter()
            with transaction.atomic():
                self.generate(random.Random(seed), scale)
            self.step("analyze", self.analyze)
            self.timings["total"] = time.perf_counter() - started
            for name, seconds in self.timings.items():
                self.stdout.write(f"  {name:<14} {seconds:8.1f} s")
            self.stdout.write(self.style.SUCCESS(f"Benchmark dataset generated in {self.timings['total']:.1f} s."))
        if self.password is None:  # a run in DEBUG may have left the published password
            for user in get_user_model().objects.filter(
                username__in=[CLIENT_EMAIL, SPANC_EMAIL, SMALL_SPANC_EMAIL, STAFF_EMAIL]
            ):
                user.set_unusable_password()
                user.save(update_fields=["password"])
        self.counts()
        if sessions:
            self.write_sessions(sessions)

    # -- generation ---------------------------------------------------------

    def step(self, name, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.timings[name] = time.perf_counter() - started
        return result

    def generate(self, rng, scale):
        self.now = timezone.now()
        self.themes = [
            DocumentTheme.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})[0].pk
            for slug, name, order in THEMES
        ]
        self.files = self.step("files", self.shared_files)
        franchisees = self.step("franchisees", self.franchisees, _count(60, scale))
        spancs = self.step("spanc", self.spancs, 200 if scale >= 1 else max(2, _count(200, scale)))
        clients = self.step("clients", self.clients, rng, _count(100_000, scale))
        installations = self.step(
            "installations", self.installations, rng, clients, spancs, franchisees, _count(5_000, scale)
        )
        self.step("documents", self.documents, rng, installations, _count(1_000_000, scale))
        self.step("requests", self.requests, rng, installations, _count(50_000, scale))
        self.step("news", self.news, rng, _count(500, scale))
        self.step("accounts", self.accounts, clients[0], spancs[0], spancs[-1])
        reset_sequences(Franchisee, Spanc, Client, Installation, PortalDocument, PortalRequest)

    def shared_files(self):
        names = []
        for k in range(SHARED_FILES):
            name = f"bench/shared-{k}.pdf"
            content = make_pdf(f"Document de test {k}", ["Fichier partagé par les lignes du jeu de test."])
            if not private_storage.exists(name):
                name = private_storage.save(name, ContentFile(content))
            names.append((name, len(content), hashlib.sha256(content).hexdigest()))
        return names

    def franchisees(self, count):
        inserter = Inserter(Franchisee, ["external_id", "company", "first_name", "last_name", "email", "phone"])
        first_id = inserter.next_id()
        rows = [
            (
                first_id + i,
                f"BENCH-F-{i:03d}",
                f"Aquatiris Réseau {i:03d}",
                FIRST[i % 20],
                LAST[i % 30],
                f"franchise{i:03d}@bench.example",
                f"02 99 {i // 100:02d} {i % 100:02d} 00",
            )
            for i in range(count)
        ]
        inserter.insert(rows)
        return [row[0] for row in rows]

    def spancs(self, count):
        fields = ["external_id", "code", "name", "email", "phone", "address_line1", "postcode", "city", "code_key"]
        inserter = Inserter(Spanc, fields)
        first_id = inserter.next_id()
        rows = []
        for i in range(count):
            postcode, city = TOWNS[i % len(TOWNS)]
            email = {0: SPANC_EMAIL, count - 1: SMALL_SPANC_EMAIL}.get(i, f"spanc{i:03d}@bench.example")
            rows.append(
                (
                    first_id + i,
                    f"BENCH-S-{i:03d}",
                    f"PRO-B{i:04d}",
                    f"SPANC banc d'essai {i:03d} — {city}",
                    email,
                    "02 99 00 00 10",
                    f"{i + 1} place de la Mairie",
                    postcode,
                    city,
                    canonical_code(f"PRO-B{i:04d}"),
                )
            )
        inserter.insert(rows)
        return [row[0] for row in rows]

    def clients(self, rng, count):
        fields = [
            "external_id",
            "code",
            "first_name",
            "last_name",
            "email",
            "phone",
            "address_line1",
            "postcode",
            "city",
            "code_key",
        ]
        inserter = Inserter(Client, fields)
        first_id = inserter.next_id()
        # What the requests' recap copies, kept here rather than read back.
        self.client_info = {}

        def rows():
            for i in range(count):
                postcode, city = TOWNS[rng.randrange(len(TOWNS))]
                first, last = FIRST[rng.randrange(20)], LAST[rng.randrange(30)]
                email = CLIENT_EMAIL if i == 0 else f"client{i:06d}@bench.example"
                code = f"CLB-{i:06d}"
                phone = f"06 {i // 1000000:02d} {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
                line1 = f"{rng.randint(1, 120)} rue des Roseaux"
                self.client_info[first_id + i] = (first, last, code, email, phone, line1, postcode, city)
                yield (
                    first_id + i,
                    f"BENCH-C-{i:06d}",
                    code,
                    first,
                    last,
                    email,
                    phone,
                    line1,
                    postcode,
                    city,
                    canonical_code(code),
                )

        inserter.insert(rows())
        return list(range(first_id, first_id + count))

    def installations(self, rng, clients, spancs, franchisees, big_spanc_folders):
        """Client 0 has 4 installations, the first half of the others 2, the rest 1
        (150,000 at scale 1). Every 30th goes to the big SPANC (5,000 folders)."""
        fields = [
            "external_id",
            "client",
            "franchisee",
            "spanc",
            "reference",
            "label",
            "address_line1",
            "postcode",
            "city",
            "installed_on",
            "serial_number",
            "stage",
            "client_sort_name",
            "search_words",
        ]
        inserter = Inserter(Installation, fields)
        first_id = inserter.next_id()
        owners = [clients[0]] * 4
        half = len(clients) // 2 - 3
        for client_id in clients[1:]:
            owners.append(client_id)
        owners += clients[1 : 1 + half]
        total = len(owners)
        step = max(1, total // big_spanc_folders)
        result = []
        self.installation_info = {}

        def rows():
            for j, client_id in enumerate(owners):
                postcode, city = TOWNS[rng.randrange(len(TOWNS))]
                if j % step == 0 and j // step < big_spanc_folders:
                    spanc_id = spancs[0]
                elif j % step == 1 and j // step < 5 and len(spancs) > 2:
                    spanc_id = spancs[-1]  # the small SPANC: 5 folders
                else:
                    others = (spancs[1:-1] if len(spancs) > 2 else spancs[1:]) or spancs[:1]
                    spanc_id = others[rng.randrange(len(others))]
                year = 2010 + rng.randrange(16)
                installed_on = datetime.date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
                stage = STAGES[rng.randrange(5)]
                serial = f"SN{rng.randrange(10**8):08d}" if stage == "maintenance" and rng.random() < 0.5 else ""
                pk = first_id + j
                result.append((pk, client_id, spanc_id))
                franchisee_id = franchisees[rng.randrange(len(franchisees))]
                reference = f"AQ-{year}-B{j:06d}"
                self.installation_info[pk] = (reference, franchisee_id)
                first, last = self.client_info[client_id][:2]
                names = folder_columns(last, first, city, postcode, reference)
                yield (
                    pk,
                    f"BENCH-I-{j:06d}",
                    client_id,
                    franchisee_id,
                    spanc_id,
                    reference,
                    LABELS[rng.randrange(3)],
                    f"Lieu-dit Kervenn {rng.randint(1, 99)}",
                    postcode,
                    city,
                    installed_on,
                    serial,
                    stage,
                    names["client_sort_name"],
                    names["search_words"],
                )

        inserter.insert(rows())
        return result

    def documents(self, rng, installations, count):
        """Six documents per installation and a seventh on two in three (1,000,000 at scale 1);
        one in a hundred soft-deleted."""
        fields = [
            "external_id",
            "installation",
            "theme",
            "title",
            "file",
            "filename",
            "content_type",
            "size",
            "sha256",
            "issued_on",
            "visible_to_client",
            "visible_to_spanc",
            "source",
            "created_at",
            "deleted_at",
            "synced_at",
        ]
        inserter = Inserter(PortalDocument, fields)
        first_id = inserter.next_id()
        titles = [
            "Étude de sol",
            "Devis signé",
            "Facture de l'installation",
            "Garantie décennale",
            "Guide d'entretien",
            "Rapport de contrôle SPANC",
            "Plan de l'installation",
        ]
        base = max(1, count // len(installations))
        extra = count - base * len(installations)
        now = self.now

        def rows():
            n = 0
            for j, (installation_id, _client, _spanc) in enumerate(installations):
                per = base + (1 if j < extra else 0)
                for k in range(per):
                    name, size, digest = self.files[rng.randrange(len(self.files))]
                    created = now - datetime.timedelta(days=rng.randrange(3650), seconds=rng.randrange(86400))
                    deleted = created + datetime.timedelta(days=1) if rng.random() < 0.01 else None
                    theme = self.themes[k % len(self.themes)]
                    yield (
                        first_id + n,
                        f"BENCH-D-{n:07d}",
                        installation_id,
                        theme,
                        titles[k % len(titles)],
                        name,
                        f"document-{n}.pdf",
                        "application/pdf",
                        size,
                        digest,
                        created.date(),
                        rng.random() < 0.9,
                        k % 2 == 0,
                        "sync",
                        created,
                        deleted,
                        now,
                    )
                    n += 1

        inserter.insert(rows())

    def requests(self, rng, installations, count):
        fields = [
            "reference",
            "kind",
            "status",
            "client",
            "installation",
            "franchisee",
            "subject_label",
            "after_sales_reason",
            "message",
            "client_last_name",
            "client_first_name",
            "client_address",
            "client_phone",
            "client_email",
            "client_code",
            "installation_reference",
            "created_at",
        ]
        inserter = Inserter(PortalRequest, fields)
        first_id = inserter.next_id()
        sample = [installations[rng.randrange(len(installations))] for _ in range(count)]
        kinds = ["question"] * 5 + ["after_sales"] * 3 + ["maintenance_contract"] * 2
        subjects = {
            "question": "Question sur mon installation",
            "after_sales": "Dysfonctionnement / SAV",
            "maintenance_contract": "Contrat d'entretien",
        }
        now = self.now

        def rows():
            for n, (installation_id, client_id, _spanc) in enumerate(sample):
                first, last, code, email, phone, line1, postcode, city = self.client_info[client_id]
                reference, franchisee_id = self.installation_info[installation_id]
                kind = kinds[rng.randrange(10)]
                created = now - datetime.timedelta(days=rng.randrange(730), seconds=rng.randrange(86400))
                yield (
                    first_id + n,
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    kind,
                    ["new", "in_progress", "closed"][rng.randrange(3)],
                    client_id,
                    installation_id,
                    franchisee_id,
                    subjects[kind],
                    "Odeurs" if kind == "after_sales" else "",
                    "Bonjour, j'ai une question au sujet de mon installation. Merci de me rappeler.",
                    last,
                    first,
                    f"{line1}\n{postcode} {city}",
                    phone,
                    email,
                    code,
                    reference,
                    created,
                )

        inserter.insert(rows())

    def news(self, rng, count):
        """News articles under the news index, when the editors' page types exist."""
        from django.apps import apps

        try:
            article_model = apps.get_model("aquatiris_portal", "ArticlePage")
        except LookupError:
            self.stdout.write("  news: no ArticlePage model; skipped.")
            self.news_skipped = True
            return
        try:
            with transaction.atomic():
                self.news_skipped = not self._make_news(article_model, rng, count)
        except Exception as error:  # the news room's tables not migrated yet, required fields...
            self.stdout.write(f"  news: skipped ({type(error).__name__}: {str(error).splitlines()[0]})")
            self.news_skipped = True

    def _make_news(self, article_model, rng, count):
        from django.apps import apps
        from wagtail.models import Page

        index_model = None
        for name in ("NewsIndexPage", "ArticleIndexPage"):
            try:
                index_model = apps.get_model("aquatiris_portal", name)
                break
            except LookupError:
                continue
        parent = index_model.objects.first() if index_model else None
        if parent is None:
            parent_types = [m for m in article_model.allowed_parent_page_models() if m is not Page]
            home = Page.objects.filter(depth=2).first()
            if not parent_types or home is None:
                self.stdout.write("  news: no news index page to put articles under; skipped.")
                return False
            index_model = parent_types[0]
            parent = index_model.objects.first()
            if parent is None:
                try:
                    parent = home.add_child(
                        instance=index_model(title="Actualités (banc d'essai)", slug="actualites-bench")
                    )
                except Exception as error:  # a page type with required fields we do not know
                    self.stdout.write(f"  news: could not create a {index_model.__name__}: {error}; skipped.")
                    return False
        parent = parent.specific
        for n in range(count):
            day = self.now.date() - datetime.timedelta(days=n)
            article = article_model(title=f"Actualité n° {n + 1} du banc d'essai", slug=f"actualite-bench-{n + 1}")
            for field_name in ("date", "published_on", "publication_date"):
                if hasattr(article, field_name):
                    setattr(article, field_name, day)
            if hasattr(article, "intro"):
                article.intro = "Des nouvelles du réseau Aquatiris."
            try:
                parent.add_child(instance=article)
            except Exception as error:
                self.stdout.write(f"  news: could not create an article: {error}; stopped after {n}.")
                return n > 0
        return True

    def accounts(self, client_id, spanc_id, small_spanc_id):
        User = get_user_model()
        client = Client.objects.get(pk=client_id)
        spanc = Spanc.objects.get(pk=spanc_id)
        small = Spanc.objects.get(pk=small_spanc_id)
        accounts, memberships = [], []
        for email, role, field, record in (
            (CLIENT_EMAIL, Membership.Role.OWNER, "client", client),
            (SPANC_EMAIL, Membership.Role.MANAGER, "spanc", spanc),
            (SMALL_SPANC_EMAIL, Membership.Role.MANAGER, "spanc", small),
        ):
            user = User.objects.create_user(username=email, email=email, password=self.password)
            accounts.append(PortalAccount(user=user, activated_at=self.now))
            # The record's own email is its owner or manager: memberships are the only link.
            memberships.append(Membership(person=user, role=role, created_at=self.now, **{field: record}))
        PortalAccount.objects.bulk_create(accounts)
        Membership.objects.bulk_create(memberships)  # no signal: the client joins its group here
        ensure_client_group(User.objects.get(username=CLIENT_EMAIL))
        User.objects.create_superuser(username=STAFF_EMAIL, email=STAFF_EMAIL, password=self.password)

    def analyze(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def counts(self):
        rows = [
            ("clients", Client.objects.count()),
            ("installations", Installation.objects.count()),
            ("documents", PortalDocument.objects.count()),
            ("SPANC", Spanc.objects.count()),
            ("big SPANC folders", Installation.objects.filter(spanc__external_id=MARKER).count()),
            ("requests", PortalRequest.objects.count()),
        ]
        from django.apps import apps

        try:
            rows.append(("news articles", apps.get_model("aquatiris_portal", "ArticlePage").objects.count()))
        except LookupError:
            pass
        self.stdout.write("  " + ", ".join(f"{name}: {value:,}" for name, value in rows))

    # -- sessions -------------------------------------------------------------

    def write_sessions(self, path):
        """Fresh sessions for the benchmark users (SPANC and staff: second factor verified)."""
        from importlib import import_module

        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_email.models import EmailDevice

        User = get_user_model()
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        cookies = {}
        roles = (
            ("client", CLIENT_EMAIL),
            ("spanc", SPANC_EMAIL),
            ("spanc_small", SMALL_SPANC_EMAIL),
            ("staff", STAFF_EMAIL),
        )
        for role, email in roles:
            user = User.objects.get(username=email)
            session = store_class()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            # The backend a login through the portal's form records (accounts/views.py).
            session[BACKEND_SESSION_KEY] = "aquatiris_portal.accounts.backends.EmailBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            if role != "client":  # SPANC and staff must have passed a second factor; clients need none
                device = EmailDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})[0]
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.create()
            cookies[role] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        client = Client.objects.get(email=CLIENT_EMAIL)
        spanc = Spanc.objects.get(external_id=MARKER)
        installation = Installation.objects.filter(client=client).order_by("pk").first()
        document = PortalDocument.objects.live().filter(installation=installation, visible_to_client=True).first()
        folder = Installation.objects.filter(spanc=spanc).select_related("client").order_by("pk").first()
        data = {
            "cookies": cookies,
            "client_installation": installation.pk,
            "client_document": document.pk,
            "spanc_folder": folder.pk,
            "spanc_search": folder.client.last_name,
            "spanc_folders": Installation.objects.filter(spanc=spanc).count(),
            "small_spanc_folders": Installation.objects.filter(
                spanc__memberships__person__username=SMALL_SPANC_EMAIL, spanc__memberships__removed_at__isnull=True
            ).count(),
            "password": self.password,
            "emails": dict(roles),
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        self.stdout.write(f"Sessions written to {path}.")
