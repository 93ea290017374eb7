"""The SPANC's screens at their query limit: the folder list (plain,
filtered, searched, sorted, a later page) and a folder page run at most 8
SQL queries once the per-process caches are warm, and the same number on
a territory of 5 folders as on one of 50 (documents, visits with reports,
proof requests in proportion): nothing is read per row, and the list's
count comes with its page.

Nothing personal is cached across requests: the second request of each
pair reads the territory again (a new document counts at once:
test_new_document_counts_at_once)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aquatiris_portal.models import ProofKind, ProofRequest
from aquatiris_portal.records.visits import Visit
from tests import factories
from tests.unit._pro_space import bulk_folders, pro_space_page, verified_client

pytestmark = pytest.mark.django_db

LIMIT = 8
LIST_SCREENS = {
    "list": "",
    "list filtered (no maintenance for 24 months)": "?overdue=24",
    "list searched": "?q=Nom",
    "list sorted by town, descending": "?sort=-commune",
    "list sorted by latest document": "?sort=latest",
    "list page 2": "?page=2",
    "list filtered on proofs": "?proof=requested",
}


def territory(size):
    """A verified SPANC agent's client and a territory of ``size`` folders
    (26 more without documents, so every list has a page 2), each with
    documents, a done visit with its report and a planned one, a proof request."""
    spanc = factories.spanc()
    folders = bulk_folders(spanc, size, prefix=f"Q{size}")
    bulk_folders(spanc, 26, prefix=f"Q{size}b", documents_per_folder=0)
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=1000)
    kind = ProofKind.objects.create(name="Contrat d'entretien")
    agent = factories.spanc_user(spanc)
    for n, folder in enumerate(folders):
        folder.installed_on = long_ago
        folder.stage = "maintenance"
        folder.save(update_fields=["installed_on", "stage"])
        report = factories.document(folder, title=f"Rapport {n}", visible_to_spanc=True)
        Visit.objects.create(
            external_id=f"V-D-{folder.pk}",
            installation=folder,
            kind="maintenance",
            planned_for=long_ago,
            done_on=long_ago,
            report_document=report,
            visible_to_spanc=True,
        )
        Visit.objects.create(
            external_id=f"V-P-{folder.pk}",
            installation=folder,
            kind="maintenance",
            planned_for=today + datetime.timedelta(days=20 + n),
            visible_to_spanc=True,
        )
        ProofRequest.objects.create(
            installation=folder, spanc=spanc, asked_by=agent, kind=kind, due_on=today + datetime.timedelta(days=30)
        )
    return verified_client(agent), folders[0]


def _main_table(sql):
    return sql.split(" FROM ", 1)[-1].split(" ", 1)[0]


def captured(http, url):
    """The queries of the second request (the first fills per-process caches)."""
    assert http.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, url
    return response, queries.captured_queries


def test_each_pro_screen_runs_at_most_8_queries_whatever_the_territorys_size():
    page = pro_space_page()
    small, small_folder = territory(5)
    large, large_folder = territory(50)
    screens = {name: page.url + query for name, query in LIST_SCREENS.items()}
    figures = {}
    for name, url in [*screens.items(), ("folder page", None)]:
        few = captured(small, url or f"{page.url}dossiers/{small_folder.pk}/")
        many = captured(large, url or f"{page.url}dossiers/{large_folder.pk}/")
        figures[name] = (len(few[1]), len(many[1]))
        assert len(few[1]) == len(many[1]), (name, [q["sql"][:200] for q in many[1]])
        assert len(many[1]) <= LIMIT, (name, len(many[1]), "\n".join(q["sql"][:200] for q in many[1]))
        if url:  # the list's count comes in its page's query, not one of its own
            assert not [q for q in many[1] if q["sql"].startswith("SELECT COUNT(")], name
        else:  # the visits' reports come from the folder's documents, read once
            documents = [q for q in many[1] if _main_table(q["sql"]) == '"aquatiris_portal_portaldocument"']
            assert len(documents) == 1, [q["sql"][:200] for q in documents]
    print("queries per screen (5 folders, 50 folders):", figures)


def test_the_lists_count_comes_with_its_page():
    """The list's count and pager are right with the count read in the page's
    query: every page of the list, and a page past the end (an old link)
    lands on the last page, as before."""
    page = pro_space_page()
    http, _folder = territory(5)  # 31 folders: pages of 25 and 6
    body = http.get(page.url).content.decode()
    assert "31 dossiers" in body and "page 1 sur 2" in body.lower()
    assert len(re.findall(r'<th scope="row"', body)) == 25
    body = http.get(page.url + "?page=2").content.decode()
    assert len(re.findall(r'<th scope="row"', body)) == 6 and "page 2 sur 2" in body.lower()
    for stale in ("9", "0", "-1"):  # past the end, or below 1: Paginator.get_page's last page
        body = http.get(page.url + f"?page={stale}").content.decode()
        assert len(re.findall(r'<th scope="row"', body)) == 6, stale
    body = http.get(page.url + "?page=abc").content.decode()
    assert len(re.findall(r'<th scope="row"', body)) == 25
    empty = http.get(page.url + "?q=Personne").content.decode()
    assert "Aucun dossier ne correspond" in empty


def test_new_document_counts_at_once():
    """No personal data cached: a document added between two requests is in the next page's count."""
    page = pro_space_page()
    http, folder = territory(5)
    url = page.url + f"?q={folder.reference}"
    cell = re.compile(r'data-label="Documents">(\d+)<')
    before = int(cell.search(http.get(url).content.decode()).group(1))
    factories.document(folder, visible_to_spanc=True)
    assert int(cell.search(http.get(url).content.decode()).group(1)) == before + 1
