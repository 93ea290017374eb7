"""What the client's dashboard says is going on: open requests and their
status, each installation's warranty end and maintenance-contract request.
One query whatever the number of installations and requests."""

from ..enquiries.models import PortalRequest
from ..enquiries.warranty import warranty_end
from ..records.models import Installation, Stage
from . import dashboard_queries

OPEN_REQUESTS_SHOWN = 5
IN_SERVICE = (Stage.COMMISSIONED, Stage.MAINTENANCE)


def dashboard_status(client, installations, portal_settings):
    """Annotate ``installations`` (warranty_end, in_service, contract_request)
    and return the open requests to list (newest first) and how many there are."""
    # One query: the open requests and the maintenance-contract requests
    # (open or not), newest first; bounded, the dashboard shows a few.
    rows = dashboard_queries.requests(client) if client else []
    open_requests = [row for row in rows if row.status != PortalRequest.Status.CLOSED]
    # Each open request's installation from those the screen has read (no
    # join); one more query only for one no longer the client's (sold).
    by_pk = {installation.pk: installation for installation in installations}
    missing = {row.installation_id for row in open_requests[:OPEN_REQUESTS_SHOWN]} - set(by_pk) - {None}
    if missing:
        by_pk.update(Installation.objects.in_bulk(missing))
    for row in open_requests[:OPEN_REQUESTS_SHOWN]:
        if row.installation_id is not None:
            row.installation = by_pk[row.installation_id]
    contracts = {}
    for row in rows:
        if row.kind == PortalRequest.Kind.MAINTENANCE_CONTRACT:
            contracts.setdefault(row.installation_id, row)  # the latest per installation
    for installation in installations:
        extension = getattr(installation, "warranty_extension", None)
        installation.warranty_ends_on = (
            warranty_end(installation, portal_settings, extension.created_at) if extension is not None else None
        )
        installation.in_service = installation.stage in IN_SERVICE
        installation.contract_request = contracts.get(installation.pk)
    return {
        "open_requests": open_requests[:OPEN_REQUESTS_SHOWN],
        "more_open_requests": len(open_requests) > OPEN_REQUESTS_SHOWN,
    }
