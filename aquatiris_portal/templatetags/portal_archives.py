"""The state of a person's archive on the page that asks for it:
``{% dossier_state installation as dossier %}`` gives ``dossier.archive``
(or None), ``dossier.text`` (« en préparation », « prêt, valable jusqu'au … »)."""

from django import template

from ..enquiries import archives
from ..enquiries.archive_models import PersonalArchive

register = template.Library()


@register.simple_tag(takes_context=True)
def dossier_state(context, installation):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"archive": None, "text": ""}
    archive = archives.latest(user, PersonalArchive.Kind.DOSSIER, installation)
    link = archives.download_path(archive) if archive is not None and archive.is_ready else ""
    return {"archive": archive, "text": archives.status_text(archive), "link": link}
