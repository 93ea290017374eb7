"""The dashboard's proof tasks: ``{% proof_tasks as tasks %}`` (enquiries/proofs.py, through access)."""

from django import template

from ..enquiries import proofs

register = template.Library()


@register.simple_tag(takes_context=True)
def proof_tasks(context):
    request = context.get("request")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return []
    return list(proofs.open_for_client(request.user))
