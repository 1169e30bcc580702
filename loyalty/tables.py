"""Tables of a loyalty program's Loyalty cards and Points tabs. A card's holder is named only to roles
allowed to see customers (voucherhub.privacy); the others see that the card is held."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS
from dashboard.formatting import EMPTY, when
from voucherhub.privacy import can_see_customers

from .models import LoyaltyCard, PointsTransaction

_RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def points_text(value: int, *, signed: bool = False) -> str:
    return f"{'+' if signed and value > 0 else ''}{value:,}"


class CardTable(tables.Table):
    code = tables.Column(verbose_name="Card", accessor="voucher__code", orderable=False)
    holder = tables.Column(verbose_name="Member", accessor="voucher__holder", orderable=False, empty_values=())
    balance = tables.Column(verbose_name="Balance", attrs=_RIGHT, order_by=("balance", "voucher"))
    points = tables.Column(verbose_name="Points added", attrs=_RIGHT, order_by=("points", "voucher"))
    subtracted_points = tables.Column(verbose_name="Points taken", attrs=_RIGHT, orderable=False)
    created_at = tables.Column(verbose_name="Joined", order_by=("created_at", "voucher"))

    class Meta:
        model = LoyaltyCard
        fields = ("code", "holder", "balance", "points", "subtracted_points", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "loyalty-cards-table-el"}
        row_attrs = {"data-card": lambda record: record.voucher.code, "data-balance": lambda record: record.balance}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_code(self, record):
        url = reverse("campaigns:loyalty_card", args=[record.campaign_id, record.voucher.code])
        return format_html('<a href="{}"><code>{}</code></a>', url, record.voucher.code)

    def render_holder(self, record):
        holder = record.voucher.holder
        if holder is None:
            return EMPTY
        if not can_see_customers(self.user):
            return "Member"
        url = reverse("customers:detail", args=[holder.pk])
        return format_html('<a href="{}">{}</a>', url, holder.name or holder.source_id or holder.pk)

    def render_balance(self, value):
        return points_text(value)

    def render_points(self, value):
        return points_text(value)

    def render_subtracted_points(self, value):
        return points_text(value)

    def render_created_at(self, value):
        return when(value)


class PointsTable(tables.Table):
    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    card = tables.Column(verbose_name="Card", accessor="card__voucher__code", orderable=False)
    type = tables.Column(verbose_name="Change", order_by=("type", "created_at", "id"))
    points = tables.Column(verbose_name="Points", attrs=_RIGHT, order_by=("points", "id"))
    balance = tables.Column(verbose_name="Balance after", attrs=_RIGHT, orderable=False)
    reason = tables.Column(verbose_name="Reason", orderable=False)
    source = tables.Column(verbose_name="By", orderable=False)

    class Meta:
        model = PointsTransaction
        fields = ("created_at", "card", "type", "points", "balance", "reason", "source")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "points-table-el"}
        row_attrs = {"data-points": lambda record: record.points}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_created_at(self, value):
        return when(value)

    def render_card(self, value):
        return format_html("<code>{}</code>", value)

    def render_type(self, record):
        return record.get_type_display()

    def render_points(self, value):
        return points_text(value, signed=True)

    def render_balance(self, value):
        return points_text(value)

    def render_source(self, value):
        return {"API": "API", "USER": "Dashboard"}.get(value, value or EMPTY)
