"""No route hands out a personal file without writing the document access log.

Three checks, none of which lists the routes by hand:
- the source: a file of the private storage leaves the package through
  ``storage.serve_private_file`` only (no other FileResponse, streaming
  response, storage ``open`` or presigned ``url`` in a view), and every call
  gives it the access row;
- the URLconf and the routable pages: every route whose view reaches
  ``serve_private_file`` (found from the source's calls) is in the table of
  tests/unit/_access_log.py, which test_access_log_routes.py requests as each
  reader and which must write one row each;
- ``serve_private_file`` refuses to serve without a row, and saves it.
"""

import ast
import inspect
from pathlib import Path
from unittest import mock

import pytest

import aquatiris_portal
from aquatiris_portal import storage
from aquatiris_portal.security_log.access_models import DocumentAccess
from aquatiris_portal.security_log.document_access import Actor, entry
from tests.unit._access_log import CASES
from tests.unit._url_sweep import all_routes

PACKAGE = Path(aquatiris_portal.__file__).parent
SERVE = "serve_private_file"
# FileResponse elsewhere, and why it is no personal file of the private storage.
OTHER_FILE_RESPONSES = {
    # The SPANC's folder list as a workbook built in memory from what the page shows (logged as an export).
    "pages/pro_space.py",
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("migrations/"):
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def _called_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_private_files_leave_the_package_through_serve_private_file_only():
    offenders = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if (
                name in ("FileResponse", "StreamingHttpResponse")
                and relative != "storage.py"
                and relative not in OTHER_FILE_RESPONSES
            ):
                offenders.append(f"{relative}:{node.lineno} {name}")
            # A presigned URL of a stored file, or the private storage opened, outside storage.py.
            if name == "url" and relative != "storage.py" and "storage" in ast.unparse(node.func):
                offenders.append(f"{relative}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_every_call_of_serve_private_file_gives_the_access_row():
    calls = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node) == SERVE:
                keywords = {keyword.arg: keyword.value for keyword in node.keywords}
                given = "access" in keywords and not (
                    isinstance(keywords["access"], ast.Constant) and keywords["access"].value is None
                )
                calls.append((f"{relative}:{node.lineno}", given))
    assert len(calls) >= 8, calls  # every route found (a rename would hide them all)
    assert [where for where, given in calls if not given] == []


def _serving_functions():
    """{(module, qualname)} of the package's functions that reach serve_private_file,
    through calls by name (over-approximated: a name shared by two functions counts for both)."""
    functions = {}  # (module, qualname) -> names it calls
    for relative, tree in _modules():
        module = "aquatiris_portal." + relative[:-3].replace("/", ".").removesuffix(".__init__")

        def visit(node, prefix="", module=module):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    qualname = prefix + child.name
                    functions[(module, qualname)] = {
                        _called_name(call) for call in ast.walk(child) if isinstance(call, ast.Call)
                    }
                    visit(child, qualname + ".<locals>.")
                elif isinstance(child, ast.ClassDef):
                    visit(child, prefix + child.name + ".")

        visit(tree)
    serving_names, serving = {SERVE}, set()
    while True:
        found = {key for key, calls in functions.items() if calls & serving_names and key[1] != SERVE}
        if found <= serving:
            return serving
        serving |= found
        serving_names |= {qualname.rsplit(".", 1)[-1] for _module, qualname in found}


def _view_function(route):
    callback = route.pattern.callback
    callback = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    return callback.__module__, callback.__qualname__


@pytest.mark.django_db
def test_every_route_that_serves_a_private_file_is_requested_by_the_access_log_tests():
    serving = _serving_functions()
    file_routes = set()
    for route in all_routes():
        if route.pattern is None:
            continue
        if _view_function(route) in serving:
            file_routes.add(route.id)
    tested = {case.route for case in CASES}
    assert file_routes, "no file route found: the sweep is blind"
    assert sorted(file_routes - tested) == [], "a route serves a private file and no test checks its access row"
    assert sorted(tested - file_routes) == []


@pytest.mark.django_db
def test_serve_private_file_refuses_without_the_row_and_saves_it():
    from tests import factories

    document = factories.document()
    kwargs = {"filename": "a.pdf", "content_type": "application/pdf", "disposition": "attachment"}
    with pytest.raises(TypeError):
        storage.serve_private_file(document.file, **kwargs)  # no access row: not even called
    with pytest.raises(TypeError):
        storage.serve_private_file(document.file, access=None, **kwargs)
    row = entry(
        route="test",
        actor=Actor.SYSTEM,
        file_kind="document",
        file_id=document.pk,
        title="a",
        client_id=document.installation.client_id,
    )
    response = storage.serve_private_file(document.file, access=row, **kwargs)
    assert response.status_code == 200 and DocumentAccess.objects.get().pk == row.pk


@pytest.mark.django_db
def test_a_presigned_redirect_writes_the_row_too(settings):
    """S3: the file is not streamed but a short URL is handed out; that is a reading too."""
    from tests import factories

    document = factories.document()

    class Remote:
        def path(self, name):
            raise NotImplementedError

        def url(self, name, parameters=None, expire=None):
            return f"https://s3.example/{name}?signed"

    with mock.patch.object(storage, "backend", return_value=Remote()):
        row = entry(
            route="test",
            actor=Actor.SYSTEM,
            file_kind="document",
            file_id=document.pk,
            title="a",
            client_id=document.installation.client_id,
        )
        response = storage.serve_private_file(
            document.file, access=row, filename="a.pdf", content_type="application/pdf", disposition="attachment"
        )
    assert response.status_code == 302 and DocumentAccess.objects.count() == 1
