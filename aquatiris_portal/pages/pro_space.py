from django.utils.translation import gettext_lazy as _
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page


class ProSpacePage(RoutablePageMixin, Page):
    """The pro space (espace pro) for SPANC. Routes are filled in by issue #6."""

    template = "aquatiris_portal/pro_space/folder_list.html"
    max_count_per_parent = 1
    subpage_types = []

    class Meta:
        verbose_name = _("pro space")
