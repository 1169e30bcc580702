"""The Redemptions tab's table (django-tables2, Bootstrap 5 template)."""

from functools import cache

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS
from campaigns.models import CampaignType
from dashboard.components import copy_id, id_text, menu_button, menu_copy, menu_disabled, menu_link, row_menu, truncated
from dashboard.formatting import EMPTY, money, when
from dashboard.labels import channel
from stacking.templatetags.stacking_tags import reason

from . import queries
from .forms import can_roll_back, rollback_refusal
from .models import Redemption, RedemptionResult
from .services.redemption import NOT_REDEEMED


@cache
def status_badge(status: str) -> str:
    """The status as a badge: rendered once per status and process, not once per row."""
    return mark_safe(render_to_string("redemptions/partials/status_badge.html", {"status": status}))


def redeemable_tier(tier, *, link: bool) -> str:
    """A promotion tier where a voucher code would be: its name marked as a tier, linked to its row on the
    campaign's Tiers tab when ``link`` (the viewer may open that tab). Used by the list and the detail page."""
    return mark_safe(render_to_string("redemptions/partials/tier.html", {"tier": tier, "link": link}))


# The "Roll back…" menu item's htmx:beforeRequest handler: when the row's form is open already, close it
# instead of fetching a second one.
TOGGLE_ROLLBACK_ROW = (
    "const open = document.getElementById(this.getAttribute('aria-controls'));"
    " if (open) { open.remove(); event.preventDefault(); }"
)


# Every sort ends with created_at and id, in one direction, so the list pages by keyset (dashboard.keyset)
# and each sort is one range scan of an index on the same columns (redemptions.models.Redemption.Meta).
def _sort(*fields: str) -> tuple[str, ...]:
    return (*fields, "created_at", "id")


class RedemptionTable(tables.Table):
    created_at = tables.Column(
        verbose_name="Date", order_by=("created_at", "id"), attrs={"td": {"class": "vh-col-date"}}
    )
    id = tables.Column(verbose_name="Id", order_by=("id",), attrs={"td": {"class": "vh-col-id"}})
    status = tables.Column(verbose_name="Status", order_by=_sort("status"))
    voucher_code = tables.Column(verbose_name="Voucher", empty_values=("",), order_by=_sort("voucher_code"))
    campaign = tables.Column(
        verbose_name="Campaign",
        accessor="campaign__name",
        orderable=False,
        attrs={"td": {"class": "vh-col-text vh-col-campaign"}},
    )
    customer = tables.Column(
        verbose_name="Customer", orderable=False, empty_values=(None,), attrs={"td": {"class": "vh-col-customer"}}
    )
    amount = tables.Column(
        verbose_name="Value given",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
        order_by=_sort("amount"),
    )
    failure = tables.Column(
        verbose_name="Failure",
        accessor="failure_code",
        empty_values=("",),
        orderable=False,
        attrs={"td": {"class": "vh-col-failure"}},
    )
    actions = tables.Column(
        verbose_name="", orderable=False, empty_values=(), attrs={"td": {"class": "text-end vh-col-actions"}}
    )
    channel = tables.Column(
        verbose_name="Channel",
        accessor="channel_type",
        order_by=_sort("channel_id"),
        attrs={"td": {"class": "vh-col-text"}},
    )

    class Meta:
        model = Redemption
        fields = (
            "created_at",
            "id",
            "status",
            "voucher_code",
            "campaign",
            "customer",
            "amount",
            "failure",
            "channel",
            "actions",
        )
        order_by = ("-created_at",)
        template_name = "dashboard/keyset_table.html"
        attrs = {"class": "table table-hover align-middle mb-0 vh-table"}
        row_attrs = {"id": lambda record: f"row-{record.pk}"}

    def __init__(self, *args, viewer=None, row_messages=None, **kwargs):
        """``viewer``: the request (its user decides what each row's menu offers; forms need its CSRF token).
        ``row_messages``: {redemption id: (level, text)} shown in a row's last cell, e.g. the engine's error.
        """
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.row_messages = row_messages or {}
        # A redemption's URLs (/redemptions/<id>/, .../rollback/) from one reverse() per table, not per row.
        self.list_url = reverse("redemptions:list")
        user = viewer.user if viewer is not None else None
        self.link_tiers = bool(user and user.has_perm("campaigns.view_promotiontier"))
        self.children_counts: dict[str, int] | None = None

    def stack_size(self, record) -> int:
        """How many redemptions a stacked parent on this page holds: one query for the page's parents."""
        if self.children_counts is None:
            parents = [row.record.pk for row in self.paginated_rows if row.record.is_stacked_parent]
            self.children_counts = queries.children_counts(parents)
        return self.children_counts.get(record.pk, 0)

    def rows_html(self) -> str:
        """The page's rows, each cell from its ``render_*`` method called directly: django-tables2's own
        cell rendering (a signature inspection and an attrs merge per cell) was two thirds of the CPU time
        of a 100-row page (bench/list_pages.py). Used by dashboard/keyset_table.html and dashboard/list.html#row."""
        cells = {
            "created_at": lambda r: self.render_created_at(r.created_at),
            "id": None,  # render_stacked_id: the cell depends on the row's place in its stack
            "status": self.render_status,
            "voucher_code": self.render_voucher_code,
            "campaign": lambda r: truncated(r.campaign.name) if r.campaign_id else EMPTY,
            "customer": lambda r: self.render_customer(r.customer),
            "amount": self.render_amount,
            "failure": lambda r: self.render_failure(r.failure_code, r) if r.failure_code else EMPTY,
            "channel": self.render_channel,
            "actions": self.render_actions,
        }
        columns = [(cells[column.name], column.attrs["td"].as_html()) for column in self.columns]
        return mark_safe(
            "".join(
                format_html(
                    '<tr id="row-{}" class="{}"{}>{}</tr>',
                    record.pk,
                    "odd" if index % 2 else "even",
                    stack_attrs(record, grouped),
                    format_html_join(
                        "",
                        "<td {}>{}</td>",
                        (
                            (attrs, self.render_stacked_id(record, grouped) if name == "id" else cell(record))
                            for name, (cell, attrs) in zip(self.column_names(), columns, strict=True)
                        ),
                    ),
                )
                for index, (record, grouped) in enumerate(stacks_grouped([row.record for row in self.paginated_rows]))
            )
        )

    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def render_stacked_id(self, record, grouped: bool):
        """The Id cell: a stacked call's redemption says it is part of the stack, indented under its parent
        when that is the row above, otherwise with a link to the parent."""
        shown = self.render_id(record.pk)
        if not record.parent_id:
            return shown
        if grouped:
            return format_html(
                '<div class="vh-stack-child">{}<div class="vh-stack-note" data-testid="stack-child">'
                '<span aria-hidden="true">↳ </span>part of a stack</div></div>',
                shown,
            )
        return format_html(
            '{}<div class="vh-stack-note" data-testid="stack-parent-link">part of stack '
            '<a class="vh-id" href="{}{}/" title="{}" aria-label="{}">{}</a></div>',
            shown,
            self.list_url,
            record.parent_id,
            record.parent_id,
            record.parent_id,
            id_text(record.parent_id),
        )

    def render_id(self, value):
        # Shortened with an ellipsis by CSS (.vh-id) where space is short; the whole id is in the text and
        # title, and its button copies it.
        return copy_id(value, f"{self.list_url}{value}/")

    def render_actions(self, record):
        """The row's menu: Open, Copy id, and for who may roll back, Roll back… (or, on a stacked one's
        child, why not). Roll back… fetches its form (reason, confirmation) into a full-width row under the
        row (redemptions/partials/row_rollback.html): the form only when asked for (the form on every row
        cost ~3 ms a row); choosing it again closes the form."""
        user = self.viewer.user if self.viewer else None
        url = f"{self.list_url}{record.pk}/"
        items = [menu_link("Open", url), menu_copy(record.pk)]
        if user is not None and can_roll_back(user, record):
            attrs = {
                "hx-get": f"{url}rollback/",
                "hx-target": "closest tr",
                "hx-swap": "afterend",
                "aria-controls": f"rollback-row-{record.pk}",
                "hx-on::before-request": TOGGLE_ROLLBACK_ROW,
            }
            items.append(menu_button("Roll back…", attrs, danger=True))
        elif user is not None and (refusal := rollback_refusal(user, record)):
            items.append(menu_disabled("Roll back…", refusal, f"rollback-reason-{record.pk}"))
        button = row_menu(record.pk, items)
        message = self.row_messages.get(record.pk)
        if message is None:
            return button
        level, text = message
        role = "alert" if level == "danger" else "status"
        return format_html(
            '<div class="small text-{} mb-1" role="{}" data-testid="row-message">{}</div>{}', level, role, text, button
        )

    def render_created_at(self, value):
        return when(value)

    def render_voucher_code(self, record):
        """The voucher's code; for a promotion tier's redemption the tier, linked to its campaign's Tiers tab."""
        if record.voucher_code:
            return format_html('<span class="text-nowrap">{}</span>', record.voucher_code)  # never broken
        if record.is_stacked_parent:
            return format_html(
                '<span class="vh-stacked" data-testid="stacked">Stacked · {}</span>', self.stack_size(record)
            )
        return redeemable_tier(record.promotion_tier, link=self.link_tiers) if record.promotion_tier_id else EMPTY

    # The stored codes, from the record: given a list (one row re-rendered after a Rollback),
    # django-tables2 would pass the choices' labels as the value.
    def render_status(self, record):
        return status_badge(record.status)

    def render_customer(self, value):
        if value is None:
            return EMPTY
        return format_html(
            '{}<div class="small text-secondary">{}</div>',
            truncated(value.name or value.source_id),
            truncated(value.email) if value.email else "",
        )

    def render_amount(self, record):
        return amount_html(record)

    def render_failure(self, value, record):
        return failure_html(record)

    def render_channel(self, record):
        return channel(record.channel_type, truncated(record.channel_id))


def stacks_grouped(records: list[Redemption]) -> list[tuple[Redemption, bool]]:
    """The page's rows in their order, each with whether it is shown grouped under its stacked parent: a
    stack's redemptions (stored with their parent's time) follow their parent when it is among the rows of
    that same time on the page, the parent first; a redemption whose parent is elsewhere stays in place."""
    on_page = {record.pk: record for record in records if record.is_stacked_parent}
    children: dict[str, list[Redemption]] = {}
    for record in records:
        parent = on_page.get(record.parent_id) if record.parent_id else None
        if parent is not None and same_run(records, parent, record):
            children.setdefault(parent.pk, []).append(record)
    moved = {child.pk for group in children.values() for child in group}
    ordered: list[tuple[Redemption, bool]] = []
    for record in records:
        if record.pk in moved:
            continue
        ordered.append((record, False))
        ordered.extend((child, True) for child in children.get(record.pk, ()))
    return ordered


def same_run(records: list[Redemption], parent: Redemption, child: Redemption) -> bool:
    """Whether every row between ``parent`` and ``child`` on the page has their time: moving the child
    under its parent then keeps the page in its sort order."""
    first, last = sorted((records.index(parent), records.index(child)))
    return all(row.created_at == parent.created_at for row in records[first : last + 1])


def stack_attrs(record: Redemption, grouped: bool) -> str:
    """The row's data attributes: a stacked parent's id, or the parent of a stack's redemption."""
    if record.is_stacked_parent:
        return format_html(' data-stack="{}"', record.pk)
    if record.parent_id:
        return format_html(' data-stack-parent="{}"{}', record.parent_id, mark_safe(" data-grouped") if grouped else "")
    return ""


def amount_html(record: Redemption) -> str:
    """What a redemption gave, each kind in its own words: a stack's discounts and its gift credits apart
    (as the API's stack result: discount_amount and gift_credits), a gift card's credits as credits (€0.00
    when the rest of its stack had paid the order already), a discount as the amount; a failed attempt gave
    nothing: a dash. A loyalty card's points say what they paid, or what a reward cost."""
    if record.result == RedemptionResult.FAILURE:
        return EMPTY
    if record.is_stacked_parent and record.gift_amount:
        return format_html(
            '<div data-testid="amount-discount">{} <span class="small text-secondary">discount</span></div>'
            '<div data-testid="amount-credits">{} <span class="small text-secondary">gift credits</span></div>',
            money(record.discount_amount),
            money(record.gift_amount),
        )
    if record.result == RedemptionResult.SUCCESS and is_gift_card(record):
        return format_html(
            '<span data-testid="amount-credits">{}</span><div class="small text-secondary">gift credits</div>',
            money(record.gift_amount),
        )
    if record.result == RedemptionResult.SUCCESS and record.loyalty_points:  # a loyalty card's points spent
        if record.gift_amount:  # paying part of the order
            return format_html(
                '<span data-testid="amount-credits">{}</span>'
                '<div class="small text-secondary">paid with {} points</div>',
                money(record.gift_amount),
                f"{record.loyalty_points:,}",
            )
        return format_html(
            '<span data-testid="amount-points">{} points</span><div class="small text-secondary">for a reward</div>',
            f"{record.loyalty_points:,}",
        )
    return money(record.amount)


def is_gift_card(record: Redemption) -> bool:
    """Whether the redemption is of a gift card (its campaign is a gift-card campaign)."""
    return record.campaign_id is not None and record.campaign.campaign_type == CampaignType.GIFT_VOUCHERS


def failure_html(record: Redemption) -> str:
    """Why an attempt failed, as the list and the detail page say it: the sentence for its code
    (stacking.reasons), and under it the stored message when the rule's own error message says more. An
    attempt of a failed stack whose redeemable did not fail itself says that instead: its code is the
    call's (another redeemable's), shown under it as the reason of the call."""
    text = reason(record.failure_code)
    if record.failure_message == NOT_REDEEMED:
        return format_html(
            '<span data-testid="not-redeemed">{}.</span><div class="small text-secondary">The call failed: {}</div>',
            NOT_REDEEMED,
            text,
        )
    if not record.failure_message or record.failure_message == record.get_failure_code_display():
        return text
    return format_html('{}<div class="small text-secondary">{}</div>', text, record.failure_message)


def hidden_columns(user) -> tuple[str, ...]:
    """Customer data is for Admins. Every role gets the row menu (Open, Copy id); only its items differ."""
    return () if user.has_perm("redemptions.view_customer") else ("customer",)


_END = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class RewardRedemptionTable(tables.Table):
    """A loyalty program's reward redemptions: the card, the reward, the points it cost, what it gave."""

    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    voucher_code = tables.Column(verbose_name="Card", orderable=False)
    customer = tables.Column(verbose_name="Member", orderable=False, empty_values=())
    reward = tables.Column(verbose_name="Reward", accessor="reward__name", orderable=False, empty_values=())
    loyalty_points = tables.Column(verbose_name="Points", attrs=_END, order_by=("loyalty_points", "id"))
    reward_voucher = tables.Column(verbose_name="Gave", orderable=False, empty_values=())
    status = tables.Column(verbose_name="Status", orderable=False)

    class Meta:
        model = Redemption
        fields = ("created_at", "voucher_code", "customer", "reward", "loyalty_points", "reward_voucher", "status")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "reward-redemptions-table-el"}
        row_attrs = {"data-redemption": lambda record: record.pk}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and not user.has_perm("redemptions.view_customer"):
            self.columns.hide("customer")

    def render_created_at(self, value):
        return when(value)

    def render_voucher_code(self, value):
        return format_html("<code>{}</code>", value)

    def render_customer(self, record):
        customer = record.customer
        return EMPTY if customer is None else truncated(customer.name or customer.source_id)

    def render_reward(self, record):
        return record.reward.name if record.reward is not None else "A deleted reward"

    def render_loyalty_points(self, value):
        return f"{value:,}"

    def render_reward_voucher(self, record):
        given = record.reward_voucher
        if given is not None:
            return format_html("<code>{}</code>", given.code)
        # Points paying part of an order give what a gift card's credits would.
        return f"{money(record.gift_amount)} off the order" if record.gift_amount else EMPTY

    def render_status(self, record):
        return status_badge(record.status)
