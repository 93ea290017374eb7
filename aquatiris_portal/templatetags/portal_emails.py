"""Email addresses as people read them (records.emails.display_email).

    {% load portal_emails %}
    {{ client.email|display_email }}   -> anne@exämple.fr (stored anne@xn--exmple-cua.fr)

Only for the text shown: a ``mailto:`` link keeps the stored ASCII form.
"""

from django import template

from ..records.emails import display_email as _display_email

register = template.Library()


@register.filter
def display_email(value):
    return _display_email(value)
