"""The Redemptions tab's table (django-tables2, Bootstrap 5 template)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from voucherhub.templatetags.voucherhub_tags import EMPTY, money, when

from .models import Redemption


def status_badge(status: str) -> str:
    return render_to_string("redemptions/partials/status_badge.html", {"status": status})


class RedemptionTable(tables.Table):
    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    # A detail is a page of its own: its link is not boosted into the table's swap target.
    id = tables.Column(
        verbose_name="Id",
        linkify=lambda record: reverse("redemptions:detail", args=[record.pk]),
        attrs={"a": {"hx-boost": "false"}},
    )
    status = tables.Column(verbose_name="Status")
    voucher_code = tables.Column(verbose_name="Voucher", empty_values=("",))
    campaign = tables.Column(verbose_name="Campaign", accessor="campaign__name", orderable=False)
    customer = tables.Column(verbose_name="Customer", orderable=False, empty_values=(None,))
    amount = tables.Column(verbose_name="Amount", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    failure = tables.Column(verbose_name="Failure", accessor="failure_code", empty_values=("",), orderable=False)
    channel = tables.Column(verbose_name="Channel", accessor="channel_type", order_by=("channel_type", "channel_id"))

    class Meta:
        model = Redemption
        fields = ("created_at", "id", "status", "voucher_code", "campaign", "customer", "amount", "failure", "channel")
        order_by = ("-created_at",)
        attrs = {"class": "table table-hover align-middle mb-0 vh-table"}
        row_attrs = {"id": lambda record: f"row-{record.pk}"}
        empty_text = " "  # the page shows its own empty state, which says what to change

    def render_created_at(self, value):
        return when(value)

    def render_status(self, value):
        return status_badge(value)

    def render_customer(self, value):
        if value is None:
            return EMPTY
        return format_html('{}<div class="small text-secondary">{}</div>', value.name or value.source_id, value.email)

    def render_amount(self, value):
        return money(value)

    def render_failure(self, value, record):
        return format_html(
            '<code>{}</code><div class="small text-secondary">{}</div>', record.failure_code, record.failure_message
        )

    def render_channel(self, value, record):
        return format_html('{}<div class="small text-secondary">{}</div>', value, record.channel_id)
