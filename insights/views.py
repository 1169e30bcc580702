"""The home page, and the Campaigns section: the list, the calendar, and a dashboard per campaign with its
tabs.

Pages follow every dashboard section (dashboard.lists): a direct load renders the whole page, a tab click
swaps only ``#section-body`` (HTMX, URL pushed), a filter/sort/page change only the table. Figures come from
insights.queries; nothing here counts rows by itself.
"""

import json
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.views.generic import TemplateView

from campaigns.models import CampaignType
from campaigns.queries import campaign_transaction_rows, campaign_with_status, generation_progress
from campaigns.queries.stacks import stack_list
from dashboard import formatting
from dashboard.components import metadata_rows
from dashboard.forms import refused_status
from dashboard.lists import DashboardListView, SectionPageMixin
from loyalty.services.expiration import program_rules
from loyalty.services.figures import program_figures
from loyalty.tables import expiration_text
from outbound.forms import DistributionForm, distribution_form
from outbound.queries import distribution_figures
from outbound.services.distributions import set_distribution
from redemptions import queries as redemption_queries
from redemptions.filters import RedemptionFilter
from redemptions.tables import RedemptionTable, hidden_columns
from voucherhub import queries as core_queries
from voucherhub.caller import Caller
from voucherhub.privacy import VIEW_CUSTOMER

from . import calendar, charts, queries
from .analytics import campaign_analytics
from .filters import CampaignFilter, EventFilter, PublicationFilter, TransactionFilter, VoucherFilter
from .referral_figures import referral_overview
from .rule_sentences import describe, segment_ids
from .tables import CampaignTable, EventTable, PublicationTable, TransactionTable, VoucherTable, status_badge


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
    empty_text = "No campaigns yet — they appear here as soon as your shop's systems create them."
    empty_icon = "megaphone"

    def get_queryset(self):
        return queries.campaign_list()


class CampaignCalendarView(CampaignsSectionMixin, TemplateView):
    template_name = "insights/calendar.html"
    title = "Calendar"

    def get_context_data(self, **kwargs):
        tz = timezone.get_current_timezone()
        at = calendar.window(self.request.GET, tz=tz)
        return super().get_context_data(calendar=calendar.calendar(at, tz=tz), **kwargs)


# --- a campaign's dashboard and tabs ---------------------------------------------------------------------

# (label, url name, permission, campaign types that have the tab; None = every type)
REFERRAL_TYPES = (CampaignType.REFERRAL_PROGRAM,)
CAMPAIGN_TABS = [
    ("Overview", "campaigns:detail", "campaigns.view_campaign", None),
    (
        "Vouchers",
        "campaigns:vouchers",
        "campaigns.view_voucher",
        {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS},
    ),
    ("Rewards", "campaigns:referral_rewards", "referrals.view_referraltier", {CampaignType.REFERRAL_PROGRAM}),
    ("Referral codes", "campaigns:vouchers", "campaigns.view_voucher", {CampaignType.REFERRAL_PROGRAM}),
    ("Loyalty cards", "campaigns:loyalty_cards", "loyalty.view_loyaltycard", {CampaignType.LOYALTY_PROGRAM}),
    ("Participants", "campaigns:participants", VIEW_CUSTOMER, {CampaignType.LOYALTY_PROGRAM}),
    ("Transactions", "campaigns:points", "loyalty.view_pointstransaction", {CampaignType.LOYALTY_PROGRAM}),
    ("Tiers", "campaigns:loyalty_tiers", "loyalty.view_loyaltytier", {CampaignType.LOYALTY_PROGRAM}),
    ("Earning rules", "campaigns:earning_rules", "loyalty.view_earningrule", {CampaignType.LOYALTY_PROGRAM}),
    ("Points expiration", "campaigns:points_expiration", "loyalty.view_pointsbucket", {CampaignType.LOYALTY_PROGRAM}),
    ("Pending points", "campaigns:pending_points_list", "loyalty.view_pendingpoints", {CampaignType.LOYALTY_PROGRAM}),
    ("Rewards catalog", "campaigns:rewards", "loyalty.view_rewardassignment", {CampaignType.LOYALTY_PROGRAM}),
    (
        "Reward redemptions",
        "campaigns:reward_redemptions",
        "redemptions.view_redemption",
        {CampaignType.LOYALTY_PROGRAM},
    ),
    (
        "Publications",
        "campaigns:publications",
        "campaigns.view_publication",
        {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS, CampaignType.LOYALTY_PROGRAM},
    ),
    # A referral program's codes given to its referrers: the seed's Distributions tab.
    ("Distributions", "campaigns:publications", "campaigns.view_publication", {CampaignType.REFERRAL_PROGRAM}),
    ("Referrers", "campaigns:referrers", VIEW_CUSTOMER, {CampaignType.REFERRAL_PROGRAM}),
    ("Referees", "campaigns:referees", VIEW_CUSTOMER, {CampaignType.REFERRAL_PROGRAM}),
    (
        "Reward redemptions",
        "campaigns:referral_reward_redemptions",
        "referrals.view_referralreward",
        {CampaignType.REFERRAL_PROGRAM},
    ),
    ("Tiers", "campaigns:tiers", "campaigns.view_promotiontier", {CampaignType.PROMOTION}),
    ("Rules", "campaigns:rules", "campaigns.view_validationrule", None),
    ("Transactions", "campaigns:transactions", "campaigns.view_vouchertransaction", {CampaignType.GIFT_VOUCHERS}),
    # The Redemptions section's list inside the campaign's page: its filters, table and paging.
    ("Redemptions", "campaigns:redemptions", "redemptions.view_redemption", None),
    ("Analytics", "campaigns:analytics", "redemptions.view_redemption", None),
    ("Metadata", "campaigns:metadata", "campaigns.view_campaign", None),
    ("Activity", "campaigns:activity", "auditlog.view_event", None),
]


LOYALTY = {CampaignType.LOYALTY_PROGRAM}
# What a campaign's redemptions give, in the Analytics tab's words (the chart, each top voucher's note).
VALUE_WORDS = {
    CampaignType.GIFT_VOUCHERS: ("Gift credits spent", "in gift credits"),
    CampaignType.LOYALTY_PROGRAM: ("Paid with points", "paid with points"),
}
REFERRAL = {CampaignType.REFERRAL_PROGRAM}


class CampaignPageMixin(CampaignsSectionMixin):
    """A tab of one campaign's page. Permission first (403), then the campaign (404)."""

    types: set[str] | None = None  # campaign types that have this tab

    def get_permission_required(self):
        """Every tab needs the campaign view permission as well as its own."""
        return tuple(dict.fromkeys(("campaigns.view_campaign", *super().get_permission_required())))

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
        return tabs

    def page_title(self) -> str:
        return f"{self.title} · {self.campaign.name} · {self.section}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            campaign=self.campaign,
            campaign_status=status_badge(self.campaign.status),
            object_tabs=self.campaign_tabs(),
            object_tabs_label="Campaign tabs",
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
        return super().get_context_data(tabs_template="dashboard/object_tabs.html", **kwargs)


class CampaignDetailView(CampaignPageMixin, TemplateView):
    template_name = "insights/detail.html"
    title = "Overview"

    def get_context_data(self, **kwargs):
        days = queries.period_days(self.request.GET.get("days"))
        summary = queries.campaign_summary(self.campaign, days=days, tz=timezone.get_current_timezone())
        series = [
            ("validations", "Validations", "#6f42c1"),
            ("redemptions_succeeded", "Redemptions", "#198754"),
            ("redemptions_failed", "Failed redemptions", "#dc3545"),
            ("rollbacks", "Rolled back (by day redeemed)", "#fd7e14"),
        ]
        if not summary.is_promotion:
            series.append(("publications", "Publications", "#0dcaf0"))
        user = self.request.user
        is_program = self.campaign.campaign_type == CampaignType.LOYALTY_PROGRAM
        created_label = "Cards created" if is_program else "Vouchers created"  # a program's vouchers are cards
        return super().get_context_data(
            summary=summary,
            periods=queries.PERIODS,
            activity_chart=self.chart(summary, series),
            activity_chart_label=get_text_list([label for _, label, _ in series], "and"),
            vouchers_chart=self.chart(summary, [("vouchers_created", created_label, "#0d6efd")]),
            vouchers_chart_label=created_label,
            unpublished=summary.vouchers_total - summary.vouchers_published,
            publications_label=f"Publications · last {summary.period_days} days",
            publications_url=reverse("campaigns:publications", args=[self.campaign.pk])
            if user.has_perm("campaigns.view_publication")
            else "",
            figures=program_figures(self.campaign) if is_program else None,
            points_expire=expiration_text(program_rules(self.campaign)) if is_program else "",
            referral=referral_overview(self.campaign, summary, user)
            if self.campaign.campaign_type == CampaignType.REFERRAL_PROGRAM
            else None,
            **kwargs,
        )

    @staticmethod
    def chart(summary: queries.Summary, series: list[tuple[str, str, str]]) -> dict:
        """A line chart of the summary's daily series, in the period's bucket (charts.bucket_for)."""
        keys = [key for key, _, _ in series]
        points = charts.bucketed(summary.series, keys, summary.period_start, summary.period_end)
        return charts.line_chart(points, series, charts.bucket_for(summary.period_days))


class CampaignVouchersView(CampaignListTabMixin, DashboardListView):
    permission_required = "campaigns.view_voucher"
    types = {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS, CampaignType.REFERRAL_PROGRAM}

    @property
    def title(self) -> str:
        return "Referral codes" if self.campaign.campaign_type == CampaignType.REFERRAL_PROGRAM else "Vouchers"

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


class CampaignPublicationsView(CampaignListTabMixin, DashboardListView):
    """Codes given to customers (POST /v1/publications), newest first; a failure says no code was left."""

    permission_required = "campaigns.view_publication"
    types = {CampaignType.DISCOUNT_COUPONS, CampaignType.GIFT_VOUCHERS, CampaignType.LOYALTY_PROGRAM, *REFERRAL_TYPES}

    @property
    def title(self) -> str:
        return "Distributions" if self.campaign.campaign_type == CampaignType.REFERRAL_PROGRAM else "Publications"

    table_target = "publication-table"
    filterset_class = PublicationFilter
    table_class = PublicationTable
    noun = "publications"
    empty_text = "No publications yet — codes given to customers through the API's publications show here."
    empty_icon = "ticket-perforated-fill"

    list_actions = ("outbound/_distribution.html",)

    def get_queryset(self):
        return queries.campaign_publications(self.campaign)

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    bound_distribution_form = None

    def post(self, request, *args, **kwargs):
        """Save the campaign's e-mail distribution (Admins); a refused form comes back with its errors."""
        if not request.user.has_perm("outbound.change_distribution"):
            raise PermissionDenied
        form = DistributionForm(request.POST)
        if not form.is_valid():
            self.bound_distribution_form = form
            response = self.get(request, *args, **kwargs)
            response.status_code = refused_status(request)
            return response
        data = form.cleaned_data
        set_distribution(self.campaign, subject=data["subject"], body=data["body"], active=data["active"],
                         caller=Caller.for_user(request.user))  # fmt: skip
        messages.success(request, "E-mail saved: it goes out with each code published from now on.")
        return redirect("campaigns:publications", self.campaign.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.swapped_partial() in ("", "section_body"):  # the e-mail panel is not part of a table swap
            user = self.request.user
            form = self.bound_distribution_form or distribution_form(self.campaign)
            context.update(
                distribution_figures(self.campaign.pk),
                distribution_form=form if user.has_perm("outbound.change_distribution") else None,
                sees_customers=user.has_perm("campaigns.view_customer"),
            )
        return context


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
        return campaign_transaction_rows(self.campaign)

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


class CampaignRedemptionsView(CampaignListTabMixin, DashboardListView):
    """The campaign's redemptions with the Redemptions section's filter panel, table, sorting and paging
    (redemptions.filters, redemptions.tables), inside the campaign's page: the campaign is fixed by the URL,
    so it is no filter here."""

    permission_required = "redemptions.view_redemption"
    title = "Redemptions"
    table_target = "redemptions-table"
    noun = "redemptions"
    filterset_class = RedemptionFilter
    table_class = RedemptionTable
    filter_label = "Redemption filters"
    list_actions = ("insights/_redemptions_export.html",)
    empty_text = "No redemptions of this campaign yet."
    empty_icon = "receipt"

    def get_queryset(self):
        return redemption_queries.dashboard_redemptions().filter(campaign_id=self.campaign.pk)

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        del filterset.filters["campaign"]
        filterset.form.fields.pop("campaign", None)
        return filterset

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_table_kwargs(self):
        # The same columns as the Redemptions tab: a row re-rendered after a Rollback (redemptions.views)
        # has them all.
        return {"exclude": hidden_columns(self.request.user), "viewer": self.request}


class CampaignAnalyticsView(CampaignPageMixin, TemplateView):
    """The campaign's redemptions of a period as charts: by result, failure code and channel, its top
    vouchers (or tiers), and what they gave over time (insights.analytics: aggregates on one index range)."""

    permission_required = "redemptions.view_redemption"
    template_name = "insights/analytics.html"
    title = "Analytics"

    def get_context_data(self, **kwargs):
        data = campaign_analytics(
            self.campaign, days=queries.period_days(self.request.GET.get("days")), tz=timezone.get_current_timezone()
        )
        # A gift card gives credits, not discounts; a loyalty program's cards pay with points.
        value_label, noun = VALUE_WORDS.get(self.campaign.campaign_type, ("Discounts given", "discounts"))
        points = charts.bucketed(data.values_by_day, ["value"], data.period_start, data.period_end)
        bucket = charts.bucket_for(data.period_days)
        # What each top voucher gave; none where it gave nothing (a loyalty card's rewards are paid in points).
        given = {key: f"{formatting.money(value)} {noun}" for key, value in data.top_values.items() if value}
        return super().get_context_data(
            analytics=data,
            periods=queries.PERIODS,
            value_label=value_label,
            result_chart=charts.bar_chart(data.by_result),
            failure_chart=charts.bar_chart(data.by_failure),
            channel_chart=charts.bar_chart(data.by_channel),
            top_chart=charts.bar_chart(data.top, notes=given),
            value_chart=charts.line_chart(points, [("value", value_label, "#198754")], bucket, is_money=True),
            **kwargs,
        )


class CampaignRulesView(CampaignPageMixin, TemplateView):
    permission_required = "campaigns.view_validationrule"
    template_name = "insights/rules.html"
    title = "Rules"

    def get_context_data(self, **kwargs):
        assignments = queries.campaign_rules(self.campaign)
        names = queries.segment_names(set().union(*(segment_ids(a.rule.rules) for a in assignments)))
        for assignment in assignments:
            assignment.sentences = describe(assignment.rule.rules, names)
            assignment.rules_json = pretty(assignment.rule.rules)
        return super().get_context_data(assignments=assignments, **kwargs)


class CampaignTiersView(CampaignPageMixin, TemplateView):
    permission_required = "campaigns.view_promotiontier"
    types = {CampaignType.PROMOTION}
    template_name = "insights/tiers.html"
    title = "Tiers"

    def get_context_data(self, **kwargs):
        tiers = list(self.campaign.tiers.select_related("category").order_by("position"))
        by_id = {tier.pk: tier for tier in tiers}
        stacks = list(stack_list(campaign_id=self.campaign.pk))
        for stack in stacks:
            stack.ordered_tiers = [by_id[member.tier_id] for member in stack.members.all() if member.tier_id in by_id]
        return super().get_context_data(tiers=tiers, stacks=stacks, **kwargs)


class CampaignMetadataView(CampaignPageMixin, TemplateView):
    template_name = "insights/metadata.html"
    title = "Metadata"

    def get_context_data(self, **kwargs):
        return super().get_context_data(metadata_items=metadata_rows(self.campaign.metadata), **kwargs)


def pretty(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
