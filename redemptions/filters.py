"""The Redemptions tab's filter panel: every filter lives in the query string (SPEC section 5)."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign
from voucherhub.models import ChannelType

from .models import FailureCode, Redemption, RedemptionResult, RedemptionStatus

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25

_text = {"class": "form-control form-control-sm"}
_select = {"class": "form-select form-select-sm"}
_date = {"class": "form-control form-control-sm", "type": "date"}


def _day_start(day) -> datetime:
    """Midnight of ``day`` in the viewer's time zone, so a date range reads as the viewer sees dates."""
    return timezone.make_aware(datetime.combine(day, time.min))


class RedemptionFilter(django_filters.FilterSet):
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
        label="Failure code", choices=FailureCode.choices, empty_label="Any failure", widget=forms.Select(attrs=_select)
    )
    channel = django_filters.CharFilter(
        label="Channel",
        method="filter_channel",
        widget=forms.TextInput(attrs={**_text, "placeholder": "API, USER, key or user name"}),
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.has_perm("redemptions.view_customer"):
            # Customer data is for Admins only (SPEC section 1): no field, and the parameter is ignored.
            del self.filters["customer"]
            self.form.fields.pop("customer", None)

    def filter_customer(self, queryset, name, value):
        return queryset.filter(Q(customer_id=value) | Q(customer__source_id=value) | Q(customer__email__iexact=value))

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))

    def filter_channel(self, queryset, name, value):
        if value.upper() in ChannelType.values:
            return queryset.filter(channel_type=value.upper())
        return queryset.filter(channel_id=value)

    def filter_order(self, queryset, name, value):
        return queryset.filter(Q(order_id=value) | Q(order__source_id=value))

    def filter_metadata(self, queryset, name, value):
        wanted = self.form.cleaned_data.get("metadata_value")
        if wanted:
            return queryset.filter(**{f"metadata__{value}": wanted})
        return queryset.filter(metadata__has_key=value)

    def filter_noop(self, queryset, name, value):
        return queryset  # read together with the key in filter_metadata

    @property
    def qs(self):
        # A filter that does not parse shows its error and no rows, never every row as if unfiltered.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs


class PageSizeForm(forms.Form):
    per_page = forms.TypedChoiceField(
        label="Rows per page",
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        widget=forms.Select(attrs=_select),
    )

    def page_size(self) -> int:
        if self.is_valid() and self.cleaned_data.get("per_page"):
            return self.cleaned_data["per_page"]
        return DEFAULT_PAGE_SIZE
