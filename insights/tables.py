"""Tables of the Campaigns section (django-tables2, Bootstrap 5 template)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from auditlog.models import Event
from auditlog.sentences import can_see_technical_details, sentence_html, technical_details, tier_ids
from auditlog.tables import EVENT_COLUMNS, event_channel, event_object
from campaigns.models import Campaign, Publication, Voucher, VoucherTransaction
from campaigns.queries import CampaignStatus, tier_names
from dashboard.formatting import EMPTY, money, when
from dashboard.labels import label
from redemptions.queries import rollback_redemption_ids
from stacking import reasons
from voucherhub.privacy import can_see_customers

STATUS_CLASSES = {
    CampaignStatus.ACTIVE: "text-bg-success",
    CampaignStatus.SCHEDULED: "text-bg-info",
    CampaignStatus.EXPIRED: "text-bg-secondary",
    CampaignStatus.DISABLED: "text-bg-warning",
}

TABLE_ATTRS = {"class": "table table-hover align-middle mb-0 vh-table"}
# The lists page by keyset (dashboard.keyset, through dashboard.lists.DashboardListView): every sort is
# non-null columns of the row ending with its primary key, so nullable, related or counted columns are not
# sortable.
KEYSET_TEMPLATE = "dashboard/keyset_table.html"
_RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}
REDEEMED_HINT = (
    "Redemptions that stand, all time: succeeded and not rolled back. The campaign dashboard's "
    "Redemptions figure counts every successful redemption of its period, rolled back later or not."
)


def status_badge(status: str):
    return format_html(
        '<span class="badge {}" data-testid="campaign-status">{}</span>', STATUS_CLASSES.get(status, ""), label(status)
    )


# What has a page of its own, by the event's object kind: (the permission its page needs, the page's address).
OBJECT_PAGES = {
    "redemption": ("redemptions.view_redemption", lambda i: reverse("redemptions:detail", args=[i])),
    "campaign": ("campaigns.view_campaign", lambda i: reverse("campaigns:detail", kwargs={"campaign_id": i})),
    "session": (
        "validation_sessions.view_validationsession",
        lambda i: reverse("redemptions:session_detail", kwargs={"key": i}),
    ),
}


def object_link(kind: str, object_id: str, shown, user, rollbacks: dict[str, str]):
    """``shown`` (an object's id as a page shows it) as a link to the object's page when it has one and
    ``user`` may open it: a redemption, a campaign, a session; a rollback opens its redemption's page at
    its line. Otherwise ``shown`` as it is."""
    url = ""
    if kind == "redemption_rollback" or object_id.startswith(("rr_", "rrf_")):
        redemption = rollbacks.get(object_id)
        if redemption and user is not None and user.has_perm("redemptions.view_redemption"):
            url = f"{reverse('redemptions:detail', args=[redemption])}#{object_id}"
    elif kind in OBJECT_PAGES and user is not None and user.has_perm(OBJECT_PAGES[kind][0]):
        url = OBJECT_PAGES[kind][1](object_id)
    # The link is named by the whole id: ``shown`` may cut it in its middle (dashboard.components.id_text).
    return format_html('<a href="{}" aria-label="{}">{}</a>', url, object_id, shown) if url and object_id else shown


class _UserTable(tables.Table):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._rollbacks: dict[str, str] | None = None

    def page_records(self):
        return [row.record for row in (self.page.object_list if hasattr(self, "page") else self.rows)]

    def rollbacks(self, id_of) -> dict[str, str]:
        """The redemption of each rollback this page names (``id_of(record)``), read once for the page."""
        if self._rollbacks is None:
            self._rollbacks = rollback_redemption_ids(id_of(record) or "" for record in self.page_records())
        return self._rollbacks


class CampaignTable(_UserTable):
    name = tables.Column(
        verbose_name="Name",
        linkify=lambda record: reverse("campaigns:detail", args=[record.pk]),
        order_by=("name", "id"),
    )
    campaign_type = tables.Column(verbose_name="Type", order_by=("campaign_type", "name", "id"))
    category = tables.Column(verbose_name="Category", accessor="category__name", orderable=False)
    status = tables.Column(verbose_name="Status", orderable=False)
    start_date = tables.Column(verbose_name="Starts", orderable=False)
    expiration_date = tables.Column(verbose_name="Ends", orderable=False)
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "id"))
    # Counted for the rows of the page only (insights.queries.campaign_list), so not sortable.
    vouchers_count = tables.Column(verbose_name="Vouchers", orderable=False, attrs=_RIGHT)
    # The redemptions that stand, all time: the dashboard's "Redemptions" counts those of its period,
    # rolled back later or not, so the two figures differ by the rollbacks (and the period).
    redemptions_count = tables.Column(
        verbose_name="Redeemed",
        orderable=False,
        attrs={
            **_RIGHT,
            "th": {
                **_RIGHT["th"],
                "title": REDEEMED_HINT,
            },
        },
    )

    class Meta:
        model = Campaign
        fields = (
            "name",
            "campaign_type",
            "category",
            "status",
            "start_date",
            "expiration_date",
            "vouchers_count",
            "redemptions_count",
            "created_at",
        )
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "campaigns-table-el"}
        row_attrs = {"id": lambda record: f"row-{record.pk}", "data-status": lambda record: record.status}

    def render_campaign_type(self, record):
        return record.get_campaign_type_display()

    def render_status(self, value):
        return status_badge(value)

    def render_start_date(self, value):
        return when(value)

    def render_expiration_date(self, value):
        return when(value)

    def render_created_at(self, value):
        return when(value)

    def render_vouchers_count(self, value):
        return f"{value:,}"

    def render_redemptions_count(self, value):
        return f"{value:,}"


class VoucherTable(_UserTable):
    code = tables.Column(verbose_name="Code", order_by=("code", "id"))
    type = tables.Column(verbose_name="Type", order_by=("type", "created_at", "id"))
    active = tables.Column(verbose_name="State", order_by=("active", "created_at", "id"))
    usage = tables.Column(
        verbose_name="Redeemed", accessor="redeemed_quantity", attrs=_RIGHT, order_by=("redeemed_quantity", "id")
    )
    gift_balance = tables.Column(verbose_name="Balance", attrs=_RIGHT, orderable=False)
    holder = tables.Column(verbose_name="Holder", orderable=False)
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "id"))

    class Meta:
        model = Voucher
        fields = ("code", "type", "active", "usage", "gift_balance", "holder", "created_at")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "vouchers-table-el"}
        row_attrs = {"data-code": lambda record: record.code}

    def __init__(self, *args, user=None, gift: bool = False, **kwargs):
        exclude = list(kwargs.pop("exclude", ()))
        if not gift:
            exclude.append("gift_balance")
        if user is None or not user.has_perm("redemptions.view_customer"):
            exclude.append("holder")  # customer data is for Admins
        super().__init__(*args, user=user, exclude=exclude, **kwargs)

    def render_code(self, value):
        return format_html("<code>{}</code>", value)

    def render_type(self, record):
        return record.get_type_display()

    def render_active(self, value):
        return "Active" if value else "Disabled"

    def render_usage(self, record):
        limit = "∞" if record.redemption_quantity is None else f"{record.redemption_quantity:,}"
        locked = f" ({record.locked_quantity} locked)" if record.locked_quantity else ""
        return f"{record.redeemed_quantity:,} / {limit}{locked}"

    def render_gift_balance(self, record):
        return format_html(
            "{} <span class='small text-secondary'>of {}</span>", money(record.gift_balance), money(record.gift_amount)
        )

    def render_holder(self, value):
        return value.name or value.source_id or value.pk

    def render_created_at(self, value):
        return when(value)


class PublicationTable(_UserTable):
    """A campaign's publications: when, to whom (for those who may see customers), which codes, through
    which channel, and a failure's reason."""

    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    customer = tables.Column(verbose_name="Customer", orderable=False, empty_values=())
    codes = tables.Column(verbose_name="Codes", orderable=False, empty_values=())
    channel = tables.Column(verbose_name="Channel", orderable=False)
    result = tables.Column(verbose_name="Result", order_by=("result", "created_at", "id"))

    class Meta:
        model = Publication
        fields = ("created_at", "customer", "codes", "channel", "result")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "publications-table-el"}
        row_attrs = {"data-publication": lambda record: record.pk, "data-result": lambda record: record.result}

    def __init__(self, *args, user=None, **kwargs):
        exclude = list(kwargs.pop("exclude", ()))
        if not can_see_customers(user):
            exclude.append("customer")  # customer data is for Admins
        super().__init__(*args, user=user, exclude=exclude, **kwargs)

    def render_created_at(self, value):
        return when(value)

    def render_customer(self, record):
        customer = record.customer
        if customer is None:
            return EMPTY
        url = reverse("customers:detail", args=[customer.pk])
        return format_html('<a href="{}">{}</a>', url, customer.name or customer.source_id or customer.pk)

    def render_codes(self, record):
        if not record.codes:
            return EMPTY
        shown = format_html_join(" ", "<code>{}</code>", ((code,) for code in record.codes[:5]))
        more = f" and {len(record.codes) - 5} more" if len(record.codes) > 5 else ""
        return format_html("{}{}", shown, more)

    def render_result(self, record):
        if record.result == Publication.Result.SUCCESS:
            return format_html('<span class="badge text-bg-success">{}</span>', record.get_result_display())
        return format_html(
            '<span class="badge text-bg-danger">{}</span> <span class="small">No free code left.</span>',
            record.get_result_display(),
        )


class TransactionTable(_UserTable):
    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    voucher = tables.Column(verbose_name="Voucher", accessor="voucher__code", orderable=False)
    source = tables.Column(verbose_name="Change", order_by=("source", "created_at", "id"))
    amount = tables.Column(verbose_name="Amount", attrs=_RIGHT, order_by=("amount", "id"))
    balance_after = tables.Column(verbose_name="Balance after", attrs=_RIGHT, order_by=("balance_after", "id"))
    related_object_id = tables.Column(verbose_name="Redemption", orderable=False)
    reason = tables.Column(verbose_name="Reason", orderable=False)

    class Meta:
        model = VoucherTransaction
        fields = ("created_at", "voucher", "source", "amount", "balance_after", "related_object_id", "reason")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "transactions-table-el"}
        row_attrs = {"data-amount": lambda record: record.amount}

    def render_created_at(self, value):
        return when(value)

    def render_voucher(self, value):
        return format_html("<code>{}</code>", value)

    def render_source(self, record):
        return record.get_source_display()

    def render_amount(self, value):
        return format_html("{}{}", "+" if value > 0 else "", money(value))

    def render_balance_after(self, value):
        return money(value)

    def render_related_object_id(self, value):
        # A redemption opens its page; a rollback its redemption's page, at the rollback's line.
        kind = "redemption" if value.startswith(("r_", "rf_")) else ""
        rollbacks = self.rollbacks(lambda record: record.related_object_id)
        return object_link(kind, value, value, self.user, rollbacks) if value else EMPTY

    def render_reason(self, value, record):
        # The engine writes the change type as the reason of a plain redemption: shown once, under
        # Change. A rollback's or a manual change's own reason is shown.
        if value.strip().lower() in {record.source.lower(), record.get_source_display().lower()}:
            return EMPTY
        return value


class EventTable(_UserTable):
    """A campaign's events, each in words (auditlog.sentences); the raw event under "Technical details"
    for admins only."""

    occurred_at = tables.Column(verbose_name="When", order_by=("occurred_at", "id"), attrs=EVENT_COLUMNS["date"])
    type = tables.Column(verbose_name="Event", order_by=("type", "occurred_at", "id"), attrs=EVENT_COLUMNS["event"])
    channel = tables.Column(
        verbose_name="Channel", accessor="channel_type", orderable=False, attrs=EVENT_COLUMNS["channel"]
    )
    resource_id = tables.Column(verbose_name="Object", orderable=False, attrs=EVENT_COLUMNS["id"])
    data = tables.Column(verbose_name="", orderable=False, empty_values=(), attrs=EVENT_COLUMNS["details"])

    class Meta:
        model = Event
        fields = ("occurred_at", "type", "channel", "resource_id", "data")
        template_name = KEYSET_TEMPLATE
        attrs = {**TABLE_ATTRS, "id": "events-table-el"}
        row_attrs = {"data-type": lambda record: record.type}

    def render_occurred_at(self, value):
        return when(value)

    def __init__(self, *args, user=None, **kwargs):
        if not can_see_technical_details(user):
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "data")
        super().__init__(*args, user=user, **kwargs)
        self._tier_names: dict[str, str] | None = None

    def tier_names(self) -> dict[str, str]:
        """The names of the tiers this page's events name, read once for the page."""
        if self._tier_names is None:
            self._tier_names = tier_names(tier_ids(self.page_records()))
        return self._tier_names

    def render_type(self, record):
        # A failure as every page says it; a tier by its name.
        words = sentence_html(record, reason=reasons.sentence, tiers=self.tier_names())
        return format_html('<span data-testid="event-sentence">{}</span>', words)

    def render_channel(self, record):
        who = record.user.get_username() if record.user_id else record.channel_id
        return event_channel(record, who)

    def render_data(self, record):
        return technical_details(record, self.user)

    def render_resource_id(self, value, record):
        rollbacks = self.rollbacks(lambda event: event.resource_id)
        return object_link(record.resource_type, value, event_object(record, self.user), self.user, rollbacks)
