"""The Validations tab's table and filter panel."""

import django_filters
import django_tables2 as tables
from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from campaigns.queries import tiers_by_id
from dashboard.components import menu_copy, menu_link, row_menu, truncated
from dashboard.filters import FilterPanelMixin, LabelledErrorsMixin, bootstrap_widgets
from dashboard.formatting import EMPTY, money, when
from sessions.filters import customer_hint, drop_customer_filter, filter_by_customer

from . import queries
from .models import Validation
from .tables import redeemable_tier


def _sort(*fields: str) -> tuple[str, ...]:
    """Each sort ends with created_at and id, in one direction: the list pages by keyset (dashboard.keyset)."""
    return (*fields, "created_at", "id")


SHOWN = 5  # codes shown in a row; the rest are counted ("+3 more")


def _records(redeemables) -> list[dict]:
    return [r for r in redeemables if isinstance(r, dict)] if isinstance(redeemables, list) else []


def _is_tier(record: dict) -> bool:
    return record.get("object") == "promotion_tier" and bool(record.get("id"))


class ValidationTable(tables.Table):
    created_at = tables.Column(
        verbose_name="Date",
        linkify=("redemptions:validation_detail", {"pk": tables.A("pk")}),
        order_by=_sort(),
    )
    customer = tables.Column(verbose_name="Customer", orderable=False, empty_values=())
    # May be empty (NULL), which a keyset cannot seek past: not sortable.
    order_amount = tables.Column(verbose_name="Order amount", attrs={"td": {"class": "text-end"}}, orderable=False)
    session_key = tables.Column(verbose_name="Session", empty_values=(), order_by=_sort("session_key"))
    valid = tables.Column(verbose_name="Valid", order_by=_sort("valid"))
    # What was checked, from the validation's stored redeemables (redemptions.records).
    codes = tables.Column(verbose_name="Codes", accessor="redeemables", orderable=False, empty_values=())
    campaigns = tables.Column(verbose_name="Campaigns", accessor="redeemables", orderable=False, empty_values=())
    applicable_count = tables.Column(verbose_name="Applicable", order_by=_sort("applicable_count"))
    inapplicable_count = tables.Column(verbose_name="Inapplicable", order_by=_sort("inapplicable_count"))
    skipped_count = tables.Column(verbose_name="Skipped", order_by=_sort("skipped_count"))
    actions = tables.Column(
        verbose_name="", orderable=False, empty_values=(), attrs={"td": {"class": "text-end vh-col-actions"}}
    )

    class Meta:
        model = Validation
        fields = (
            "created_at",
            "customer",
            "order_amount",
            "session_key",
            "valid",
            "codes",
            "campaigns",
            "applicable_count",
            "inapplicable_count",
            "skipped_count",
            "actions",
        )
        attrs = {"class": "table table-hover align-middle mb-0 vh-table"}  # compact, as every list
        order_by = ("-created_at",)
        template_name = "dashboard/keyset_table.html"

    def __init__(self, *args, user=None, **kwargs):
        self.can_see_customers = bool(user and user.has_perm("redemptions.view_customer"))
        if not self.can_see_customers:  # customer data is for Admins only
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "customer")
        super().__init__(*args, **kwargs)
        self._campaign_names: dict[str, str] | None = None
        self._tiers: dict | None = None
        self.link_tiers = bool(user and user.has_perm("campaigns.view_promotiontier"))

    def campaign_names(self) -> dict[str, str]:
        """The names of the campaigns of this page's rows, read once for the page."""
        if self._campaign_names is None:
            rows = self.page.object_list if hasattr(self, "page") else self.rows
            ids = {r.get("campaign_id") for row in rows for r in _records(row.record.redeemables)}
            self._campaign_names = queries.campaign_names(ids)
        return self._campaign_names

    def tiers(self) -> dict:
        """The tiers this page's rows checked (their names and campaigns), read once for the page."""
        if self._tiers is None:
            rows = self.page.object_list if hasattr(self, "page") else self.rows
            ids = {r.get("id") for row in rows for r in _records(row.record.redeemables) if _is_tier(r)}
            self._tiers = tiers_by_id(ids)
        return self._tiers

    def _code(self, record: dict) -> str:
        """A voucher's code, or a tier by its name as the Redemptions list shows it (its id in the title)."""
        tier = self.tiers().get(str(record["id"])) if _is_tier(record) else None
        if tier is None:
            return format_html('<code class="text-nowrap">{}</code>', record["id"])
        return format_html(
            '<span class="text-nowrap" title="{}">{}</span>', tier.pk, redeemable_tier(tier, link=self.link_tiers)
        )

    def render_codes(self, value):
        records = list({str(r["id"]): r for r in _records(value) if r.get("id")}.values())  # each id once
        if not records:
            return EMPTY
        # A code never breaks (at its hyphen or anywhere): the line breaks between codes.
        shown = format_html_join(", ", "{}", ((self._code(r),) for r in records[:SHOWN]))
        more = len(records) - SHOWN
        return format_html('{} <span class="text-secondary">+{} more</span>', shown, more) if more > 0 else shown

    def render_campaigns(self, value):
        names = self.campaign_names()
        ids = list(dict.fromkeys(str(r["campaign_id"]) for r in _records(value) if r.get("campaign_id")))
        shown = [names.get(i, i) for i in ids]
        return ", ".join(shown) if shown else EMPTY

    def render_created_at(self, value):
        return when(value)

    def render_customer(self, record):
        customer = record.customer
        if customer is None:
            return EMPTY
        return format_html('<span title="{}">{}</span>', customer.email, truncated(customer.name or customer.source_id))

    def render_order_amount(self, value):
        return money(value)

    def render_session_key(self, value):
        return format_html("<code>{}</code>", truncated(value)) if value else EMPTY

    def render_actions(self, record):
        """The row's menu: Open and Copy id (a validation has no action to take)."""
        url = reverse("redemptions:validation_detail", kwargs={"pk": record.pk})
        return row_menu(record.pk, [menu_link("Open", url), menu_copy(record.pk)])

    def render_valid(self, value):
        if value:
            return mark_safe('<span class="badge text-bg-success">Valid</span>')
        return mark_safe('<span class="badge text-bg-danger">Invalid</span>')


class ValidationFilter(FilterPanelMixin, LabelledErrorsMixin, django_filters.FilterSet):
    panel_groups = [
        ("valid", "Valid", ["valid"]),
        ("session_key", "Session key", ["session_key"]),
        ("customer", "Customer", ["customer"]),
        ("date", "Date range", ["date_from", "date_to"]),
    ]
    valid = django_filters.BooleanFilter(
        widget=forms.Select(choices=[("", "Valid or not"), ("true", "Valid"), ("false", "Invalid")])
    )
    session_key = django_filters.CharFilter(label="Session key", max_length=200)
    customer = django_filters.CharFilter(label="Customer", method="filter_customer", max_length=200)
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Date from",  # a date picker, as every DateInput through bootstrap_widgets
    )
    date_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Date to",
    )

    class Meta:
        model = Validation
        fields = ["valid", "session_key", "customer", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.can_see_customers = bool(user and user.has_perm("redemptions.view_customer"))
        if not self.can_see_customers:
            drop_customer_filter(self)
        bootstrap_widgets(self.form)
        if self.can_see_customers:
            customer_hint(self.form.fields["customer"])

    def filter_customer(self, queryset, name, value):
        return filter_by_customer(queryset, value)
