"""The Redemptions tab's filter panel: every filter lives in the query string."""

import json
import math
from datetime import timedelta

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import connections
from django.db.models import Q

from campaigns.models import Campaign, Order
from campaigns.queries import customers_named_by
from dashboard.filters import FilterPanelMixin, LabelledErrorsMixin, bootstrap_widgets, day_start
from dashboard.labels import channel_from_label
from stacking.checks import FailureCode

from .models import Redemption, RedemptionResult, RedemptionStatus

_text = {"class": "form-control form-control-sm"}
_select = {"class": "form-select form-select-sm"}
_date = {"class": "form-control form-control-sm", "type": "date"}


# The panel's filters in the order "Add filter" offers them; the default ones are always shown.
FILTER_GROUPS = [
    ("status", "Status", ["status"]),
    ("voucher_code", "Voucher code", ["voucher_code"]),
    ("customer", "Customer", ["customer"]),
    ("date", "Date range", ["created_from", "created_to"]),
    ("campaign", "Campaign", ["campaign"]),
    ("result", "Result", ["result"]),
    ("failure_code", "Failure code", ["failure_code"]),
    ("channel", "Channel", ["channel"]),
    ("order", "Order id", ["order"]),
    ("metadata", "Metadata", ["metadata_key", "metadata_value"]),
]
DEFAULT_GROUPS = ("status", "voucher_code", "customer", "date")


class RedemptionFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("metadata_value") and not cleaned.get("metadata_key") and "metadata_key" not in self.errors:
            # A value alone would be ignored: say so rather than show every row as if it filtered.
            value = cleaned["metadata_value"]
            self.add_error(
                "metadata_key", f"A metadata value needs its key: enter the key whose value is \u201c{value}\u201d."
            )
        return cleaned


class RedemptionFilter(FilterPanelMixin, LabelledErrorsMixin, django_filters.FilterSet):
    panel_groups = FILTER_GROUPS
    default_groups = DEFAULT_GROUPS
    # An error names the field as the panel shows it: the date range's fields read "From" and "To" under
    # the group's "Date range".
    error_labels = {"created_from": "Date range from", "created_to": "Date range to"}

    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.only("id", "name").order_by("name"),
        empty_label="Any campaign",
        widget=forms.Select(attrs=_select),
    )
    voucher_code = django_filters.CharFilter(
        label="Voucher code", widget=forms.TextInput(attrs={**_text, "placeholder": "Exact code"})
    )
    customer = django_filters.CharFilter(
        label="Customer",
        method="filter_customer",
        widget=forms.TextInput(attrs={**_text, "placeholder": "Id, source id or email"}),
    )
    created_from = django_filters.DateFilter(
        label="From", method="filter_created_from", widget=forms.DateInput(attrs=_date)
    )
    created_to = django_filters.DateFilter(label="To", method="filter_created_to", widget=forms.DateInput(attrs=_date))
    result = django_filters.ChoiceFilter(
        choices=RedemptionResult.choices, empty_label="Any result", widget=forms.Select(attrs=_select)
    )
    status = django_filters.ChoiceFilter(
        choices=RedemptionStatus.choices, empty_label="Any status", widget=forms.Select(attrs=_select)
    )
    failure_code = django_filters.ChoiceFilter(
        label="Failure code",
        choices=FailureCode.choices(),
        empty_label="Any failure",
        widget=forms.Select(attrs=_select),
    )
    channel = django_filters.CharFilter(
        label="Channel",
        method="filter_channel",
        widget=forms.TextInput(attrs={**_text, "placeholder": "API, Dashboard user, or a key's or user's name"}),
    )
    order = django_filters.CharFilter(
        label="Order id",
        method="filter_order",
        widget=forms.TextInput(attrs={**_text, "placeholder": "ord_… or source id"}),
    )
    metadata_key = django_filters.CharFilter(
        label="Metadata key",
        method="filter_metadata",
        validators=[RegexValidator(r"^[A-Za-z0-9_\-]+$", "Use letters, digits, _ and - only.")],
        widget=forms.TextInput(attrs={**_text, "placeholder": "e.g. source"}),
    )
    metadata_value = django_filters.CharFilter(
        label="Metadata value",
        method="filter_noop",
        widget=forms.TextInput(attrs={**_text, "placeholder": "Any value"}),
    )

    class Meta:
        model = Redemption
        fields: list[str] = []
        form = RedemptionFilterForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.has_perm("redemptions.view_customer"):
            # Customer data is for Admins only: no field, and the parameter is ignored.
            del self.filters["customer"]
            self.form.fields.pop("customer", None)

    # Customer and order are found first (each by an exact match on a unique or indexed column), then
    # their redemptions: ``customer_id IN (SELECT ...)`` is a range scan of (customer, created_at), where
    # an OR across the join would scan the whole table at millions of rows.
    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer__in=customers_named_by(value).values("pk"))

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_start(value + timedelta(days=1)))

    def filter_channel(self, queryset, name, value):
        # "API" or "Dashboard user" (as the lists show it; the stored code too) is a kind, anything else a name.
        if channel_type := channel_from_label(value):
            return queryset.filter(channel_type=channel_type)
        return queryset.filter(channel_id=value)

    def filter_order(self, queryset, name, value):
        orders = Order.objects.filter(Q(pk=value) | Q(source_id=value))
        return queryset.filter(order__in=orders.values("pk"))

    def filter_metadata(self, queryset, name, value):
        wanted = self.form.cleaned_data.get("metadata_value")
        if not wanted:
            return queryset.filter(metadata__has_key=value)
        # Containment (metadata @> '{"key": "value"}') is what the GIN index (jsonb_path_ops) answers;
        # a value that reads as a number or true/false also matches it stored as such.
        # SQLite has no containment: there the key's value is compared.
        contains = connections[queryset.db].features.supports_json_field_contains
        try:  # NaN, Infinity and 1e999 read as no number: JSON cannot hold them
            typed = json.loads(wanted, parse_constant=lambda constant: None)
        except ValueError:
            typed = None
        number = isinstance(typed, bool | int) or (isinstance(typed, float) and math.isfinite(typed))
        condition = Q()
        for candidate in [wanted, typed] if number else [wanted]:
            by_key = Q(**{f"metadata__{value}": candidate})
            condition |= Q(metadata__contains={value: candidate}) if contains else by_key
        return queryset.filter(condition)

    def filter_noop(self, queryset, name, value):
        return queryset  # read together with the key in filter_metadata

    @property
    def qs(self):
        # A filter that does not parse shows its error and no rows, never every row as if unfiltered.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs


class RewardRedemptionFilter(FilterPanelMixin, django_filters.FilterSet):
    code = django_filters.CharFilter(label="Card code", field_name="voucher_code", max_length=100)
    status = django_filters.ChoiceFilter(label="Status", choices=RedemptionStatus.choices, empty_label="Any status")

    class Meta:
        model = Redemption
        fields = ["code", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
