"""What the franchisee's reply page shows of the installation a request is
about: its own address (not the client's postal address), its last requests,
its last and next visits, its warranty and maintenance contract. The same
rules as the client's dashboard (``warranty.warranty_end``,
``Installation.has_active_contract``); a fixed number of queries."""

from django.utils import timezone

from ..records.visits import Visit
from .models import PortalRequest, WarrantyExtension
from .warranty import warranty_end

RECENT_REQUESTS = 5


def installation_summary(installation, portal_settings, today=None):
    """A dict for the template, or None without an installation."""
    if installation is None:
        return None
    today = today or timezone.localdate()
    requests = list(
        PortalRequest.objects.filter(installation=installation)
        .select_related(None)
        .only("reference", "subject_label", "kind", "status", "created_at")
        .order_by("-created_at", "-pk")[:RECENT_REQUESTS]
    )
    visits = Visit.objects.live().filter(installation=installation)
    last_visit = visits.done().order_by("-done_on", "-pk").first()
    next_visit = visits.planned().filter(planned_for__gte=today).order_by("planned_for", "pk").first()
    extension = WarrantyExtension.objects.filter(installation=installation).only("created_at").first()
    contract_request = (
        PortalRequest.objects.filter(installation=installation, kind=PortalRequest.Kind.MAINTENANCE_CONTRACT)
        .only("status", "created_at")
        .order_by("-created_at", "-pk")
        .first()
    )
    return {
        "installation": installation,
        "recent_requests": requests,
        "last_visit": last_visit,
        "next_visit": next_visit,
        "warranty_ends_on": warranty_end(installation, portal_settings, extension.created_at) if extension else None,
        "contract_active": installation.has_active_contract,
        "contract_until": installation.maintenance_contract_until,
        "contract_request": contract_request,
    }
