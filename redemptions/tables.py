"""The Redemptions tab's table (django-tables2, Bootstrap 5 template)."""

from functools import cache

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dashboard.formatting import EMPTY, money, when
from stacking.templatetags.stacking_tags import reason

from .forms import can_roll_back
from .models import Redemption


@cache
def status_badge(status: str) -> str:
    """The status as a badge: rendered once per status and process, not once per row."""
    return mark_safe(render_to_string("redemptions/partials/status_badge.html", {"status": status}))


EMPTY_CELL = mark_safe("")


def redeemable_tier(tier, *, link: bool) -> str:
    """A promotion tier where a voucher code would be: its name marked as a tier, linked to its row on the
    campaign's Tiers tab when ``link`` (the viewer may open that tab). Used by the list and the detail page."""
    return mark_safe(render_to_string("redemptions/partials/tier.html", {"tier": tier, "link": link}))


# The "Roll back…" button's htmx:beforeRequest handler: when the row's form is open already, close it
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
        verbose_name="Campaign", accessor="campaign__name", orderable=False, attrs={"td": {"class": "vh-col-text"}}
    )
    customer = tables.Column(
        verbose_name="Customer", orderable=False, empty_values=(None,), attrs={"td": {"class": "vh-col-customer"}}
    )
    amount = tables.Column(
        verbose_name="Amount",
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
        """``viewer``: the request (its user decides the Rollback buttons; their forms need its CSRF token).
        ``row_messages``: {redemption id: (level, text)} shown in a row's last cell, e.g. the engine's error.
        """
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.row_messages = row_messages or {}
        # A redemption's URLs (/redemptions/<id>/, .../rollback/) from one reverse() per table, not per row.
        self.list_url = reverse("redemptions:list")
        user = viewer.user if viewer is not None else None
        self.link_tiers = bool(user and user.has_perm("campaigns.view_promotiontier"))

    def rows_html(self) -> str:
        """The page's rows, each cell from its ``render_*`` method called directly: django-tables2's own
        cell rendering (a signature inspection and an attrs merge per cell) was two thirds of the CPU time
        of a 100-row page (bench/list_pages.py). Used by dashboard/keyset_table.html and dashboard/list.html#row."""
        cells = {
            "created_at": lambda r: self.render_created_at(r.created_at),
            "id": lambda r: self.render_id(r.pk),
            "status": self.render_status,
            "voucher_code": self.render_voucher_code,
            "campaign": lambda r: r.campaign.name if r.campaign_id else EMPTY,
            "customer": lambda r: self.render_customer(r.customer),
            "amount": lambda r: self.render_amount(r.amount),
            "failure": lambda r: self.render_failure(r.failure_code, r) if r.failure_code else EMPTY,
            "channel": self.render_channel,
            "actions": self.render_actions,
        }
        columns = [(cells[column.name], column.attrs["td"].as_html()) for column in self.columns]
        return mark_safe(
            "".join(
                format_html(
                    '<tr id="row-{}" class="{}">{}</tr>',
                    row.record.pk,
                    "odd" if index % 2 else "even",
                    format_html_join("", "<td {}>{}</td>", ((attrs, cell(row.record)) for cell, attrs in columns)),
                )
                for index, row in enumerate(self.paginated_rows)
            )
        )

    def render_id(self, value):
        # Shortened with an ellipsis by CSS (.vh-id) where space is short; the whole id is in the text and title.
        return format_html('<a class="vh-id" href="{}{}/" title="{}">{}</a>', self.list_url, value, value, value)

    def render_actions(self, record):
        """A Rollback button that fetches its form (reason, confirmation) into a full-width row under the
        row (redemptions/partials/row_rollback.html): one small element per row, the form only when asked
        for (the form on every row cost ~3 ms a row). A second click closes the form."""
        user = self.viewer.user if self.viewer else None
        message = self.row_messages.get(record.pk)
        button = EMPTY_CELL
        if user is not None and can_roll_back(user, record):
            button = format_html(
                '<button type="button" class="btn btn-sm btn-outline-danger text-nowrap" hx-get="{}" '
                'hx-target="closest tr" hx-swap="afterend" aria-label="Roll back {}" aria-controls="rollback-row-{}" '
                'hx-on::before-request="{}">Roll back…</button>',
                f"{self.list_url}{record.pk}/rollback/",
                record.pk,
                record.pk,
                TOGGLE_ROLLBACK_ROW,
            )
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
            return record.voucher_code
        return redeemable_tier(record.promotion_tier, link=self.link_tiers) if record.promotion_tier_id else EMPTY

    # The stored codes, from the record: given a list (one row re-rendered after a Rollback),
    # django-tables2 would pass the choices' labels as the value.
    def render_status(self, record):
        return status_badge(record.status)

    def render_customer(self, value):
        if value is None:
            return EMPTY
        return format_html('{}<div class="small text-secondary">{}</div>', value.name or value.source_id, value.email)

    def render_amount(self, value):
        return money(value)

    def render_failure(self, value, record):
        # The sentence for the code (stacking.reasons); the stored message under it when the rule's own
        # error message says more than the code's.
        text = reason(record.failure_code)
        if not record.failure_message or record.failure_message == record.get_failure_code_display():
            return text
        return format_html('{}<div class="small text-secondary">{}</div>', text, record.failure_message)

    def render_channel(self, record):
        return format_html('{}<div class="small text-secondary">{}</div>', record.channel_type, record.channel_id)
