"""The client's dashboard (« Mes installations »): what the screen reads
and how it is put together. Its installation cards and emergency numbers
are written in Python (dashboard_cards.py) and its links found once per
request: the template only places them."""

from ..enquiries import proofs
from ..snippets.audiences import Audience
from ..snippets.stages import progress_for, stage_texts
from . import client_visits, dashboard_queries
from .dashboard_cards import Links, emergency_html, installation_cards
from .dashboard_status import dashboard_status
from .news import latest_articles_html

SPACE_LINKS = ("contact", "requests", "maintenance", "maintenance_contract")
NEWS_SHOWN = 3


def serve(page, request):
    context = page.space_context(request, nav="dashboard")
    client = context["client"]
    # Instead of space_context's list (lazy, never read here): the same
    # installations with their badges, from a query compiled once.
    installations = dashboard_queries.installations(client, page._since(context["account"])) if client else []
    context["installations"] = installations
    links = Links(page, request)
    # The SPANC's requests to answer: read only when an installation has one.
    if any(installation.has_open_proof for installation in installations):
        context["proof_tasks"] = list(proofs.open_for_client(request.user))
        for task in context["proof_tasks"]:
            task.url = links.route("proof_answer", task.pk)
    texts = stage_texts()
    for installation in installations:
        installation.stage_name = next(s["name"] for s in progress_for(installation.stage, texts) if s["current"])

    context.update(dashboard_status(client, installations, context["portal_settings"]))
    for item in context["open_requests"]:
        item.url = links.request_detail(item.reference)
    upcoming = client_visits.next_visits(request.user, installations) if client else {}
    for installation in installations:
        installation.next_visit = upcoming.get(installation.pk)
    if upcoming:
        context["visit_reminders"] = client_visits.reminder_notice(request.user, next(iter(upcoming.values())))
    context.update(
        installation_cards=installation_cards(links, installations, context.get("visit_reminders")),
        emergency=emergency_html(page, installations),
        space_links={name: links.route(name) for name in SPACE_LINKS},
        news=latest_articles_html(request, Audience.CLIENTS, NEWS_SHOWN),
    )
    return page.render_screen(request, "dashboard", context)
