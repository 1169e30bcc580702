"""The home page, and the Campaigns section: the list, the calendar, and a dashboard per campaign with its
tabs.

Pages follow every dashboard section (dashboard.lists): a direct load renders the whole page, a tab click
swaps only ``#section-body`` (HTMX, URL pushed), a filter/sort/page change only the table. Figures come from
insights.queries; nothing here counts rows by itself.
"""

import json
from functools import cached_property

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import TemplateView

from campaigns.models import CampaignType
from campaigns.queries import campaign_with_status, generation_progress
from dashboard.lists import DashboardListView, SectionPageMixin
from voucherhub import queries as core_queries

from . import queries
from .filters import CampaignFilter, EventFilter, TransactionFilter, VoucherFilter
from .tables import CampaignTable, EventTable, TransactionTable, VoucherTable, status_badge


def home(request):
    """Where a person lands after login: what they can reach, and whether the worker is alive."""
    return render(
        request,
        "insights/home.html",
        {"stats": queries.home_stats(request.user), "heartbeat": core_queries.worker_heartbeat()},
    )


class CampaignsSectionMixin(SectionPageMixin):
    section = "Campaigns"
    permission_required = "campaigns.view_campaign"


class CampaignListView(CampaignsSectionMixin, DashboardListView):
    title = "Campaigns"
    table_target = "campaign-table"
    noun = "campaigns"
    filter_label = "Filter campaigns"
    filterset_class = CampaignFilter
    table_class = CampaignTable
    default_sort = "name"
    empty_text = "No campaigns yet — create one through the API (POST /v1/campaigns)."
    empty_icon = "megaphone"

    def get_queryset(self):
        return queries.campaign_list()


class CampaignCalendarView(CampaignsSectionMixin, TemplateView):
    template_name = "insights/calendar.html"
    title = "Calendar"

    def get_context_data(self, **kwargs):
        return super().get_context_data(calendar=queries.calendar(), **kwargs)


# --- a campaign's dashboard and tabs ---------------------------------------------------------------------

# (label, url name, permission, campaign types that have the tab; None = every type)
CAMPAIGN_TABS = [
    ("Overview", "campaigns:detail", "campaigns.view_campaign", None),
    (
        "Vouchers",
        "campaigns:vouchers",
        "campaigns.view_voucher",
        {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS},
    ),
    ("Tiers", "campaigns:tiers", "campaigns.view_promotiontier", {CampaignType.PROMOTION}),
    ("Rules", "campaigns:rules", "campaigns.view_validationrule", None),
    ("Transactions", "campaigns:transactions", "campaigns.view_vouchertransaction", {CampaignType.GIFT_VOUCHERS}),
    ("Metadata", "campaigns:metadata", "campaigns.view_campaign", None),
    ("Activity", "campaigns:activity", "auditlog.view_event", None),
]


class CampaignPageMixin(CampaignsSectionMixin):
    """A tab of one campaign's page. Permission first (403), then the campaign (404)."""

    types: set[str] | None = None  # campaign types that have this tab

    @cached_property
    def campaign(self):
        campaign = campaign_with_status(self.kwargs["campaign_id"])
        if campaign is None or (self.types is not None and campaign.campaign_type not in self.types):
            raise Http404("No such campaign tab")
        return campaign

    def campaign_tabs(self) -> list[dict]:
        user = self.request.user
        tabs = [
            {"label": label, "url": reverse(name, args=[self.campaign.pk])}
            for label, name, perm, types in CAMPAIGN_TABS
            if user.has_perm(perm) and (types is None or self.campaign.campaign_type in types)
        ]
        if user.has_perm("redemptions.view_redemption"):
            # The Redemptions tab is the Redemptions list, pre-filtered (redemptions.filters: ?campaign=<id>).
            tabs.insert(
                -2,
                {
                    "label": "Redemptions",
                    "url": f"{reverse('redemptions:list')}?campaign={self.campaign.pk}",
                    "external": True,
                },
            )
        return tabs

    def page_title(self) -> str:
        return f"{self.title} · {self.campaign.name} · {self.section}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            campaign=self.campaign,
            campaign_status=status_badge(self.campaign.status),
            campaign_tabs=self.campaign_tabs(),
            generation=generation_progress(self.campaign),
        )
        return context


class CampaignListTabMixin(CampaignPageMixin):
    """A tab that is a filterable list (DashboardListView) of one campaign's rows, in the campaign's page."""

    layout = "insights/_page.html"
    noun = "rows"

    @property
    def filter_label(self) -> str:
        return f"Filter {self.noun}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tabs_template="insights/_tabs.html", **kwargs)


class CampaignDetailView(CampaignPageMixin, TemplateView):
    template_name = "insights/detail.html"
    title = "Overview"

    def get_context_data(self, **kwargs):
        days = queries.period_days(self.request.GET.get("days"))
        summary = queries.campaign_summary(self.campaign, days=days)
        return super().get_context_data(
            summary=summary,
            periods=queries.PERIODS,
            activity_chart=line_chart(
                summary.series,
                [
                    ("validations", "Validations", "#6f42c1"),
                    ("redemptions_succeeded", "Redemptions", "#198754"),
                    ("redemptions_failed", "Failed redemptions", "#dc3545"),
                    ("rollbacks", "Rolled back (by day redeemed)", "#fd7e14"),
                ],
            ),
            vouchers_chart=line_chart(summary.series, [("vouchers_created", "Vouchers created", "#0d6efd")]),
            **kwargs,
        )


class CampaignVouchersView(CampaignListTabMixin, DashboardListView):
    permission_required = "campaigns.view_voucher"
    types = {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS}
    title = "Vouchers"
    table_target = "voucher-table"
    filterset_class = VoucherFilter
    table_class = VoucherTable
    noun = "vouchers"
    empty_text = "This campaign has no vouchers yet."
    empty_icon = "ticket-perforated-fill"

    def get_queryset(self):
        return queries.campaign_vouchers(self.campaign)

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "gift": self.campaign.campaign_type == CampaignType.GIFT_VOUCHERS}


class CampaignTransactionsView(CampaignListTabMixin, DashboardListView):
    permission_required = "campaigns.view_vouchertransaction"
    types = {CampaignType.GIFT_VOUCHERS}
    title = "Transactions"
    table_target = "transaction-table"
    filterset_class = TransactionFilter
    table_class = TransactionTable
    noun = "balance changes"
    empty_text = "No balance changes yet — they appear as cards are created, redeemed and rolled back."

    def get_queryset(self):
        return queries.campaign_transactions(self.campaign)

    list_actions = ("insights/_transactions_export.html",)


class CampaignActivityView(CampaignListTabMixin, DashboardListView):
    permission_required = "auditlog.view_event"
    title = "Activity"
    table_target = "event-table"
    filterset_class = EventFilter
    table_class = EventTable
    default_sort = "-occurred_at"
    noun = "events"
    empty_text = "No events for this campaign yet — changes and redemptions are recorded here."

    def get_queryset(self):
        return queries.campaign_events(self.campaign)


class CampaignRulesView(CampaignPageMixin, TemplateView):
    permission_required = "campaigns.view_validationrule"
    template_name = "insights/rules.html"
    title = "Rules"

    def get_context_data(self, **kwargs):
        assignments = queries.campaign_rules(self.campaign)
        for assignment in assignments:
            assignment.rules_json = pretty(assignment.rule.rules)
        return super().get_context_data(assignments=assignments, **kwargs)


class CampaignTiersView(CampaignPageMixin, TemplateView):
    permission_required = "campaigns.view_promotiontier"
    types = {CampaignType.PROMOTION}
    template_name = "insights/tiers.html"
    title = "Tiers"

    def get_context_data(self, **kwargs):
        tiers = list(self.campaign.tiers.select_related("category").order_by("position"))
        return super().get_context_data(tiers=tiers, **kwargs)


class CampaignMetadataView(CampaignPageMixin, TemplateView):
    template_name = "insights/metadata.html"
    title = "Metadata"

    def get_context_data(self, **kwargs):
        metadata = self.campaign.metadata if isinstance(self.campaign.metadata, dict) else {}
        items = [
            (key, pretty(value) if isinstance(value, dict | list) else value) for key, value in sorted(metadata.items())
        ]
        return super().get_context_data(metadata_items=items, metadata_json=pretty(metadata), **kwargs)


def pretty(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


# --- charts ----------------------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 200, 28
MARKER_MAX_POINTS = 60  # above this many days the markers merge into a band: the line alone is drawn


def line_chart(points: list[queries.DayPoint], series: list[tuple[str, str, str]]) -> dict:
    """An SVG line chart of daily figures, drawn on the server: geometry here, markup in
    insights/_chart.html. Every point keeps its day and value (data-* attributes and a JSON block), so
    the figures are readable by a test or a screen reader, not only as pixels."""
    top = max([getattr(p, key) for p in points for key, _, _ in series] + [1])
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)
    drawn = []
    for key, label, colour in series:
        dots = [
            {
                "x": round(CHART_PAD + i * step, 1),
                "y": round(CHART_PAD + inner_h - getattr(p, key) * inner_h / top, 1),
                "day": p.day.isoformat(),
                "value": getattr(p, key),
            }
            for i, p in enumerate(points)
        ]
        drawn.append(
            {
                "key": key,
                "label": label,
                "colour": colour,
                "dots": dots,
                "path": " ".join(f"{d['x']},{d['y']}" for d in dots),
                "total": sum(d["value"] for d in dots),
            }
        )
    ticks = [points[0], points[len(points) // 2], points[-1]] if points else []
    empty = all(line["total"] == 0 for line in drawn)
    # Light gridlines with their values: 0 (the baseline), the middle and the top. A chart with nothing
    # to show says so instead of a flat line under a made-up maximum of 1.
    grid = [] if empty else [{"y": CHART_PAD + inner_h, "label": 0}, {"y": CHART_PAD, "label": top}]
    if not empty and top >= 2:
        grid.insert(1, {"y": round(CHART_PAD + inner_h - (top // 2) * inner_h / top, 1), "label": top // 2})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "middle": CHART_HEIGHT // 2,
        "top": top,
        "grid": grid,
        "empty": empty,
        # The points stay in the DOM either way (data-* attributes, hover titles); above
        # MARKER_MAX_POINTS they are not painted.
        "markers": len(points) <= MARKER_MAX_POINTS,
        "series": drawn,
        "ticks": [
            {"x": round(CHART_PAD + points.index(p) * step, 1), "label": p.day.strftime("%b %-d")} for p in ticks
        ],
        "data": {
            "days": [p.day.isoformat() for p in points],
            **{key: [getattr(p, key) for p in points] for key, _, _ in series},
        },
    }
