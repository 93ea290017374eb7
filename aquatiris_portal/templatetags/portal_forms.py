"""The error summary at the top of a form that came back with errors:
``{% error_summary form %}`` (template ``_error_summary.html``). On a phone
the first wrong field is often screens below the top where the page
reloads: the summary says how many errors there are and links to each
field, and a small script (``error_summary.js``) moves the focus onto it."""

from django import template

register = template.Library()


def field_anchor(bound_field):
    """The id the summary links to: the input itself, or a choice list's
    first choice (a fieldset has no id of its own)."""
    return bound_field.id_for_label or (f"{bound_field.auto_id}_0" if bound_field.auto_id else "")


def summary_items(form):
    """[(anchor or "", label or "", message)]: the form's own errors first,
    then each field's in the order of the form. A hidden field's error has
    nothing to link to: it is shown as the form's own."""
    items = [("", "", str(error)) for error in form.non_field_errors()]
    for bound_field in form:
        for error in bound_field.errors:
            if bound_field.is_hidden:
                items.append(("", "", str(error)))
            else:
                items.append((field_anchor(bound_field), str(bound_field.label), str(error)))
    return items


@register.inclusion_tag("aquatiris_portal/_error_summary.html")
def error_summary(form, intro=""):
    items = summary_items(form) if getattr(form, "is_bound", False) else []
    if items:
        # The summary takes the autofocus: a field's own would be a second
        # one on the page (invalid HTML, and browsers keep only the first).
        for field in form.fields.values():
            field.widget.attrs.pop("autofocus", None)
    return {"items": items, "count": len(items), "intro": intro}
