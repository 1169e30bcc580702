"""The tables of a referral program's Referrers and Referees tabs (customers' names: both tabs need the
permission to see customers)."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS
from dashboard.formatting import when
from voucherhub.privacy import can_see_customers

from .models import Referral, ReferralReward, Referrer, RewardRole

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


class ReferralRewardTable(tables.Table):
    """Rewards granted: to whom (their name for roles allowed to see customers), why, and what they got."""

    created_at = tables.Column(verbose_name="Granted", order_by=("created_at", "id"))
    customer = tables.Column(verbose_name="Customer", orderable=False)
    role = tables.Column(verbose_name="As", orderable=False)
    reward = tables.Column(verbose_name="Reward", orderable=False, empty_values=())
    voucher = tables.Column(verbose_name="Given on", orderable=False)
    amount = tables.Column(verbose_name="Points or credits", attrs=_RIGHT, orderable=False)

    class Meta:
        model = ReferralReward
        fields = ("created_at", "customer", "role", "reward", "voucher", "amount")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "referral-rewards-table-el"}
        row_attrs = {"data-role": lambda record: record.role}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_created_at(self, value):
        return when(value)

    def render_customer(self, value):
        return customer_link(value) if can_see_customers(self.user) else "Customer"

    def render_role(self, record):
        return record.get_role_display()

    def render_reward(self, record):
        if record.role == RewardRole.REFEREE:
            return "Referee reward"
        tier = f" (after {intcomma(n)} referral{pluralize(n)})" if (n := record.tier and record.tier.referrals) else ""
        return f"{record.reward.name if record.reward else 'A removed reward'}{tier}"

    def render_voucher(self, value):
        return format_html("<code>{}</code>", value.code)
