"""What the client's dashboard says is going on: open requests and their
status, each installation's warranty end and maintenance-contract request.
One query whatever the number of installations and requests."""

from django.db.models import Q

from ..enquiries.models import PortalRequest
from ..enquiries.visibility import client_requests
from ..enquiries.warranty import warranty_end
from ..records.models import Stage

OPEN_REQUESTS_SHOWN = 5
ROWS_READ = 100
IN_SERVICE = (Stage.COMMISSIONED, Stage.MAINTENANCE)


def dashboard_status(user, installations, portal_settings):
    """Annotate ``installations`` (warranty_end, in_service, contract_request)
    and return the open requests to list (newest first) and how many there are."""
    # One query: the open requests and the maintenance-contract requests
    # (open or not), newest first; bounded, the dashboard shows a few.
    rows = list(
        client_requests(user)
        .filter(~Q(status=PortalRequest.Status.CLOSED) | Q(kind=PortalRequest.Kind.MAINTENANCE_CONTRACT))
        .select_related("installation")
        .order_by("-created_at", "-pk")[:ROWS_READ]
    )
    open_requests = [row for row in rows if row.status != PortalRequest.Status.CLOSED]
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
