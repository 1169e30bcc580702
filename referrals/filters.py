"""The filters of a referral program's Referrers and Referees tabs."""

import django_filters
from django.db.models import Q

from dashboard.filters import FilterPanelMixin, bootstrap_widgets

from .models import ConversionSource, Referral, ReferralReward, Referrer, RewardRole


def _customer(prefix: str, value: str) -> Q:
    return (
        Q(**{f"{prefix}__name__icontains": value})
        | Q(**{f"{prefix}__email__icontains": value})
        | Q(**{f"{prefix}__source_id__icontains": value})
    )


class ReferrerFilter(FilterPanelMixin, django_filters.FilterSet):
    customer = django_filters.CharFilter(label="Referrer", method="filter_customer", max_length=200)
    min_referrals = django_filters.NumberFilter(
        label="At least", field_name="referrals", lookup_expr="gte", min_value=0
    )

    class Meta:
        model = Referrer
        fields = ["customer", "min_referrals"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
        self.form.fields["customer"].widget.attrs["placeholder"] = "Name, email or source ID"

    def filter_customer(self, queryset, name, value):
        return queryset.filter(_customer("customer", value))


class RefereeFilter(FilterPanelMixin, django_filters.FilterSet):
    referee = django_filters.CharFilter(label="Referee", method="filter_referee", max_length=200)
    referrer = django_filters.CharFilter(label="Referrer", method="filter_referrer", max_length=200)
    code = django_filters.CharFilter(label="Referral code", field_name="voucher__code", max_length=100)
    source = django_filters.ChoiceFilter(label="Converted by", choices=ConversionSource.choices, empty_label="Any")

    class Meta:
        model = Referral
        fields = ["referee", "referrer", "code", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)

    def filter_referee(self, queryset, name, value):
        return queryset.filter(_customer("referee", value))

    def filter_referrer(self, queryset, name, value):
        return queryset.filter(_customer("referrer", value))


class ReferralRewardFilter(FilterPanelMixin, django_filters.FilterSet):
    role = django_filters.ChoiceFilter(label="Granted to", choices=RewardRole.choices, empty_label="Anyone")

    class Meta:
        model = ReferralReward
        fields = ["role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
