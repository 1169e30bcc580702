"""Filters of a loyalty program's tabs (Loyalty cards, Participants, Transactions, ...)."""

import django_filters
from django import forms
from django.db.models import Q

from dashboard.filters import FilterPanelMixin, bootstrap_widgets

from .models import (
    EarningRule,
    LoyaltyCard,
    PendingPoints,
    PointsBucket,
    PointsTransaction,
    PointsType,
    RewardAssignment,
    RewardType,
)


class CardFilter(FilterPanelMixin, django_filters.FilterSet):
    code = django_filters.CharFilter(label="Card code", field_name="voucher__code", max_length=100)
    balance_min = django_filters.NumberFilter(label="Balance at least", field_name="balance", lookup_expr="gte")

    class Meta:
        model = LoyaltyCard
        fields = ["code", "balance_min"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class ParticipantFilter(FilterPanelMixin, django_filters.FilterSet):
    customer = django_filters.CharFilter(label="Customer", method="filter_customer", max_length=200)
    code = django_filters.CharFilter(label="Card code", field_name="voucher__code", max_length=100)

    class Meta:
        model = LoyaltyCard
        fields = ["customer", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
        self.form.fields["customer"].widget.attrs["placeholder"] = "Name, email or source ID"

    def filter_customer(self, queryset, name, value):
        holder = Q(voucher__holder__name__icontains=value) | Q(voucher__holder__email__icontains=value)
        return queryset.filter(holder | Q(voucher__holder__source_id__icontains=value))


class PointsFilter(FilterPanelMixin, django_filters.FilterSet):
    code = django_filters.CharFilter(label="Card code", field_name="card__voucher__code", max_length=100)
    type = django_filters.ChoiceFilter(label="Change", choices=PointsType.choices, empty_label="Any change")

    class Meta:
        model = PointsTransaction
        fields = ["code", "type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class EarningRuleFilter(FilterPanelMixin, django_filters.FilterSet):
    banner = django_filters.CharFilter(label="Rule name", lookup_expr="icontains", max_length=200)
    active = django_filters.BooleanFilter(
        label="Status", widget=forms.Select(choices=[("", "Any status"), ("true", "On"), ("false", "Off")])
    )

    class Meta:
        model = EarningRule
        fields = ["banner", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class PendingPointsFilter(FilterPanelMixin, django_filters.FilterSet):
    code = django_filters.CharFilter(label="Card code", field_name="card__voucher__code", max_length=100)
    due_by = django_filters.DateFilter(label="Usable by", field_name="activates_at", lookup_expr="lte")

    class Meta:
        model = PendingPoints
        fields = ["code", "due_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class RewardAssignmentFilter(FilterPanelMixin, django_filters.FilterSet):
    name = django_filters.CharFilter(label="Reward name", field_name="reward__name", lookup_expr="icontains",
                                     max_length=200)  # fmt: skip
    type = django_filters.ChoiceFilter(label="Kind", field_name="reward__type", choices=RewardType.choices,
                                       empty_label="Any kind")  # fmt: skip

    class Meta:
        model = RewardAssignment
        fields = ["name", "type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class BucketFilter(FilterPanelMixin, django_filters.FilterSet):
    code = django_filters.CharFilter(label="Card code", field_name="card__voucher__code", max_length=100)
    expires_by = django_filters.DateFilter(label="Expiring by", field_name="expires_at", lookup_expr="lte")

    class Meta:
        model = PointsBucket
        fields = ["code", "expires_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
