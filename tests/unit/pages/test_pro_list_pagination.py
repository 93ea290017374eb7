"""The folder list's pagination written in Python
(pro_space_list_page.pagination_html) is what the portal's one pagination
template writes for the same page and query: every page of drawn lists,
drawn query parameters (kept, escaped, ``page`` replaced), both languages;
a host's own _pagination.html (documented as overridable) still renders."""

import copy

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal.pages.pro_space_list_page import pagination_html
from tests import factories
from tests.unit._pro_space import bulk_folders, pro_space_page, verified_client

# The list's own include, as folder_list.html wrote it.
INCLUDE = engines["django"].from_string(
    '{% load i18n %}{% translate "Pages of the folder list" as pages_label %}'
    '{% include "aquatiris_portal/_pagination.html" with label=pages_label %}'
)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(["q", "sort", "page", "overdue", "stage", "proof", "x&y"]),
        st.sampled_from(["", "N'Diaye & fils", "<script>", "-commune", "2", "é ü", '"']),
    ),
    max_size=4,
)


@hsettings(max_examples=200, deadline=None)
@given(
    count=st.integers(0, 300),
    wanted=st.integers(1, 15),
    params=PARAMS,
    language=st.sampled_from(["fr", "en"]),
)
def test_the_pagination_is_the_template_s(count, wanted, params, language):
    paginator = Paginator(range(count), 25)
    page_obj = paginator.get_page(wanted)
    query = QueryDict(mutable=True)
    for key, value in params:
        query.appendlist(key, value)
    request = RequestFactory().get("/espace-pro/?" + query.urlencode())
    with translation.override(language):
        expected = INCLUDE.render({"page_obj": page_obj}, request)
        assert pagination_html(request.GET, page_obj) == expected
    assert request.GET == query  # the request's own query is not changed


def test_a_page_s_links_keep_the_query_escaped():
    paginator = Paginator(range(100), 25)
    request = RequestFactory().get("/espace-pro/", {"q": "N'Diaye & fils", "page": "2"})
    with translation.override("fr"):
        html = pagination_html(request.GET, paginator.get_page(2))
    assert 'href="?q=N%27Diaye+%26+fils&amp;page=1" rel="prev"' in html
    assert 'href="?q=N%27Diaye+%26+fils&amp;page=4">Dernière page' in html
    assert "Page 2 sur 4" in html and 'aria-label="Pages de la liste des dossiers"' in html


@pytest.mark.django_db
def test_a_host_s_own_pagination_template_is_the_one_the_list_renders(settings, tmp_path):
    pro_space_page()
    spanc = factories.spanc()
    bulk_folders(spanc, 30, prefix="P", documents_per_folder=0)
    http = verified_client(factories.spanc_user(spanc))
    assert '<nav class="aqp-pagination"' in http.get("/espace-pro/").content.decode()  # the portal's own
    override = tmp_path / "aquatiris_portal" / "_pagination.html"
    override.parent.mkdir()
    override.write_text("<p>host pages {{ page_obj.number }} of {{ page_obj.paginator.num_pages }} ({{ label }})</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates  # a setting changed: the template is looked up again
    body = http.get("/espace-pro/?page=2").content.decode()
    assert "<p>host pages 2 of 2 (Pages de la liste des dossiers)</p>" in body
    assert 'class="aqp-pagination"' not in body
