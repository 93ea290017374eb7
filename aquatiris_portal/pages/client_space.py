from django.utils.translation import gettext_lazy as _
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page


class ClientSpacePage(RoutablePageMixin, Page):
    """The client space (espace client). Routes are filled in by issue #5."""

    template = "aquatiris_portal/client_space/dashboard.html"
    max_count_per_parent = 1
    subpage_types = []

    class Meta:
        verbose_name = _("client space")
