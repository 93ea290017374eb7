"""The sharing rule, every combination: person × route × object.

People: the owner and a household member of client A, the manager and an
agent of SPANC S (A's installation is on S's territory), the owner of
another client B, the manager of another SPANC T, a removed household member
and a removed agent (A and S), an anonymous visitor. Routes: every route of
the portal's namespace and every page and subpage route of the package's
page models, walked from the URLconf (tests/unit/_url_sweep.py): a new route
is swept as soon as it exists, and a route of the portal's namespace that
is not classified below fails ``test_every_route_is_classified``. Objects:
every document, thread (request), attachment and visit of A and B, every
installation, fed to each route that takes one.

Each case asks GET then POST and checks:
- what the answer shows is only what the person may see: every record's
  texts are markers (names, document titles and contents, messages,
  visits' summaries), each with the people allowed to read it;
- a household member gets what the owner gets (status and markers), an
  agent what the manager gets: one login each, the same sharing;
- the owner and the manager reach their own objects (never a 403/404);
- on the routes of the owner or manager alone (LEAD_ONLY: warranty, selling
  the house, the record's people) the household member or agent is refused
  where the owner or manager is not.
The number of cases is printed (``-s``).
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Site

from aquatiris_portal import models as m
from aquatiris_portal.records.models import Stage
from tests import factories
from tests.unit import _url_sweep as sweep

pytestmark = pytest.mark.django_db
APP = sweep.APP

PEOPLE = (
    "owner",
    "household",
    "manager",
    "agent",
    "other_client",
    "other_spanc",
    "removed_household",
    "removed_agent",
    "anonymous",
)
CLIENT_A = ("owner", "household")
SPANC_S = ("manager", "agent")
# The same sharing, one login each: who must get exactly what whom gets.
SAME_AS = {"household": "owner", "agent": "manager"}

# Every route of the portal's namespace, by what it serves. A new route fails
# test_every_route_is_classified until it is placed here (page routes are
# classified by their page: the client space, the pro space, the rest).
NAMESPACE_ROUTES = {
    # files of the records, for whoever access lets read them (both spaces)
    "document_download": "document",
    "document_view": "document",
    # the client's own installation, outside the space page
    "dossier_start": "client",
    "handover": "client",
    # the person's own screens (their login, settings, choice of space, data)
    "home": "account",
    "login": "account",
    "logout": "account",
    "otp_verify": "account",
    "otp_enroll": "account",
    "activation": "account",
    "activation_link": "account",
    "activation_password": "account",
    "password_reset": "account",
    "password_reset_link": "account",
    "password_reset_password": "account",
    "password_change": "account",
    "choose_space": "account",
    "otp_backup_codes": "account",
    "trusted_browser_revoke": "account",
    "trusted_browsers_revoke_all": "account",
    "notification_preferences": "account",
    "invitation_accept": "account",
    # the people of a record (owner, manager): who has access, invitations
    "people": "people",
    "unsubscribe": "account",
    "keep_alive": "account",
    "my_data": "account",
    # a link whose credential is the link itself (internal system, franchisee, reply, archive): forged here
    "sync_document_download": "link",
    "sync_export_ready": "link",
    "request_reply": "link",
    "request_reply_page": "link",
    "request_reply_attachment": "link",
    "franchisee_document_link": "link",
    "franchisee_document_page": "link",
    "franchisee_document_file": "link",
    "request_attachment_download": "link",
    "archive_download": "link",
    "invitation_link": "link",
}
# Routes where the household member or the agent gets less than the owner or
# the manager, on purpose, and by which method they are refused: registering
# a serial number, selling the house (the owner sells), the people of the
# record (the owner and the manager invite and remove).
LEAD_ONLY = {
    "page:ClientSpacePage:warranty": "post",
    "aquatiris_portal:handover": "post",
    "aquatiris_portal:people": "get",
}


def _space_routes():
    """The swept routes: the portal's namespace and the package's pages (the
    Wagtail admin is staff's, swept by test_second_factor_sweep)."""
    routes = [route for route in sweep.url_routes() if route.namespace == APP]
    return routes + sweep.page_routes()


ROUTES = _space_routes()


def route_class(route):
    if route.id.startswith("page:ClientSpacePage"):
        return "client"
    if route.id.startswith("page:ProSpacePage"):
        return "pro"
    if route.kind in ("page", "subpage"):
        return "content"
    return NAMESPACE_ROUTES.get(route.pattern.name)


# --- the world -------------------------------------------------------------------------


@dataclass
class Thing:
    """One object a route can name, its marker and who may read it."""

    key: str
    obj: object
    marker: str
    readers: frozenset


def _file(text):
    return ContentFile(f"%PDF-1.4\n% {text}\n%%EOF\n".encode(), name="fichier.pdf")


def _request(client, installation, message, attachment_text):
    portal_request = m.PortalRequest(
        kind=m.PortalRequest.Kind.QUESTION,
        client=client,
        installation=installation,
        message=message,
        subject_label="Question",
    )
    portal_request.fill_recap()
    portal_request.save()
    attachment = m.RequestAttachment(
        request=portal_request, filename="photo.pdf", content_type="application/pdf", size=10
    )
    attachment.file.save("photo.pdf", _file(attachment_text), save=False)
    attachment.save()
    return portal_request, attachment


def build():
    world = {"things": {}, "people": {}, "pages": {}}
    spanc_s, spanc_t = factories.spanc(name="SPANC Sud"), factories.spanc(name="SPANC Tramontane")
    client_a = factories.client(last_name="Quarantotto", first_name="Anna")
    client_b = factories.client(last_name="Zanzibaro", first_name="Bruno")
    # Built: its warranty can be registered (by the owner only).
    inst_a = factories.installation(client=client_a, spanc=spanc_s, reference="AQ-SWEEP-A", stage=Stage.COMMISSIONED)
    inst_b = factories.installation(client=client_b, spanc=spanc_t, reference="AQ-SWEEP-B")

    def doc(installation, title, **visible):
        return factories.document(installation, title=title, content=_file(title).read(), **visible)

    things = [
        Thing("client_a", client_a, "Quarantotto", frozenset(CLIENT_A + SPANC_S)),
        Thing("client_b", client_b, "Zanzibaro", frozenset({"other_client", "other_spanc"})),
        Thing("inst_a", inst_a, "AQ-SWEEP-A", frozenset(CLIENT_A + SPANC_S)),
        Thing("inst_b", inst_b, "AQ-SWEEP-B", frozenset({"other_client", "other_spanc"})),
        Thing(
            "doc_a_client",
            doc(inst_a, "Xylo-ClientSeul", visible_to_client=True, visible_to_spanc=False),
            "Xylo-ClientSeul",
            frozenset(CLIENT_A),
        ),
        Thing(
            "doc_a_spanc",
            doc(inst_a, "Xylo-SpancSeul", visible_to_client=False, visible_to_spanc=True),
            "Xylo-SpancSeul",
            frozenset(SPANC_S),
        ),
        Thing(
            "doc_a_both",
            doc(inst_a, "Xylo-Partage", visible_to_client=True, visible_to_spanc=True),
            "Xylo-Partage",
            frozenset(CLIENT_A + SPANC_S),
        ),
        Thing(
            "doc_b",
            doc(inst_b, "Xylo-AutreClient", visible_to_client=True, visible_to_spanc=True),
            "Xylo-AutreClient",
            frozenset({"other_client", "other_spanc"}),
        ),
    ]
    request_a, attachment_a = _request(client_a, inst_a, "Pelargoniumzz question", "Piecejointe-Aaa")
    request_b, attachment_b = _request(client_b, inst_b, "Hortensiazz question", "Piecejointe-Bbb")
    things += [
        Thing("request_a", request_a, "Pelargoniumzz", frozenset(CLIENT_A)),
        Thing("request_b", request_b, "Hortensiazz", frozenset({"other_client"})),
        Thing("attachment_a", attachment_a, "Piecejointe-Aaa", frozenset(CLIENT_A)),
        Thing("attachment_b", attachment_b, "Piecejointe-Bbb", frozenset({"other_client"})),
    ]
    soon = timezone.localdate() + datetime.timedelta(days=20)

    def visit(installation, summary, **visible):
        return m.Visit.objects.create(
            external_id=f"V-{summary}",
            installation=installation,
            kind="maintenance",
            planned_for=soon,
            technician="Luc Martin",
            summary=summary,
            **visible,
        )

    things += [
        Thing(
            "visit_a_client",
            visit(inst_a, "Visitarium-Client", visible_to_client=True, visible_to_spanc=False),
            "Visitarium-Client",
            frozenset(CLIENT_A),
        ),
        Thing(
            "visit_a_spanc",
            visit(inst_a, "Visitarium-Spanc", visible_to_client=False, visible_to_spanc=True),
            "Visitarium-Spanc",
            frozenset(SPANC_S),
        ),
        Thing(
            "visit_b",
            visit(inst_b, "Visitarium-Autre", visible_to_client=True, visible_to_spanc=True),
            "Visitarium-Autre",
            frozenset({"other_client", "other_spanc"}),
        ),
    ]
    world["things"] = {thing.key: thing for thing in things}

    people = world["people"]
    people["owner"] = factories.client_user(client_a)
    people["household"] = factories.member(client_a, email="claire.foyer@example.org")
    people["manager"] = factories.spanc_user(spanc_s)
    people["agent"] = factories.member(spanc_s, email="agent.sud@example.org")
    people["other_client"] = factories.client_user(client_b)
    people["other_spanc"] = factories.spanc_user(spanc_t)
    people["removed_household"] = factories.member(client_a, email="ancien.foyer@example.org")
    people["removed_agent"] = factories.member(spanc_s, email="ancien.agent@example.org")
    m.Membership.objects.filter(person__in=[people["removed_household"], people["removed_agent"]]).update(
        removed_at=timezone.now()
    )

    root = Site.objects.get(is_default_site=True).root_page
    for route in sweep.page_routes():
        if route.kind == "page" and route.model not in world["pages"]:
            slug = re.sub(r"(?<!^)(?=[A-Z])", "-", route.model.__name__).lower()
            world["pages"][route.model] = root.add_child(instance=route.model(title=route.model.__name__, slug=slug))
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module in a transaction rolled back at its end."""
    root = str(tmp_path_factory.mktemp("sharing-private"))
    with (
        django_db_blocker.unblock(),
        override_settings(AQUATIRIS_PORTAL_PRIVATE_ROOT=root, PASSWORD_HASHERS=sweep.FAST_HASHERS),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
            built["private_root"] = root
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _private_root(settings, world):
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = world["private_root"]
    settings.PASSWORD_HASHERS = sweep.FAST_HASHERS


# --- the objects each route is asked about ------------------------------------------------

INSTALLATIONS = ("inst_a", "inst_b")
# Routes whose pk names an object of another kind than those built here
# (the proof requests of the client space): swept with an id nobody has.
OTHER_OBJECTS = {"proof_answer"}
DOCUMENTS = ("doc_a_client", "doc_a_spanc", "doc_a_both", "doc_b")
VISITS = ("visit_a_client", "visit_a_spanc", "visit_b")
REQUESTS = ("request_a", "request_b")


def object_variants(route):
    """The objects a route is swept with: tuples of world keys, one per URL argument ('' when none)."""
    names = route.kwarg_names
    if not names:
        return [()]
    if names == ("token",):
        return [("token",)]
    if names == ("kind",):
        return [("client",), ("spanc",)]
    if names == ("reference", "pk"):
        return [("request_a", "attachment_a"), ("request_b", "attachment_b"), ("request_a", "attachment_b")]
    if names == ("reference",):
        return [(key,) for key in REQUESTS]
    if names == ("pk",):
        name = route.pattern.name or ""
        if "visit" in name:
            return [(key,) for key in VISITS]
        if "document" in name and route.kind == "url":  # the space pages' "documents" take an installation
            return [(key,) for key in DOCUMENTS]
        if name.startswith("trusted_browser"):
            return [("browser",)]
        if name in OTHER_OBJECTS:  # an object this world does not build: an id nobody has
            return [("missing",)]
        return [(key,) for key in INSTALLATIONS]  # a space's pk is an installation unless named otherwise
    raise LookupError(f"{route}: no objects for the URL arguments {names}: add them to object_variants")


def _value(world, key, kwarg):
    if key == "token":
        return sweep.FORGED_TOKEN
    if key == "browser":
        return 1
    if key == "missing":
        return 999999
    if key in ("client", "spanc"):
        return key
    obj = world["things"][key].obj
    return obj.reference if kwarg == "reference" else obj.pk


def url_of(world, route, keys):
    kwargs = {kwarg: _value(world, key, kwarg) for kwarg, key in zip(route.kwarg_names, keys, strict=True)}
    if route.kind == "page":
        return world["pages"][route.model].url
    if route.kind == "subpage":
        page = world["pages"][route.model]
        return page.url + page.reverse_subpage(route.pattern.name, kwargs=kwargs)
    from django.urls import reverse

    return reverse(route.id, kwargs=kwargs)


CASES = [(route, keys) for route in ROUTES for keys in object_variants(route)]
print(
    f"sharing sweep: {len(PEOPLE)} people x {len(CASES)} route-object pairs = {len(PEOPLE) * len(CASES)} cases "
    f"({len(ROUTES)} routes), each GET and POST"
)


# --- asking ---------------------------------------------------------------------------------


def session_of(world, who):
    http = HttpClient()
    if who == "anonymous":
        return http
    user = world["people"][who]
    if who in ("manager", "agent", "other_spanc", "removed_agent"):
        factories.otp_login(http, user)  # past their second factor: only the membership decides
    else:
        http.force_login(user)
    return http


def shown(world, body):
    text = body.lower()
    return {thing.marker for thing in world["things"].values() if thing.marker.lower().encode() in text}


def ask(world, who, url, method="get"):
    response = getattr(session_of(world, who), method)(url)
    return response.status_code, shown(world, sweep.body_of(response))


def owns(world, who, keys):
    """Whether every object of the URL is one ``who``'s record lets them read."""
    return bool(keys) and all(key in world["things"] and who in world["things"][key].readers for key in keys)


def case_id(case):
    route, keys = case
    return f"{route}[{','.join(keys) or '-'}]"


def _beside_whose_space(world, who, answer):
    """An answer without the name of the record ``who`` belongs to: a household member is told whose
    space it is (« Espace de … »), the owner is not; naming the record one reads is no more access
    (the markers' own check above still refuses any name ``who`` may not read)."""
    status, markers = answer
    if who == "household":
        markers = markers - {world["things"]["client_a"].marker}
    return status, markers


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_sharing_rule(world, case, who):
    route, keys = case
    url = url_of(world, route, keys)
    allowed = {thing.marker for thing in world["things"].values() if who in thing.readers}
    found = []
    answers = {}
    for method in ("get", "post"):
        status, markers = ask(world, who, url, method)
        answers[method] = (status, markers)
        if markers - allowed:
            found.append(f"{method.upper()} {url}: {status} shows {sorted(markers - allowed)} to {who}")
        if status >= 500:
            found.append(f"{method.upper()} {url}: {status}")
    lead = SAME_AS.get(who)
    if lead is not None and route.id in LEAD_ONLY:
        method = LEAD_ONLY[route.id]
        lead_status = ask(world, lead, url, method)[0]
        if lead_status not in (403, 404) and answers[method][0] not in (403, 404):
            found.append(
                f"{method.upper()} {url}: {who} gets {answers[method][0]} where {lead} gets "
                f"{lead_status}: only the {lead} may"
            )
    elif lead is not None:
        lead_answer = ask(world, lead, url)
        if _beside_whose_space(world, who, answers["get"]) != _beside_whose_space(world, who, lead_answer):
            found.append(f"GET {url}: {who} gets {answers['get']}, {lead} gets {lead_answer}")
    space = route_class(route)
    reaches = (
        (space == "client" and who == "owner")
        or (space == "pro" and who == "manager")
        or (space == "document" and who in ("owner", "manager"))
    )
    if reaches and keys and owns(world, who, keys) and answers["get"][0] in (403, 404):
        found.append(f"GET {url}: {answers['get'][0]} for {who}, whose object it is")
    assert found == []


# --- the routes, the warranty -----------------------------------------------------------------


def test_every_route_is_classified():
    """A new route of the portal's namespace is placed in NAMESPACE_ROUTES
    (what it serves) before the sweep passes."""
    unclassified = sorted(route.id for route in ROUTES if route_class(route) is None)
    assert unclassified == [], f"classify these routes in NAMESPACE_ROUTES: {unclassified}"


def test_the_walk_reaches_both_spaces():
    ids = {route.id for route in ROUTES}
    assert {
        "page:ClientSpacePage:documents",
        "page:ClientSpacePage:warranty",
        "page:ClientSpacePage:request_detail",
        "page:ClientSpacePage:visit_calendar",
        "page:ProSpacePage:folder_detail",
        "aquatiris_portal:document_download",
    } <= ids


def test_a_household_member_cannot_register_a_serial_number(world):
    """The owner's right the household member does not share: the warranty
    POST (confirmed serial number) is refused and registers nothing."""
    installation = world["things"]["inst_a"].obj
    route = next(route for route in ROUTES if route.id == "page:ClientSpacePage:warranty")
    url = url_of(world, route, ("inst_a",))
    http = session_of(world, "household")
    assert http.get(url).status_code == 200
    response = http.post(url, {"serial_number": "AQ123456", "confirm": "1"})
    assert response.status_code == 403
    assert not m.WarrantyExtension.objects.filter(installation=installation).exists()
