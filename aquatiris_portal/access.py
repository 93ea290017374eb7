"""The one answer to "what may this user see or do".

Every view and every file download asks this module; nothing else decides.
A record the user may not see is indistinguishable from one that does not
exist: callers turn ``None``/empty querysets into 404.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404

from .compiled_queries import CompiledQuery
from .conf import app_settings
from .records.models import Client, DocumentSource, Installation, PortalDocument, Spanc
from .records.visits import Visit, VisitQuerySet
from .snippets.audiences import Audience, audiences_matching

_CACHE_ATTR = "_aquatiris_portal_account"
# Who asks: request.user (anonymous or not), or None outside a request.
User = AbstractUser | AnonymousUser | None


def account_for(user: User) -> Any:
    """The PortalAccount of ``user`` (activation, visits), or None.

    Read in the query of the user's memberships (``memberships_for``): a
    user with no active membership (staff, editors, a removed person) has
    none here. The accounts room sits above this one, so access names the
    relations, not the models (docs/architecture.md)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, _CACHE_ATTR):
        memberships = memberships_for(user)
        account = getattr(memberships[0].person, "portal_account", None) if memberships else None
        if account is not None:
            relation: Any = get_user_model().portal_account  # the accounts room's relation (above this one)
            relation.related.field.set_cached_value(account, user)  # account.user: no query
        setattr(user, _CACHE_ATTR, account)
    return getattr(user, _CACHE_ATTR)


# -- memberships: people, not records, log in. A person's active memberships
# (accounts.models.Membership: a client XOR a SPANC, a role) are read once per
# request through the user's ``portal_memberships`` relation, so a removed
# membership stops working at the next request. A person with several of a
# kind (a landlord) is in the one chosen in the session (accounts.memberships
# hands the choice over with ``remember_choice``). Memberships are the only
# link between a login and a record.

_MEMBERSHIPS_ATTR = "_aquatiris_portal_memberships"
_CHOICE_ATTR = "_aquatiris_portal_chosen_memberships"
# {kind: the current membership or None}, asked a dozen times a page; forgotten
# with the memberships or the choice it was read from.
_CURRENT_ATTR = "_aquatiris_portal_current_memberships"
KINDS = ("client", "spanc")
LEAD_ROLES = frozenset({"owner", "manager"})


def memberships_for(user: User) -> list[Any]:
    """The active memberships of ``user`` (their client and SPANC loaded), oldest first; [] for nobody."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if not hasattr(user, _MEMBERSHIPS_ATTR):
        setattr(user, _MEMBERSHIPS_ATTR, _memberships_query().instances(person_id=user.pk))
    return getattr(user, _MEMBERSHIPS_ATTR)


def _memberships_of_person(person_id: int) -> QuerySet:
    relation: Any = get_user_model().portal_memberships  # the accounts room's relation (above this one)
    model = relation.rel.related_model
    # The person's account comes in the same query (account_for): one query for both.
    return (
        model._default_manager.filter(person_id=person_id, removed_at__isnull=True)
        .select_related("client", "spanc", "person__portal_account")
        .order_by("pk")
    )


_compiled_memberships: list[CompiledQuery] = []


def _memberships_query() -> CompiledQuery:
    """The memberships' query, compiled once per process (it runs on every request of a logged-in person)."""
    if not _compiled_memberships:
        _compiled_memberships.append(CompiledQuery(_memberships_of_person))
    return _compiled_memberships[0]


def forget_memberships(user: User) -> None:
    """Read the memberships again at the next question (after a change in this request)."""
    if user is not None and hasattr(user, _MEMBERSHIPS_ATTR):
        delattr(user, _MEMBERSHIPS_ATTR)
    _forget_current(user)


def _forget_current(user: User) -> None:
    if user is not None and hasattr(user, _CURRENT_ATTR):
        delattr(user, _CURRENT_ATTR)


def remember_choice(user: User, chosen: dict[str, int]) -> None:
    """The membership pk chosen per kind in this session (``{"client": pk}``)."""
    if user is not None and user.is_authenticated:
        setattr(user, _CHOICE_ATTR, dict(chosen))
        _forget_current(user)


def memberships_of_kind(user: User, kind: str) -> list[Any]:
    return [membership for membership in memberships_for(user) if getattr(membership, f"{kind}_id")]


def current_membership(user: User, kind: str) -> Any:
    """The membership of ``kind`` ("client" or "spanc") whose record ``user``
    is in: the only one, else the one chosen in the session, else None
    (``needs_choice``: the switcher asks)."""
    known = getattr(user, _CURRENT_ATTR, None)
    if known is not None and kind in known:
        return known[kind]
    memberships = memberships_of_kind(user, kind)
    if len(memberships) == 1:
        current = memberships[0]
    else:
        chosen = (getattr(user, _CHOICE_ATTR, None) or {}).get(kind)
        current = next((membership for membership in memberships if membership.pk == chosen), None)
    if user is not None and user.is_authenticated and hasattr(user, _MEMBERSHIPS_ATTR):
        setattr(user, _CURRENT_ATTR, {**(known or {}), kind: current})
    return current


def needs_choice(user: User, kind: str) -> bool:
    """Several records of ``kind`` and none chosen yet in this session."""
    return len(memberships_of_kind(user, kind)) > 1 and current_membership(user, kind) is None


def role_for(user: User, kind: str) -> str | None:
    """The role of ``user`` in its current record of ``kind``, or None."""
    membership = current_membership(user, kind)
    return membership.role if membership is not None else None


def has_spanc_membership(user: User) -> bool:
    """Whether ``user`` acts for any SPANC (the second factor is owed), verified or not."""
    return bool(memberships_of_kind(user, "spanc"))


def may_register_warranty(user: User) -> bool:
    """Only a client's owner registers a serial number (warranty), not a household member."""
    return viewed_client(user) is None and role_for(user, "client") == "owner"


def may_manage_people(user: User, kind: str) -> bool:
    """Only the owner (client) or the manager (SPANC, second factor passed) invites and removes people."""
    if kind == "spanc" and spanc_for(user) is None:
        return False
    return viewed_client(user) is None and role_for(user, kind) in LEAD_ROLES


def client_for(user: User) -> Client | None:
    viewed = viewed_client(user)
    if viewed is not None:
        return viewed
    membership = current_membership(user, "client")
    return membership.client if membership is not None else None


# -- "Voir comme un client": staff see the client space as a client they
# chose, read only (pages/view_as_client.py keeps the choice in the session
# and refuses every change). Only this request's user object carries it.

VIEW_AS_CLIENT_PERMISSION = "aquatiris_portal.view_as_client"
_VIEW_AS_ATTR = "_aquatiris_portal_view_as"


def may_view_as_client(user: User) -> bool:
    """Staff allowed to view the client space as a client, past the second factor."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_verified(user)
        and user.has_perm(VIEW_AS_CLIENT_PERMISSION)
    )


def view_as_client(user: User, client: Client | None) -> bool:
    """For the rest of this request, ``user`` sees what ``client`` sees in
    the client space (``client_for``, their documents, their news). Refused
    (False) to anyone ``may_view_as_client`` refuses."""
    if client is None or not may_view_as_client(user):
        return False
    setattr(user, _VIEW_AS_ATTR, client)
    return True


def viewed_client(user: User) -> Client | None:
    """The client ``user`` views the space as in this request, or None."""
    return getattr(user, _VIEW_AS_ATTR, None)


def is_verified(user: User) -> bool:
    """Whether ``user`` passed the second factor in this session
    (django_otp's OTPMiddleware installs ``is_verified``; a user loaded
    outside a request has not)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def spanc_for(user: User) -> Spanc | None:
    """The SPANC of ``user``, only once the second factor is verified."""
    membership = current_membership(user, "spanc")
    if membership is None or not is_verified(user):
        return None
    return membership.spanc


def is_records_staff(user: User) -> bool:
    """Staff allowed to read every record and document (back office), once
    past the second factor."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_verified(user)
        and user.has_perm("aquatiris_portal.view_portaldocument")
    )


def can_read_requests(user: User) -> bool:
    """Back-office staff allowed to read the requests (their attachments,
    exports of the listing), past the second factor."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and is_verified(user)
        and user.has_perm("aquatiris_portal.view_portalrequest")
    )


def installations_for_client(user: User) -> QuerySet[Installation]:
    client = client_for(user)
    if client is None:
        return Installation.objects.none()
    return installations_of_client(client)


def installations_of_client(client: Client | int) -> QuerySet[Installation]:
    """What ``installations_for_client`` gives the client's account, from the
    record (or its pk: a query compiled once, pages/dashboard_queries.py)."""
    return Installation.objects.filter(client=client)


def installations_for_spanc(user: User) -> QuerySet[Installation]:
    spanc = spanc_for(user)
    if spanc is None:
        return Installation.objects.none()
    return installations_of_spanc(spanc)


def installations_of_spanc(spanc: Spanc) -> QuerySet[Installation]:
    """What ``installations_for_spanc`` gives the SPANC's account, from the record."""
    return Installation.objects.filter(spanc=spanc)


def client_documents(user: User) -> QuerySet[PortalDocument]:
    """Documents a client may read: live, on their installations, shared with clients."""
    client = client_for(user)
    if client is None:
        return PortalDocument.objects.none()
    return documents_of_client(client)


def documents_of_client(client: Client) -> QuerySet[PortalDocument]:
    """What ``client_documents`` gives the client's account, from the record
    (notification jobs, which run without a logged-in user)."""
    condition = Q(visible_to_client=True)
    if not app_settings.CLIENTS_SEE_SPANC_UPLOADS:
        condition &= ~Q(source=DocumentSource.SPANC_UPLOAD)
    return PortalDocument.objects.live().filter(condition, installation__client=client)


def documents_shared_with_spanc(spanc: Spanc) -> QuerySet[PortalDocument]:
    """Documents the internal system or the portal shared with this SPANC
    (its own uploads left out), for notification jobs; what a SPANC reads
    is ``spanc_documents``."""
    return (
        PortalDocument.objects.live()
        .filter(visible_to_spanc=True, installation__spanc=spanc)
        .exclude(uploaded_by_spanc=spanc)
    )


def spanc_documents(user: User) -> QuerySet[PortalDocument]:
    """Documents a SPANC may read: on its territory, shared with SPANC or uploaded by it."""
    spanc = spanc_for(user)
    if spanc is None:
        return PortalDocument.objects.none()
    return documents_of_spanc(spanc)


def _spanc_may_read(spanc: Spanc) -> Q:
    """Of the documents on a SPANC's territory, those it reads: shared with SPANC, or its own upload."""
    return Q(visible_to_spanc=True) | Q(uploaded_by_spanc=spanc)


def documents_of_spanc(spanc: Spanc) -> QuerySet[PortalDocument]:
    """What ``spanc_documents`` gives the SPANC's account, from the record."""
    return PortalDocument.objects.live().filter(_spanc_may_read(spanc), installation__spanc=spanc)


def documents_of_spanc_installation(spanc: Spanc, installation: Any) -> QuerySet[PortalDocument]:
    """``documents_of_spanc(spanc)`` on one installation TAKEN FROM
    ``installations_of_spanc(spanc)`` (its pk, or an ``OuterRef`` to it in a
    query of those installations): the territory is that installation's, not
    joined again for each document (the folder list's per-folder figures)."""
    return PortalDocument.objects.live().filter(_spanc_may_read(spanc), installation=installation)


def documents_for(user: User) -> QuerySet[PortalDocument]:
    """Every document ``user`` may download, whatever space they come from."""
    if viewed_client(user) is not None:
        return client_documents(user)  # staff viewing as a client: that client's, no more
    if is_records_staff(user):
        return PortalDocument.objects.live()
    queryset = PortalDocument.objects.none()
    if client_for(user) is not None:
        queryset = queryset | client_documents(user)
    if spanc_for(user) is not None:
        queryset = queryset | spanc_documents(user)
    return queryset


def get_document_or_404(user: User, pk: int | str) -> PortalDocument:
    document = documents_for(user).filter(pk=pk).select_related("installation").first()
    if document is None:
        raise Http404
    return document


def get_spanc_installation_or_404(user: User, pk: int | str) -> Installation:
    installation = installations_for_spanc(user).filter(pk=pk).select_related("client", "franchisee").first()
    if installation is None:
        raise Http404
    return installation


ALL_ARTICLE_AUDIENCES = frozenset(Audience)


def article_audiences_for(user: User) -> frozenset[str]:
    """Audiences of news, advice and FAQ (``snippets.audiences.Audience``)
    ``user`` may read: a client "clients" and "both", a SPANC (second factor
    verified, see ``spanc_for``) "pros" and "both", Wagtail admin users all
    of them (editors preview what they write); anyone else nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if viewed_client(user) is not None:
        return frozenset({Audience.CLIENTS, Audience.BOTH})  # as the client reads them
    audiences = set()
    if client_for(user) is not None:
        audiences |= {Audience.CLIENTS, Audience.BOTH}
    if spanc_for(user) is not None:
        audiences |= {Audience.PROS, Audience.BOTH}
    # Portal accounts skip the permission lookup (two queries).
    if user.is_superuser or (not audiences and user.has_perm("wagtailadmin.access_admin")):
        return ALL_ARTICLE_AUDIENCES
    return frozenset(audiences)


def readable_audiences(user: User, audience: str) -> list[str]:
    """Stored audiences of the articles and FAQ entries ``user`` may read
    among those meant for ``audience`` (empty when they may read none)."""
    allowed = article_audiences_for(user)
    return [value for value in audiences_matching(audience) if value in allowed]


def clients_see_spanc_uploads() -> bool:
    """Whether clients read the documents their SPANC uploads (decided at
    read time by documents_of_client; the upload form says it plainly)."""
    return bool(app_settings.CLIENTS_SEE_SPANC_UPLOADS)


# -- visits: a visit shows only where its installation shows; its
# report only to whom the report document itself shows.


def _with_report(visits: VisitQuerySet, documents: QuerySet[PortalDocument]) -> VisitQuerySet:
    """``visit.report``: the report document if ``documents`` holds it, else None (one query for all)."""
    return visits.prefetch_related(Prefetch("report_document", queryset=documents, to_attr="report"))


class _JoinedReportIterable(ModelIterable):
    """Gives each visit its ``report`` from the joined row (``_with_report_joined``)."""

    def __iter__(self) -> Iterator[Any]:
        for visit in super().__iter__():
            visit.report = visit.report_document if visit.report_readable else None
            yield visit


def _with_report_joined(visits: VisitQuerySet, documents: QuerySet[PortalDocument]) -> VisitQuerySet:
    """The same ``visit.report`` in the visits' own query: the report joined,
    kept only when ``documents`` holds it (no second query)."""
    queryset = (
        visits.prefetch_related(None)
        .select_related("report_document")
        .annotate(report_readable=Exists(documents.filter(pk=OuterRef("report_document_id"))))
    )
    queryset._iterable_class = _JoinedReportIterable
    return queryset


def visits_told_to_clients() -> VisitQuerySet:
    """Visits their installation's client may hear of, cancelled ones included
    (a cancellation is news: the reminders send it)."""
    return Visit.objects.filter(visible_to_client=True)


def visits_of_client(client: Client, *, join_reports: bool = False) -> VisitQuerySet:
    """Visits a client sees: on their installations, shared with clients (also for jobs without a request);
    ``join_reports`` as ``client_visits``."""
    visits = visits_told_to_clients().live().filter(installation__client=client)
    if join_reports:
        return _with_report_joined(visits, documents_of_client(client))
    return _with_report(visits, documents_of_client(client))


def client_visits(user: User, *, join_reports: bool = False) -> VisitQuerySet:
    """Visits ``user`` sees as a client; ``join_reports``: their reports read
    in the same query (a screen listing a few visits) rather than a second one."""
    client = client_for(user)
    if client is None:
        return Visit.objects.none()
    return visits_of_client(client, join_reports=join_reports)


def visits_of_spanc(spanc: Spanc) -> VisitQuerySet:
    """What ``spanc_visits`` gives the SPANC's account, from the record
    (a query compiled once: pages/pro_space_folder_queries.py)."""
    return _with_report(
        Visit.objects.live().filter(installation__spanc=spanc, visible_to_spanc=True), documents_of_spanc(spanc)
    )


def spanc_visits(user: User) -> VisitQuerySet:
    """Visits a SPANC sees: on its territory and shared with SPANC; reports
    only among the documents it may read."""
    spanc = spanc_for(user)
    if spanc is None:
        return Visit.objects.none()
    return visits_of_spanc(spanc)
