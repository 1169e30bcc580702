"""Filter panels of the Campaigns section (django-filter): every filter lives in the query string."""

import django_filters

from auditlog.models import Event
from auditlog.sentences import EVENT_CHOICES
from campaigns.filters import TransactionFilter
from campaigns.models import Campaign, CampaignType, Publication, Voucher
from campaigns.queries import CampaignStatus, customers_named_by
from dashboard.filters import FilterPanelMixin, bootstrap_widgets
from stacking.models import Category
from voucherhub.privacy import can_see_customers

__all__ = ["CampaignFilter", "EventFilter", "PublicationFilter", "TransactionFilter", "VoucherFilter"]


class _StyledFilter(FilterPanelMixin, django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)


class CampaignFilter(_StyledFilter):
    type = django_filters.ChoiceFilter(
        label="Type", field_name="campaign_type", choices=CampaignType.choices, empty_label="Any type"
    )
    # ``status`` is the annotation of campaigns.queries.status_expression: the list shows what it filters.
    status = django_filters.ChoiceFilter(label="Status", choices=CampaignStatus.choices, empty_label="Any status")
    category = django_filters.ModelChoiceFilter(
        label="Category", queryset=Category.objects.order_by("hierarchy", "name"), empty_label="Any category"
    )

    class Meta:
        model = Campaign
        fields = ["type", "status", "category"]


class VoucherFilter(_StyledFilter):
    code = django_filters.CharFilter(label="Code", max_length=100)
    active = django_filters.ChoiceFilter(
        label="State", choices=[("true", "Active"), ("false", "Disabled")], empty_label="Any", method="filter_active"
    )

    class Meta:
        model = Voucher
        fields = ["code", "active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "true")


class EventFilter(_StyledFilter):
    type = django_filters.ChoiceFilter(label="Event", choices=EVENT_CHOICES, empty_label="Any event")

    class Meta:
        model = Event
        fields = ["type"]


class PublicationFilter(_StyledFilter):
    """A campaign's publications: by result, and for those who may see customers, by customer."""

    result = django_filters.ChoiceFilter(label="Result", choices=Publication.Result.choices, empty_label="Any result")
    customer = django_filters.CharFilter(label="Customer", method="filter_customer", max_length=254)

    class Meta:
        model = Publication
        fields = ["result", "customer"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["customer"].widget.attrs["placeholder"] = "Id, source id or email"
        if not can_see_customers(user):
            del self.filters["customer"]
            self.form.fields.pop("customer", None)

    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer__in=customers_named_by(value.strip()).values("pk"))
