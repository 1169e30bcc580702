"""Filter panels of the Customers section (django-filter): every filter lives in the query string."""

from datetime import timedelta

import django_filters
from django import forms

from auditlog.models import Event
from auditlog.sentences import kind
from campaigns.models import Campaign, Customer, Segment
from campaigns.queries import customers_named_by, segment_members
from dashboard.filters import FilterPanelMixin, LabelledErrorsMixin, day_start

from .queries import EVENT_TYPES

_text = {"class": "form-control form-control-sm"}
_select = {"class": "form-select form-select-sm"}
_date = {"class": "form-control form-control-sm", "type": "date"}


class _DateRangeMixin:
    """``<prefix>_from`` and ``<prefix>_to``: whole days in the viewer's time zone, both included."""

    date_field = "created_at"

    def filter_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": day_start(value)})

    def filter_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": day_start(value + timedelta(days=1))})


class CustomerFilter(_DateRangeMixin, FilterPanelMixin, LabelledErrorsMixin, django_filters.FilterSet):
    panel_groups = [
        ("customer", "Customer", ["customer"]),
        ("date", "Created", ["created_from", "created_to"]),
        ("segment", "Segment", ["segment"]),
    ]
    default_groups = ("customer", "date")
    error_labels = {"created_from": "Created from", "created_to": "Created to"}

    # Exact matches on unique or indexed columns: a search by substring would read every customer.
    customer = django_filters.CharFilter(
        label="Customer",
        method="filter_customer",
        max_length=254,
        widget=forms.TextInput(attrs={**_text, "placeholder": "Id, source id or email"}),
    )
    created_from = django_filters.DateFilter(label="From", method="filter_from", widget=forms.DateInput(attrs=_date))
    created_to = django_filters.DateFilter(label="To", method="filter_to", widget=forms.DateInput(attrs=_date))
    segment = django_filters.ModelChoiceFilter(
        label="Segment",
        queryset=Segment.objects.order_by("name"),
        method="filter_segment",
        empty_label="Any segment",
        widget=forms.Select(attrs=_select),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_customer(self, queryset, name, value):
        return queryset.filter(pk__in=customers_named_by(value.strip()).values("pk"))

    def filter_segment(self, queryset, name, segment):
        return segment_members(queryset, segment)


class ActivityFilter(_DateRangeMixin, FilterPanelMixin, LabelledErrorsMixin, django_filters.FilterSet):
    """A customer's Activity tab: one campaign or all, an occurrence date range, one kind of event."""

    panel_groups = [
        ("campaign", "Campaign", ["campaign"]),
        ("date", "Occurred", ["occurred_from", "occurred_to"]),
        ("type", "Event", ["type"]),
    ]
    default_groups = ("campaign", "date")
    error_labels = {"occurred_from": "Occurred from", "occurred_to": "Occurred to"}
    date_field = "occurred_at"

    campaign = django_filters.ModelChoiceFilter(
        label="Campaign",
        queryset=Campaign.objects.only("id", "name").order_by("name"),
        method="filter_campaign",
        empty_label="All campaigns",
        widget=forms.Select(attrs=_select),
    )
    occurred_from = django_filters.DateFilter(label="From", method="filter_from", widget=forms.DateInput(attrs=_date))
    occurred_to = django_filters.DateFilter(label="To", method="filter_to", widget=forms.DateInput(attrs=_date))
    type = django_filters.ChoiceFilter(
        label="Event",
        choices=sorted(((t, kind(t)) for t in EVENT_TYPES), key=lambda choice: choice[1]),
        empty_label="Any event",
        widget=forms.Select(attrs=_select),
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_campaign(self, queryset, name, campaign):
        return queryset.filter(campaign_id=campaign.pk)
