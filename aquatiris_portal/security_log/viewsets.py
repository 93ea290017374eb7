"""The security log in the Wagtail admin: a read-only listing with filters,
for superusers and holders of ``aquatiris_portal.view_securityevent`` (no
staff group of the portal has it: editors and customer service never see
it)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..compat import use_permission_policy
from .hashing import email_hash
from .models import SecurityEvent


class SecurityEventPermissionPolicy(ModelPermissionPolicy):
    """Read only, for everyone: events are written by the code alone."""

    def user_has_permission(self, user, action):
        if action not in ("view", "inspect"):
            return False
        return super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class SecurityEventFilterSet(WagtailFilterSet):
    kind = django_filters.CharFilter(label=_("Event"), lookup_expr="exact")
    username = django_filters.CharFilter(label=_("Username"), lookup_expr="icontains")
    ip = django_filters.CharFilter(label=_("IP address"), lookup_expr="exact")
    created_at = django_filters.DateFromToRangeFilter(label=_("When"), widget=DateRangePickerWidget)
    # The email typed at a failed login is stored as its keyed hash only:
    # the admin types the address, the filter hashes it.
    typed_email = django_filters.CharFilter(label=_("Email typed"), method="filter_typed_email")

    class Meta:
        model = SecurityEvent
        fields = ["kind", "username", "ip", "created_at", "typed_email"]

    def filter_typed_email(self, queryset, name, value):
        return queryset.filter(details__email_hash=email_hash(value)) if value.strip() else queryset


class SecurityEventViewSet(ModelViewSet):
    model = SecurityEvent
    icon = "warning"
    menu_label = _("Security log")
    menu_order = 900
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 50
    ordering = ["-created_at", "-pk"]
    filterset_class = SecurityEventFilterSet
    form_fields = ["kind"]  # never used: nobody may add or edit
    list_display = [
        DateColumn("created_at", label=_("When"), sort_key="created_at"),
        Column("kind", label=_("Event"), sort_key="kind"),
        Column("username", label=_("User")),
        Column("ip", label=_("IP address")),
        Column("path", label=_("Path")),
        Column("details", label=_("Details")),
    ]
    inspect_view_fields = ["created_at", "kind", "username", "ip", "path", "details"]


use_permission_policy(SecurityEventViewSet, SecurityEventPermissionPolicy(SecurityEvent))  # Wagtail 7.4 and 8
security_log_viewset = SecurityEventViewSet("aquatiris_portal_security_log")
