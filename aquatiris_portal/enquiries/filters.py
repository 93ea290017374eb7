"""Filters of the requests listing in the Wagtail admin (and of its export)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from ..records.models import Franchisee
from ..snippets.models import RequestSubject
from .admin_threads import waiting_condition
from .models import PortalRequest


class PortalRequestFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=PortalRequest.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=PortalRequest.Status.choices)
    subject = django_filters.ModelChoiceFilter(label=_("subject"), queryset=RequestSubject.objects.all())
    franchisee = django_filters.ModelChoiceFilter(
        label=_("franchisee"), queryset=Franchisee.objects.order_by("company")
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("sent between"), widget=DateRangePickerWidget)
    waiting = django_filters.BooleanFilter(
        label=_("waiting for an answer"), method="filter_waiting", widget=django_filters.widgets.BooleanWidget()
    )

    def filter_waiting(self, queryset, name, value):
        """The client spoke last, more than ANSWER_DUE_HOURS ago, and the request is open."""
        if value is None:
            return queryset
        return queryset.filter(waiting_condition()) if value else queryset.exclude(waiting_condition())

    class Meta:
        model = PortalRequest
        fields = ["kind", "status", "subject", "franchisee", "created_at", "waiting"]
