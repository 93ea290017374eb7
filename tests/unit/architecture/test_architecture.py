"""The rooms and their arrows (docs/architecture.md), the one way to build a
gated page, and the facts that have one source."""

import importlib.util
import pathlib

import grimp
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Site

from aquatiris_portal.accounts.landing import landing_url
from aquatiris_portal.pages.client_space import ClientSpacePage
from aquatiris_portal.pages.pro_space import ProSpacePage
from aquatiris_portal.uploads import PDF_ONLY, PHOTO_AND_PDF, limits_help
from tests import factories

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _cycles_module():
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_contract_holds():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0


def test_no_import_cycle_counting_imports_inside_functions():
    cycles = _cycles_module()
    graph = grimp.build_graph("aquatiris_portal", cache_dir=None)
    assert cycles.strongly_connected(graph, set(graph.modules)) == []


def test_the_cycle_finder_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    # What the two tests above rely on: a "late" import is an edge too.
    package = tmp_path / "latepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from . import a  # late\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("latepkg", cache_dir=None)
    assert _cycles_module().strongly_connected(graph, set(graph.modules)) == [["latepkg.a", "latepkg.b"]]


@pytest.fixture
def spaces(db):
    root = Site.objects.get(is_default_site=True).root_page
    client_space = root.add_child(instance=ClientSpacePage(title="Espace client", slug="espace-client"))
    pro_space = root.add_child(instance=ProSpacePage(title="Espace pro", slug="espace-pro"))
    return client_space, pro_space


def test_a_host_swaps_a_screens_template_by_a_class_attribute(spaces, monkeypatch):
    client_space, _pro = spaces
    user = factories.client_user()
    http = HttpClient()
    http.force_login(user)
    monkeypatch.setattr(ClientSpacePage, "news_template_name", "aquatiris_portal/client_space/preview.html")
    response = http.get(client_space.url + client_space.reverse_subpage("news"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "aquatiris_portal/client_space/preview.html"


def test_gated_pages_are_private_and_never_stored(spaces):
    client_space, pro_space = spaces
    client_http = HttpClient()
    client_http.force_login(factories.client_user())
    spanc_http = HttpClient()
    factories.otp_login(spanc_http, factories.spanc_user())
    for http, page in ((client_http, client_space), (spanc_http, pro_space)):
        response = http.get(page.url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_route_url_is_the_routable_url(spaces, rf):
    client_space, _pro = spaces
    request = rf.get("/")
    assert client_space.route_url(request, "installation", 7) == client_space.url + "installations/7/"


def test_the_upload_text_is_shown_next_to_every_file_field(spaces):
    client_space, pro_space = spaces
    client_user = factories.client_user()
    factories.installation(client=factories.client_of(client_user))
    http = HttpClient()
    http.force_login(client_user)
    contact = http.get(client_space.url + client_space.reverse_subpage("contact")).content.decode()
    # The limits, from the settings the checks read (uploads.limits_help), once.
    assert contact.count(escape(limits_help(PHOTO_AND_PDF))) == 1
    spanc_user = factories.spanc_user()
    folder = factories.installation(spanc=factories.spanc_of(spanc_user))
    spanc_http = HttpClient()
    factories.otp_login(spanc_http, spanc_user)
    upload = spanc_http.get(pro_space.url + pro_space.reverse_subpage("folder_upload", args=[folder.pk]))
    assert upload.status_code == 200 and upload.content.decode().count(escape(limits_help(PDF_ONLY))) == 1
    # ... and only there: a screen without a file field does not show it.
    assert escape(limits_help(PHOTO_AND_PDF)) not in http.get(client_space.url).content.decode()


def test_login_lands_in_the_users_space_through_the_hook(spaces):
    client_space, pro_space = spaces
    assert landing_url(factories.client_user()) == client_space.url
    assert landing_url(factories.spanc_user()) == pro_space.url
    assert landing_url(factories.user(is_staff=True)) == reverse("wagtailadmin_home")


@pytest.mark.django_db
def test_the_client_group_has_one_name_the_setting(settings):
    settings.AQUATIRIS_PORTAL_CLIENT_GROUP_NAME = "Clients du site"
    Group.objects.all().delete()
    call_command("migrate", "aquatiris_portal", verbosity=0)  # post_migrate creates the groups
    assert Group.objects.filter(name="Clients du site").exists()
    assert not Group.objects.filter(name="Portal clients").exists()
    user = factories.client_user()  # the account's post_save puts a client user in the group
    assert list(user.groups.values_list("name", flat=True)) == ["Clients du site"]


def test_the_exports_job_does_not_reach_the_admin_viewset():
    graph = grimp.build_graph("aquatiris_portal", cache_dir=None)
    for job in ("aquatiris_portal.enquiries.exports", "aquatiris_portal.enquiries.tasks"):
        assert not graph.chain_exists(importer=job, imported="aquatiris_portal.enquiries.viewsets")


def test_the_private_storage_follows_a_settings_change(settings, tmp_path):
    from aquatiris_portal.storage import private_storage

    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "one")
    assert private_storage.path("x") == str(tmp_path / "one" / "x")
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = str(tmp_path / "two")
    assert private_storage.path("x") == str(tmp_path / "two" / "x")


def test_an_import_inside_a_function_says_why():
    """Imports go at the top of a module; one inside a function (of the
    portal's own modules or of a library) carries a comment on its line or
    above it (or above the run of imports it belongs to) saying why."""
    import ast

    unexplained = []
    for path in sorted((ROOT / "aquatiris_portal").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        line = lines[sub.lineno - 1]
                        # The comment may stand above a run of imports.
                        above = sub.lineno - 2
                        while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
                            above -= 1
                        if "#" not in line and not lines[above].strip().startswith("#"):
                            unexplained.append(f"{path.relative_to(ROOT)}:{sub.lineno}: {line.strip()}")
    assert unexplained == []


def test_a_hosts_landing_hook_answers_first(spaces):
    from wagtail import hooks

    with hooks.register_temporarily("aquatiris_portal_landing_url", lambda user: "/bienvenue/", order=-1):
        assert landing_url(factories.client_user()) == "/bienvenue/"
