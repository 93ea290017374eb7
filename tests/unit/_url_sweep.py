"""Every URL of the portal, found from the URLconf and the page classes, for
the sweeps (second factor, CSRF): nothing here is listed by hand, so a new
route is swept as soon as it exists.

What is swept:
- every pattern under the ``aquatiris_portal`` namespace (the package's urls.py);
- every Wagtail admin pattern the portal adds through its hooks (modeladmin,
  snippets, viewsets: their namespace or name carries the app label, or their
  view is defined in the package) and every Wagtail documents pattern (admin,
  chooser, public serve) and the admin home;
- one live page of every page model of the package, and every subpage route
  of its routable pages (``RoutablePageMixin.get_subpage_urls()``).

URL arguments are filled with the values of real objects built by
``build_world`` (tests/factories.py): a route whose argument has no filler
fails with a message naming it, it is never skipped. Arguments named
``token`` (signed links for the internal system or a franchisee, whose
credential is the link itself) get a forged token.
"""

import datetime
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

APP = "aquatiris_portal"
PERSON = {
    "first_name": "Zephyrine",
    "last_name": "Quarantotto",
    "email": "zephyrine.quarantotto@example.org",
}
DOCUMENT_TITLE = "Rapport Xylophage confidentiel"
# What must never appear in a response to someone without the second factor.
MARKERS = ("Quarantotto", "zephyrine.quarantotto", "Xylophage")
FORGED_TOKEN = "forged-token"
PASSWORD = "correct-Horse-battery-9"

# Arguments that name the object of the route's model.
OBJECT_KWARGS = {"pk", "instance_pk", "document_id", "doc_id", "object_id", "id"}


@dataclass(frozen=True)
class Route:
    id: str  # "namespace:name" or "page:Model" or "page:Model:subroute"
    kind: str  # "url", "page" or "subpage"
    pattern: object = None
    namespace: str = ""
    model: object = None  # page model, or the model of an admin view
    kwarg_names: tuple = ()
    positional: int = 0

    def __str__(self):
        return self.id


# --- walking the URLconf ------------------------------------------------------


def _walk(resolver, namespaces=(), prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield ":".join(namespaces), pattern, prefix + str(pattern.pattern)


def _view_module(callback):
    view_class = getattr(callback, "view_class", None)
    target = view_class or getattr(callback, "__wrapped__", None) or callback
    return getattr(target, "__module__", "") or ""


def _selected(namespace, pattern, path):
    name = pattern.name or ""
    if namespace == APP or namespace.startswith(APP + ":"):
        return True
    admin_prefix = reverse("wagtailadmin_home")
    under_admin = ("/" + path).startswith(admin_prefix)
    if under_admin and (APP in namespace or APP in name or _view_module(pattern.callback).startswith(APP)):
        return True
    if "wagtaildocs" in namespace or name.startswith("wagtaildocs") or namespace.endswith(":documents"):
        return True
    return name == "wagtailadmin_home"


def _viewset_models():
    """Admin URL namespace -> model, from Wagtail's registry of viewsets."""
    from wagtail.admin.viewsets import viewsets as registry

    found = {}
    for viewset in getattr(registry, "viewsets", []):
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        for vs in (viewset, getattr(viewset, "chooser_viewset", None)):
            if vs is None or model is None:
                continue
            for attribute in ("name", "url_namespace"):
                try:
                    namespace = getattr(vs, attribute, None)
                except Exception:  # a viewset without a name (Wagtail's page viewsets)
                    namespace = None
                if namespace:
                    found[namespace] = model
    return found


_MODELADMIN = re.compile(r"^(?P<app>[a-z_]+?)_(?P<model>[a-z0-9]+)_modeladmin_\w+$")


def _model_of(namespace, pattern, viewset_models):
    for ns in (namespace, namespace.split(":")[0]):
        if ns in viewset_models:
            return viewset_models[ns]
    name = pattern.name or ""
    for app_config in apps.get_app_configs():
        label = app_config.label
        if name.startswith(label + "_") and "_modeladmin_" in name:
            model_name = name[len(label) + 1 :].split("_modeladmin_")[0]
            try:
                return apps.get_model(label, model_name)
            except LookupError:
                pass
    if "wagtaildocs" in namespace or (pattern.name or "").startswith("wagtaildocs") or namespace.endswith(":documents"):
        from wagtail.documents import get_document_model

        return get_document_model()
    return None


def url_routes(urlconf=None):
    walked = list(_walk(get_resolver(urlconf)))  # loading the admin URLs registers the viewsets
    viewset_models = _viewset_models()
    routes = []
    for namespace, pattern, path in walked:
        if not _selected(namespace, pattern, path):
            continue
        converters = getattr(pattern.pattern, "converters", None)
        regex = pattern.pattern.regex
        names = tuple(converters) if converters else tuple(regex.groupindex)
        positional = 0 if names else regex.groups
        routes.append(
            Route(
                id=f"{namespace}:{pattern.name}" if namespace else (pattern.name or path),
                kind="url",
                pattern=pattern,
                namespace=namespace,
                model=_model_of(namespace, pattern, viewset_models),
                kwarg_names=names,
                positional=positional,
            )
        )
    return routes


def page_routes():
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import get_page_models

    routes = []
    for model in get_page_models():
        if model._meta.app_label != APP:
            continue
        routes.append(Route(id=f"page:{model.__name__}", kind="page", model=model))
        if issubclass(model, RoutablePageMixin):
            for pattern in model.get_subpage_urls():
                if pattern.name == "index_route":  # the page itself, swept above
                    continue
                converters = getattr(pattern.pattern, "converters", {}) or {}
                routes.append(
                    Route(
                        id=f"page:{model.__name__}:{pattern.name}",
                        kind="subpage",
                        pattern=pattern,
                        model=model,
                        kwarg_names=tuple(converters),
                    )
                )
    return routes


def all_routes(urlconf=None):
    routes = url_routes(urlconf) + page_routes()
    assert len({r.id for r in routes}) == len(routes), "two routes with one id"
    return routes


# --- the objects the URLs point at ---------------------------------------------


@dataclass
class World:
    objects: dict = field(default_factory=dict)  # model -> instance
    pages: dict = field(default_factory=dict)  # page model -> live page
    spanc_user: object = None
    staff_user: object = None
    document: object = None
    installation: object = None
    portal_request: object = None
    attachment: object = None
    export: object = None
    outbox_event: object = None
    wagtail_document: object = None
    uploaded_file: object = None
    restriction: object = None
    extra: dict = field(default_factory=dict)  # route id -> {kwarg: value}, for test URLconfs


def _pdf(text):
    from tests import factories

    pdf = getattr(factories, "make_pdf", None)
    if pdf is not None:
        return pdf(text, [text])
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def build_world():
    """Every object a swept URL can name, each carrying the fixture client's
    name, email or document title where the model has room for it."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django_otp.plugins.otp_email.models import EmailDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.documents import get_document_model
    from wagtail.models import Collection, CollectionViewRestriction, Site, UploadedFile

    from aquatiris_portal import models as m
    from aquatiris_portal.sync.outbox import record_event
    from tests import factories

    world = World()
    spanc = factories.spanc()
    client = factories.client(**PERSON)
    installation = factories.installation(client=client, spanc=spanc)
    document = factories.document(
        installation, title=DOCUMENT_TITLE, visible_to_client=True, visible_to_spanc=True, content=_pdf(DOCUMENT_TITLE)
    )
    world.installation, world.document = installation, document
    world.spanc_user = factories.spanc_user(spanc, password=PASSWORD)
    EmailDevice.objects.get_or_create(user=world.spanc_user, name="email", defaults={"confirmed": True})
    world.staff_user = factories.user(password=PASSWORD, is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=world.staff_user, name="authenticator", confirmed=True)

    portal_request = m.PortalRequest(
        kind=m.PortalRequest.Kind.QUESTION,
        client=client,
        installation=installation,
        message=f"Bonjour, ici {PERSON['last_name']}",
        subject_label="Question",
    )
    portal_request.fill_recap()
    portal_request.save()
    attachment = m.RequestAttachment(
        request=portal_request, filename="photo.pdf", content_type="application/pdf", size=10
    )
    attachment.file.save("photo.pdf", ContentFile(_pdf(DOCUMENT_TITLE)), save=False)
    attachment.save()
    export = m.RequestExport(
        requested_by=world.staff_user, format="csv", status=m.RequestExport.Status.DONE, filename="demandes.csv"
    )
    export.file.save("demandes.csv", ContentFile(f"{PERSON['last_name']};{PERSON['email']}\n".encode()), save=False)
    export.save()
    event = record_event("request_submitted", {"client": PERSON}, installation=installation)
    m.OutboxEvent.objects.filter(pk=event.pk).update(status=m.OutboxEvent.Status.FAILED)
    world.portal_request, world.attachment, world.export, world.outbox_event = portal_request, attachment, export, event

    run = m.ImportRun.objects.create(sequence=1, source="/exports/1", state=m.ImportRun.State.SUCCEEDED)
    quarantined = m.QuarantinedRecord.objects.create(
        run=run,
        record_type="client",
        record_id=client.external_id,
        line_number=1,
        reason="test",
        raw_line=f'{{"last_name": "{PERSON["last_name"]}"}}',
    )

    collection = Collection.get_first_root_node().add_child(name="Guides d'entretien")
    world.restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS
    )
    world.restriction.groups.add(Group.objects.get_or_create(name="Portal clients")[0])
    Document = get_document_model()
    world.wagtail_document = Document.objects.create(
        title=f"Guide {DOCUMENT_TITLE}", collection=collection, file=ContentFile(_pdf(DOCUMENT_TITLE), name="guide.pdf")
    )
    world.uploaded_file = UploadedFile.objects.create(
        file=ContentFile(_pdf(DOCUMENT_TITLE), name="upload.pdf"),
        for_content_type=ContentType.objects.get_for_model(Document),
        uploaded_by_user=world.staff_user,
    )

    objects = {
        m.Client: client,
        m.Installation: installation,
        m.PortalDocument: document,
        m.Spanc: spanc,
        m.Franchisee: installation.franchisee,
        m.PortalRequest: portal_request,
        m.RequestAttachment: attachment,
        m.RequestExport: export,
        m.OutboxEvent: event,
        m.ImportRun: run,
        m.QuarantinedRecord: quarantined,
        m.DocumentTheme: document.theme,
        Document: world.wagtail_document,
        m.RequestSubject: m.RequestSubject.objects.create(name="Question", sort_order=10),
        m.AfterSalesReason: m.AfterSalesReason.objects.create(name="Odeurs", sort_order=10),
        m.FaqEntry: m.FaqEntry.objects.create(question="Comment entretenir le filtre ?"),
    }
    security_event = getattr(m, "SecurityEvent", None)
    if security_event is not None:
        objects[security_event] = security_event.objects.create(kind="login_failed", username=PERSON["email"])
    objects[m.Visit] = m.Visit.objects.create(
        external_id="V-SWEEP",
        installation=installation,
        kind="maintenance",
        done_on=datetime.date(2026, 3, 4),
        technician="Luc Martin",
        summary=f"Visite chez {PERSON['last_name']}",
        report_document=document,
        visible_to_client=True,
        visible_to_spanc=True,
    )
    objects[m.SeasonalTask] = m.SeasonalTask.objects.create(
        title="Faucarder les roseaux", text="En automne.", months="10,11"
    )
    stage = getattr(m, "ProjectStage", None)
    if stage is not None:
        objects[stage] = stage.objects.first() or stage.objects.create(stage="study")
    world.objects = objects

    root = Site.objects.get(is_default_site=True).root_page
    for route in page_routes():
        if route.kind == "page" and route.model not in world.pages:
            model = route.model
            slug = re.sub(r"(?<!^)(?=[A-Z])", "-", model.__name__).lower()
            world.pages[model] = root.add_child(instance=model(title=model.__name__, slug=slug))
    return world


def _any_instance(model):
    """An object of a model the world has no builder for (a new snippet, say):
    one that exists, or one made from its required plain fields."""
    from django.db import models as dj

    existing = model._default_manager.first()
    if existing is not None:
        return existing
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.has_default() or f.null or f.blank and not isinstance(f, dj.BooleanField):
            continue
        if f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, (dj.CharField, dj.TextField)):
            values[f.name] = f"sweep {unique_suffix()}"[: f.max_length or 40]
        elif isinstance(f, (dj.IntegerField, dj.DecimalField, dj.FloatField)):
            values[f.name] = 1
        elif isinstance(f, dj.BooleanField):
            values[f.name] = True
        else:
            raise LookupError(
                f"no object of {model.__name__} in the sweep's world and no way to make one "
                f"(field {f.name}): add one to tests/unit/_url_sweep.build_world"
            )
    return model._default_manager.create(**values)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module, inside a transaction rolled back at its end
    (each test runs in its own savepoint). Import it with ``_private_root``."""
    root = str(tmp_path_factory.mktemp("sweep-private"))
    with (
        django_db_blocker.unblock(),
        override_settings(AQUATIRIS_PORTAL_PRIVATE_ROOT=root, PASSWORD_HASHERS=FAST_HASHERS),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            built.private_root = root
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _private_root(settings, world):
    """Replaces conftest's: the world's files stay readable, so a gate that
    fails shows them."""
    settings.AQUATIRIS_PORTAL_PRIVATE_ROOT = world.private_root
    settings.PASSWORD_HASHERS = FAST_HASHERS


# --- URLs -------------------------------------------------------------------


def _kwarg_value(route, kwarg, world):
    extra = world.extra.get(route.id, {})
    if kwarg in extra:
        return extra[kwarg]
    if kwarg == "token":
        return FORGED_TOKEN
    name = route.id
    specific = {
        ("aquatiris_portal_requests:attachment", "pk"): world.attachment.pk,
        ("aquatiris_portal_requests:export", "pk"): world.export.pk,
        ("aquatiris_portal_requests:export_download", "pk"): world.export.pk,
        ("wagtaildocs_authenticate_with_password", "restriction_id"): world.restriction.pk,
        ("aquatiris_portal:trusted_browser_revoke", "pk"): 1,  # any: the gates answer before the row is looked up
        ("aquatiris_portal:people", "kind"): "client",  # « Personnes » of the client space (the SPANC's: same view)
        ("aquatiris_portal_record_people", "kind"): "client",  # the admin's « Personnes » (the SPANC's: same view)
        ("aquatiris_portal_record_people", "pk"): world.objects[apps.get_model(APP, "Client")].pk,
        ("aquatiris_portal:dossier_start", "pk"): world.installation.pk,  # the installation's dossier
        ("aquatiris_portal:handover", "pk"): world.installation.pk,  # « Je vends ma maison »
    }
    if kwarg == "uploaded_file_id":  # Wagtail's multiple upload of documents
        return world.uploaded_file.pk
    if (name, kwarg) in specific:
        return specific[(name, kwarg)]
    if route.kind == "subpage":
        if kwarg == "reference":
            return world.portal_request.reference
        if kwarg == "pk":
            return world.attachment.pk if "attachment" in route.pattern.name else world.installation.pk
    if route.namespace == APP and kwarg == "reference":  # the reply page, after its link landed
        return world.portal_request.reference
    if route.namespace == APP and kwarg == "pk":
        if "attachment" in (route.pattern.name or ""):
            return world.attachment.pk
        if "document" in (route.pattern.name or ""):
            return world.document.pk
    if kwarg in OBJECT_KWARGS and route.model is not None:
        if route.model not in world.objects:
            world.objects[route.model] = _any_instance(route.model)
        return world.objects[route.model].pk
    raise LookupError(f"{route}: no value for the URL argument {kwarg!r}: add one to tests/unit/_url_sweep.py")


def url_for(route, world, urlconf=None):
    if route.kind == "page":
        return world.pages[route.model].url
    kwargs = {kwarg: _kwarg_value(route, kwarg, world) for kwarg in route.kwarg_names}
    if route.kind == "subpage":
        page = world.pages[route.model]
        return page.url + page.reverse_subpage(route.pattern.name, kwargs=kwargs)
    if route.positional:
        if route.id == "wagtaildocs_serve":
            args = [world.wagtail_document.pk, world.wagtail_document.filename]
        else:
            raise LookupError(f"{route}: positional URL arguments without a filler")
        return reverse(route.id, args=args, urlconf=urlconf)
    return reverse(route.id, kwargs=kwargs, urlconf=urlconf)


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def same_site_path(location):
    """A Location a browser follows to this site only: a path, not //host,
    /\\host, a scheme or a host."""
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith("//")
        and not location.startswith("/\\")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in parts.path
    )


def unique_suffix():
    return uuid.uuid4().hex[:8]
