"""The client's screens at their query limit: each screen a client opens
runs at most 8 SQL queries once the per-process caches are warm (session,
user, the memberships with their records and the account, the Wagtail
site, the page's route, then the screen's own), and the same number for a
client with 2 installations as for one with 20 (documents, visits and
request threads in proportion): nothing is read per row.

Personal data is never cached across requests: the second request of each
pair below reads the client's records again (a new document shows at once:
test_new_document_shows_at_once)."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.enquiries.proof_models import ProofRequest
from aquatiris_portal.models import ProofKind
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.faq import FaqPage
from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage
from aquatiris_portal.records.models import PortalDocument
from aquatiris_portal.records.visits import Visit
from aquatiris_portal.snippets.site_settings import PortalSettings
from tests import factories

pytestmark = pytest.mark.django_db

LIMIT = 8
SCREENS = {
    "dashboard": "/espace-client/",
    "installation": "/espace-client/installations/{i}/",
    "documents": "/espace-client/installations/{i}/documents/",
    "warranty": "/espace-client/installations/{i}/garantie/",
    "space news": "/espace-client/actualites/",
    "news index": "/actualites/",
    "faq": "/faq/",
}


@pytest.fixture
def pages(wagtail_tree):
    root = wagtail_tree.root_page
    space = root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    news = root.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites", audience="both"))
    for n in range(4):
        news.add_child(
            instance=ArticlePage(
                title=f"Conseil {n}",
                slug=f"conseil-{n}",
                audience="clients",
                date=datetime.date(2026, 6, 1) - datetime.timedelta(days=n),
                intro="Intro",
            )
        )
    root.add_child(instance=FaqPage(title="FAQ", slug="faq", audience="clients"))
    PortalSettings.for_site(Site.objects.get(is_default_site=True))
    return space


def client_with(size):
    """A logged-in client with ``size`` installations, each with ``size``
    documents (several themes), a planned and a done visit and an open
    request of its SPANC (a task on the dashboard), and ``size`` open
    request threads."""
    client = factories.client()
    spanc = factories.spanc()
    kind = ProofKind.objects.first()
    themes = [factories.theme(slug, slug.title(), order) for slug, order in (("etude", 10), ("factures", 20))]
    installations = [
        factories.installation(client=client, spanc=spanc, installed_on=datetime.date(2020, 5, 1)) for _ in range(size)
    ]
    PortalDocument.objects.bulk_create(
        PortalDocument(
            installation=installation,
            theme=themes[n % 2],
            title=f"Doc {n}",
            filename=f"doc{n}.pdf",
            content_type="application/pdf",
            size=10,
            visible_to_client=True,
        )
        for installation in installations
        for n in range(size)
    )
    today = timezone.localdate()
    for n, installation in enumerate(installations):
        Visit.objects.create(
            external_id=f"V-P{installation.pk}",
            installation=installation,
            kind="maintenance",
            planned_for=today + datetime.timedelta(days=10 + n),
            visible_to_client=True,
        )
        Visit.objects.create(
            external_id=f"V-D{installation.pk}",
            installation=installation,
            kind="maintenance",
            planned_for=today - datetime.timedelta(days=300),
            done_on=today - datetime.timedelta(days=300),
            visible_to_client=True,
        )
    ProofRequest.objects.bulk_create(
        ProofRequest(installation=installation, spanc=spanc, kind=kind, due_on=today + datetime.timedelta(days=30))
        for installation in installations
    )
    for n in range(size):
        thread = PortalRequest(
            kind="question", client=client, installation=installations[n % size], message="m", subject_label=f"S{n}"
        )
        thread.fill_recap()
        thread.save()
    user = factories.client_user(client)
    http = HttpClient()
    http.force_login(user)
    return http, installations[0]


def captured(http, url):
    """The queries of the second request (the first fills per-process caches)."""
    assert http.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, url
    if "installations" not in url and url.startswith("/espace-client/") and "actualites" not in url:
        assert b"aqp-tasks" in response.content  # the dashboard shows the SPANC's requests
    return queries.captured_queries


def test_each_client_screen_runs_at_most_8_queries_whatever_the_clients_size(pages):
    small, small_installation = client_with(2)
    large, large_installation = client_with(20)
    figures = {}
    for screen, url in SCREENS.items():
        few = captured(small, url.format(i=small_installation.pk))
        many = captured(large, url.format(i=large_installation.pk))
        figures[screen] = (len(few), len(many))
        assert len(few) == len(many), (screen, [q["sql"] for q in many])
        assert len(many) <= LIMIT, (screen, len(many), "\n".join(q["sql"][:200] for q in many))
    print("queries per screen (2 installations, 20 installations):", figures)


def test_new_document_shows_at_once(pages):
    """No personal data cached: a document added between two requests is on the next page."""
    http, installation = client_with(2)
    url = SCREENS["documents"].format(i=installation.pk)
    assert b"Brand new report" not in http.get(url).content
    factories.document(installation, title="Brand new report")
    assert b"Brand new report" in http.get(url).content


def test_an_open_request_on_an_installation_sold_since_still_names_it(pages):
    """The dashboard's open requests take their installation from the
    client's own; one sold since (moved to its buyer) is read apart."""
    http, installation = client_with(2)
    client = installation.client
    sold = factories.installation(client=client, label="Filtre vendu 4 EH", reference="AQ-SOLD-1")
    thread = PortalRequest(kind="question", client=client, installation=sold, message="m", subject_label="Vente")
    thread.fill_recap()
    thread.save()
    sold.client = factories.client()
    sold.save()
    body = http.get(SCREENS["dashboard"]).content.decode()
    assert sold.display_name in body


@pytest.mark.parametrize(
    ("asked", "shown", "rows"),
    [("", 1, 50), ("1", 1, 50), ("2", 2, 50), ("3", 3, 20), ("4", 3, 20), ("99", 3, 20), ("0", 3, 20), ("x", 1, 50)],
)
def test_the_documents_page_reads_its_page_and_count_in_one_query(pages, asked, shown, rows):
    """120 documents, 50 a page: each page as Paginator.get_page gives it
    (past the end or not a number: the last or the first page)."""
    http, installation = client_with(1)
    PortalDocument.objects.bulk_create(
        PortalDocument(
            installation=installation,
            theme=factories.theme(),
            title=f"Rapport {n:03d}",
            filename="r.pdf",
            content_type="application/pdf",
            size=10,
        )
        for n in range(119)
    )
    url = SCREENS["documents"].format(i=installation.pk) + (f"?page={asked}" if asked else "")
    html = http.get(url).content.decode()
    assert html.count('class="aqp-document"') == rows
    assert f"Page {shown} sur 3" in html or f"Page {shown} of 3" in html
