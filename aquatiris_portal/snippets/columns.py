"""Admin listing columns. Wagtail's BooleanColumn is an icon titled "True"
or "False", which screen readers read in English: this one writes
"Oui"/"Non" (the icon beside it is decorative)."""

from wagtail.admin.ui.tables import Column


class YesNoColumn(Column):
    cell_template_name = "aquatiris_portal/admin/yes_no_cell.html"
