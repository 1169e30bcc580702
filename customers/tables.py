"""Tables of the Customers section (django-tables2, Bootstrap 5 template). A customer's activity is the
campaigns' Activity table (insights.tables.EventTable) with the campaign each event concerns."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from campaigns.models import Campaign, Customer
from dashboard.components import copy_id
from dashboard.formatting import EMPTY, when
from insights.tables import KEYSET_TEMPLATE, TABLE_ATTRS, EventTable


class CustomerTable(tables.Table):
    name = tables.Column(verbose_name="Customer", order_by=("name", "id"), empty_values=())
    email = tables.Column(verbose_name="Email", orderable=False)
    source_id = tables.Column(verbose_name="Source id", orderable=False)
    id = tables.Column(verbose_name="Id", orderable=False)
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "id"))

    class Meta:
        model = Customer
        fields = ("name", "email", "source_id", "id", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "customers-table-el"}
        row_attrs = {"data-customer": lambda record: record.pk}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        url = reverse("customers:detail", args=[record.pk])
        return format_html('<a href="{}" class="fw-semibold">{}</a>', url, record.name or "(no name)")

    def render_id(self, value):
        return copy_id(value, noun="customer id")

    def render_source_id(self, value):
        return format_html("<code>{}</code>", value) if value else EMPTY

    def render_created_at(self, value):
        return when(value)


class CustomerEventTable(EventTable):
    """One customer's events across campaigns: the campaign's name (a link to it) beside each."""

    campaign = tables.Column(verbose_name="Campaign", accessor="campaign_id", orderable=False)

    class Meta(EventTable.Meta):
        fields = ("occurred_at", "type", "campaign", "channel", "resource_id", "data")
        sequence = ("occurred_at", "type", "campaign", "channel", "resource_id", "data")
        attrs = {**TABLE_ATTRS, "id": "customer-events-table-el"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._campaigns: dict[str, str] | None = None

    def campaign_names(self) -> dict[str, str]:
        """The names of the campaigns this page's events concern, read once for the page."""
        if self._campaigns is None:
            ids = {record.campaign_id for record in self.page_records() if record.campaign_id}
            self._campaigns = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
        return self._campaigns

    def render_campaign(self, value):
        name = self.campaign_names().get(value)
        if not name:
            return value or EMPTY  # a deleted campaign keeps its id in the event
        url = reverse("campaigns:detail", kwargs={"campaign_id": value})
        return format_html('<a href="{}">{}</a>', url, name) if self.user.has_perm("campaigns.view_campaign") else name
