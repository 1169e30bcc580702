"""The tables of a referral program's Referrers and Referees tabs (customers' names: both tabs need the
permission to see customers)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS
from dashboard.formatting import when

from .models import Referral, Referrer

_RIGHT = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}


def customer_link(customer) -> str:
    url = reverse("customers:detail", args=[customer.pk])
    return format_html('<a href="{}">{}</a>', url, customer.name or customer.source_id or customer.pk)


class ReferrerTable(tables.Table):
    customer = tables.Column(verbose_name="Referrer", orderable=False)
    source_id = tables.Column(verbose_name="Source ID", accessor="customer__source_id", orderable=False)
    referrals = tables.Column(verbose_name="Referees", attrs=_RIGHT, order_by=("referrals", "id"))
    created_at = tables.Column(verbose_name="First referral", order_by=("created_at", "id"))
    updated_at = tables.Column(verbose_name="Latest referral", orderable=False)

    class Meta:
        model = Referrer
        fields = ("customer", "source_id", "referrals", "created_at", "updated_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "referrers-table-el"}
        order_by = ("-referrals",)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_customer(self, value):
        return customer_link(value)

    def render_created_at(self, value):
        return when(value)

    def render_updated_at(self, value):
        return when(value)


class RefereeTable(tables.Table):
    created_at = tables.Column(verbose_name="Referred", order_by=("created_at", "id"))
    referee = tables.Column(verbose_name="Referee", orderable=False)
    referrer = tables.Column(verbose_name="Referrer", orderable=False)
    code = tables.Column(verbose_name="Referral code", accessor="voucher__code", orderable=False)
    source = tables.Column(verbose_name="Converted by", orderable=False)
    related_object_id = tables.Column(verbose_name="Redemption", orderable=False)

    class Meta:
        model = Referral
        fields = ("created_at", "referee", "referrer", "code", "source", "related_object_id")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "referees-table-el"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_created_at(self, value):
        return when(value)

    def render_referee(self, value):
        return customer_link(value)

    def render_referrer(self, value):
        return customer_link(value)

    def render_code(self, value):
        return format_html("<code>{}</code>", value)

    def render_source(self, record):
        return record.get_source_display()

    def render_related_object_id(self, value):
        url = reverse("redemptions:detail", args=[value])
        return format_html('<a href="{}"><code>{}</code></a>', url, value)
