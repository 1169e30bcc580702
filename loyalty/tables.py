"""Tables of a loyalty program's tabs (Loyalty cards, Participants, Transactions, Earning rules, Pending
points, ...). A card's holder is named only to roles allowed to see customers (voucherhub.privacy); the
others see that the card is held."""

from datetime import date

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS
from dashboard.formatting import EMPTY, day, money, when
from voucherhub.privacy import can_see_customers

from .models import (
    EarningEvent,
    EarningRule,
    LoyaltyCard,
    PendingPoints,
    PointsBucket,
    PointsTransaction,
    Reward,
    RewardAssignment,
    RewardType,
)
from .queries import tier_of
from .services.earning import ratio_of

_RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def points_text(value: int, *, signed: bool = False) -> str:
    return f"{'+' if signed and value > 0 else ''}{value:,}"


def points_count(value: int) -> str:
    """ "1 point", "1,250 points"."""
    return f"{points_text(value)} point{'' if value == 1 else 's'}"


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


_ROUNDED = {"END_OF_MONTH": "the end of that month", "END_OF_QUARTER": "the end of that quarter",
            "END_OF_HALF_YEAR": "the end of that half year", "END_OF_YEAR": "the end of that year"}  # fmt: skip


def expiration_text(rules) -> str:
    """A program's ``expiration_rules`` in words: "12 months after they are added, at the end of that
    month", "On 31 December after they are added" or "Never"."""
    if not rules:
        return "Never"
    if rules.get("period_type") == "FIXED_DAY_OF_YEAR":
        day = date(2000, int(rules["fixed_month"]), int(rules["fixed_day"]))
        return f"On {day:%-d %B} after they are added"
    months = int(rules.get("period_value") or 1)
    text = f"{months} month{'' if months == 1 else 's'} after they are added"
    rounding = rules.get("rounding_type")
    if rounding in _ROUNDED:
        return f"{text}, at {_ROUNDED[rounding]}"
    if rounding == "PARTICULAR_MONTH":
        return f"{text}, at the end of the next {date(2000, int(rules['rounding_value']), 1):%B}"
    return text


class ParticipantTable(tables.Table):
    """The program's members: the customers holding its cards (only for roles allowed to see customers: the
    Participants tab needs that permission), with their card, balance and tier."""

    customer = tables.Column(verbose_name="Customer", accessor="voucher__holder", orderable=False)
    email = tables.Column(verbose_name="Email", accessor="voucher__holder__email", orderable=False)
    source_id = tables.Column(verbose_name="Source ID", accessor="voucher__holder__source_id", orderable=False)
    code = tables.Column(verbose_name="Card", accessor="voucher__code", orderable=False)
    balance = tables.Column(verbose_name="Balance", attrs=_RIGHT, order_by=("balance", "voucher"))
    tier = tables.Column(verbose_name="Tier", accessor="balance", orderable=False, empty_values=())
    created_at = tables.Column(verbose_name="Joined", order_by=("created_at", "voucher"))

    class Meta:
        model = LoyaltyCard
        fields = ("customer", "email", "source_id", "code", "balance", "tier", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "participants-table-el"}
        row_attrs = {"data-card": lambda record: record.voucher.code}

    def __init__(self, *args, user=None, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.tiers = user, list(tiers)

    def render_customer(self, value):
        url = reverse("customers:detail", args=[value.pk])
        return format_html('<a href="{}">{}</a>', url, value.name or value.source_id or value.pk)

    def render_code(self, record):
        url = reverse("campaigns:loyalty_card", args=[record.campaign_id, record.voucher.code])
        return format_html('<a href="{}"><code>{}</code></a>', url, record.voucher.code)

    def render_balance(self, value):
        return points_text(value)

    def render_tier(self, record):
        tier = tier_of(self.tiers, record.balance)
        return tier.name if tier is not None else EMPTY

    def render_created_at(self, value):
        return when(value)


class PointsTable(tables.Table):
    # Ledger ids are time-ordered (voucherhub.ids): by date is by id, as the API lists a program's
    # transactions, read from points_tx_campaign_idx however long the ledger.
    created_at = tables.Column(verbose_name="Date", order_by=("id",))
    card = tables.Column(verbose_name="Card", accessor="card__voucher__code", orderable=False)
    type = tables.Column(verbose_name="Change", order_by=("type", "created_at", "id"))
    points = tables.Column(verbose_name="Points", attrs=_RIGHT, order_by=("points", "id"))
    balance = tables.Column(verbose_name="Balance after", attrs=_RIGHT, orderable=False)
    reason = tables.Column(verbose_name="Reason", orderable=False)
    source = tables.Column(verbose_name="By", orderable=False, attrs={"td": {"data-testid": "points-by"}})

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

    def render_source(self, value, record):
        return record.get_source_display() or EMPTY


# What a PROPORTIONAL rule measures, in words; amounts are money, the rest plain numbers.
_MEASURES = {
    "ORDER_AMOUNT": ("of the order's amount", True),
    "ORDER_TOTAL_AMOUNT": ("of the order's total after discounts", True),
    "ORDER_METADATA": ("of the order's metadata {property}", False),
    "ORDER_ITEMS_QUANTITY": ("items bought", False),
    "ORDER_ITEMS_AMOUNT": ("spent on the items", True),
    "ORDER_ITEMS_SUBTOTAL_AMOUNT": ("spent on the items after discounts", True),
    "CUSTOMER_METADATA": ("of the customer's metadata {property}", False),
    "CUSTOM_EVENT_METADATA": ("of the event's metadata {property}", False),
}


def earns_text(rule: EarningRule) -> str:
    """What a rule gives, in words: "50 points" or "2 points for every €10.00 of the order's amount"."""
    loyalty = rule.loyalty or {}
    if loyalty.get("type") != "PROPORTIONAL":
        return points_count(int(loyalty.get("points") or 0))
    ratio = ratio_of(loyalty)
    measure, is_money = _MEASURES[loyalty["calculation_type"]]
    every = money(ratio.get("every")) if is_money else points_text(int(ratio.get("every") or 0))
    measure = measure.format(property=ratio.get("property") or "")
    return f"{points_count(int(ratio.get('points') or 0))} for every {every} {measure}"


def event_text(rule: EarningRule) -> str:
    try:
        return EarningEvent(rule.event).label
    except ValueError:
        return f"Custom event {rule.event}"


class EarningRuleTable(tables.Table):
    banner = tables.Column(verbose_name="Rule", order_by=("banner", "id"))
    event = tables.Column(verbose_name="When", orderable=False)
    loyalty = tables.Column(verbose_name="Earns", orderable=False)
    pending_days = tables.Column(verbose_name="Pending for", orderable=False, empty_values=())
    active = tables.Column(verbose_name="Status", order_by=("active", "id"))
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "id"))

    class Meta:
        model = EarningRule
        fields = ("banner", "event", "loyalty", "pending_days", "active", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "earning-rules-table-el"}
        row_attrs = {"data-rule": lambda record: record.pk}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_banner(self, record):
        url = reverse("campaigns:earning_rule", args=[record.campaign_id, record.pk])
        return format_html('<a href="{}">{}</a>', url, record.banner or "Earning rule")

    def render_event(self, record):
        return event_text(record)

    def render_loyalty(self, record):
        return earns_text(record)

    def render_pending_days(self, value):
        return f"{value} days" if value else "Usable at once"

    def render_active(self, value):
        if value:
            return mark_safe('<span class="badge text-bg-success">On</span>')
        return mark_safe('<span class="badge text-bg-secondary">Off</span>')

    def render_created_at(self, value):
        return when(value)


class PendingPointsTable(tables.Table):
    created_at = tables.Column(verbose_name="Earned", order_by=("created_at", "id"))
    card = tables.Column(verbose_name="Card", accessor="card__voucher__code", orderable=False)
    points = tables.Column(verbose_name="Points", attrs=_RIGHT, order_by=("points", "id"))
    order = tables.Column(verbose_name="Order", accessor="order__source_id", orderable=False)
    earning_rule = tables.Column(verbose_name="Rule", accessor="earning_rule__banner", orderable=False)
    activates_at = tables.Column(verbose_name="Usable from", order_by=("activates_at", "id"))

    class Meta:
        model = PendingPoints
        fields = ("created_at", "card", "points", "order", "earning_rule", "activates_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "pending-points-table-el"}
        row_attrs = {"data-pending": lambda record: record.pk, "data-points": lambda record: record.points}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_created_at(self, value):
        return when(value)

    def render_card(self, record):
        url = reverse("campaigns:pending_points", args=[record.campaign_id, record.pk])
        return format_html('<a href="{}"><code>{}</code></a>', url, record.card.voucher.code)

    def render_points(self, value):
        return points_text(value)

    def render_order(self, record):
        return record.order.source_id or record.order_id if record.order_id else EMPTY

    def render_earning_rule(self, record):
        return (record.earning_rule.banner or "Earning rule") if record.earning_rule_id else EMPTY

    def render_activates_at(self, value):
        return day(value)


def gives_text(reward: Reward) -> str:
    """What a reward gives, in words (reads ``campaign``)."""
    if reward.type == RewardType.CAMPAIGN:
        campaign = reward.campaign
        if campaign.campaign_type == "GIFT_VOUCHERS":
            return f"{money(reward.balance)} on a new gift card of {campaign.name}"
        if campaign.campaign_type == "LOYALTY_PROGRAM":
            return f"{points_count(reward.balance or 0)} in {campaign.name}"
        return f"A voucher of {campaign.name}"
    if reward.type == RewardType.COIN:
        worth = money(int(reward.point_worth() * (reward.points_ratio or 1)))  # in the currency's minor units
        return f"Pay with points: {points_count(reward.points_ratio or 0)} worth {worth}"
    return f"Material item {reward.product_id or reward.sku_id or ''}".strip()


class RewardAssignmentTable(tables.Table):
    name = tables.Column(verbose_name="Reward", accessor="reward__name", order_by=("reward__name", "id"))
    gives = tables.Column(verbose_name="Gives", accessor="reward__type", orderable=False)
    points = tables.Column(verbose_name="Costs", attrs=_RIGHT, order_by=("points", "id"))
    stock = tables.Column(verbose_name="Stock left", accessor="reward__stock", attrs=_RIGHT, orderable=False,
                          empty_values=())  # fmt: skip
    redeemed = tables.Column(verbose_name="Given", accessor="reward__redeemed", attrs=_RIGHT, orderable=False)
    created_at = tables.Column(verbose_name="Offered since", order_by=("created_at", "id"))

    class Meta:
        model = RewardAssignment
        fields = ("name", "gives", "points", "stock", "redeemed", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "rewards-table-el"}
        row_attrs = {"data-assignment": lambda record: record.pk, "data-points": lambda record: record.points}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_gives(self, record):
        return gives_text(record.reward)

    def render_points(self, value, record):
        # Paying with points spends what the order takes at the reward's rate (Gives): no price of its own.
        return EMPTY if record.reward.type == RewardType.COIN else points_count(value)

    def render_stock(self, record):
        return EMPTY if record.reward.stock is None else points_text(record.reward.stock)

    def render_redeemed(self, value):
        return points_text(value)

    def render_created_at(self, value):
        return when(value)


class BucketTable(tables.Table):
    expires_at = tables.Column(verbose_name="Expires on", order_by=("expires_at", "id"))
    card = tables.Column(verbose_name="Card", accessor="card__voucher__code", orderable=False)
    remaining = tables.Column(verbose_name="Points left", attrs=_RIGHT, order_by=("remaining", "id"))
    points = tables.Column(verbose_name="Of", attrs=_RIGHT, orderable=False)
    created_at = tables.Column(verbose_name="Added", order_by=("created_at", "id"))

    class Meta:
        model = PointsBucket
        fields = ("expires_at", "card", "remaining", "points", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "points-expiration-table-el"}
        row_attrs = {"data-bucket": lambda record: record.pk, "data-points": lambda record: record.remaining}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def render_expires_at(self, value):
        return day(value)

    def render_card(self, record):
        url = reverse("campaigns:loyalty_card", args=[record.campaign_id, record.card.voucher.code])
        return format_html('<a href="{}"><code>{}</code></a>', url, record.card.voucher.code)

    def render_remaining(self, value):
        return points_text(value)

    def render_points(self, value):
        return points_text(value)

    def render_created_at(self, value):
        return when(value)
