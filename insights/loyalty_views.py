"""A loyalty program's tabs in its campaign page: Loyalty cards (each member's card and points), a card's
page (its figures and ledger; Admins add or take points with a reason), Transactions (every points change,
exportable), Earning rules (a rule's page: Admins turn it on or off), Pending points (an entry's page:
Admins activate it now or cancel it, with a reason), Rewards catalog, Reward redemptions, Tiers, Points
expiration (exportable) and Participants (the customers holding the cards)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from dashboard.lists import DashboardListView
from loyalty import queries as loyalty_queries
from loyalty.filters import (
    BucketFilter,
    CardFilter,
    EarningRuleFilter,
    ParticipantFilter,
    PendingPointsFilter,
    PointsFilter,
    RewardAssignmentFilter,
)
from loyalty.forms import AdjustPointsForm, PendingDecisionForm
from loyalty.services import earning_rules, pending
from loyalty.services.figures import program_figures
from loyalty.services.points import change_balance
from loyalty.tables import (
    BucketTable,
    CardTable,
    EarningRuleTable,
    ParticipantTable,
    PendingPointsTable,
    PointsTable,
    RewardAssignmentTable,
    earns_text,
    event_text,
)
from redemptions.filters import RewardRedemptionFilter
from redemptions.queries import reward_redemptions
from redemptions.tables import RewardRedemptionTable
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.privacy import VIEW_CUSTOMER, can_see_customers

from .views import LOYALTY, CampaignListTabMixin, CampaignPageMixin

CHANGE_POINTS = "loyalty.change_loyaltycard"
CHANGE_RULES = "loyalty.change_earningrule"
DECIDE_PENDING = "loyalty.change_pendingpoints"


class CampaignLoyaltyCardsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_loyaltycard"
    types = LOYALTY
    title = "Loyalty cards"
    table_target = "loyalty-card-table"
    filterset_class = CardFilter
    table_class = CardTable
    noun = "cards"
    empty_text = "No members yet — each customer who joins the program gets a card, listed here with its points."
    empty_icon = "ticket-perforated-fill"

    def get_queryset(self):
        return loyalty_queries.program_cards(self.campaign)


class CampaignParticipantsView(CampaignListTabMixin, DashboardListView):
    """The customers holding the program's cards: personal data, so only for roles allowed to see customers."""

    permission_required = ("loyalty.view_loyaltycard", VIEW_CUSTOMER)
    types = LOYALTY
    title = "Participants"
    table_target = "participants-table"
    filterset_class = ParticipantFilter
    table_class = ParticipantTable
    noun = "participants"
    empty_text = "No participants yet — each customer who joins the program is listed here with their card."
    empty_icon = "people"

    def get_queryset(self):
        return loyalty_queries.program_participants(self.campaign)

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "tiers": loyalty_queries.tiers(self.campaign)}


class CampaignPointsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_pointstransaction"
    types = LOYALTY
    title = "Transactions"
    table_target = "points-table"
    filterset_class = PointsFilter
    table_class = PointsTable
    noun = "points changes"
    empty_text = "No points have moved yet — every point added, taken or transferred is listed here."
    list_actions = ("insights/_transactions_export.html",)

    def get_queryset(self):
        return loyalty_queries.program_transactions(self.campaign)


class LoyaltyCardView(CampaignPageMixin, TemplateView):
    """One card: its figures, its latest changes and, for Admins, the form that adds or takes points."""

    permission_required = "loyalty.view_loyaltycard"
    types = LOYALTY
    template_name = "insights/loyalty_card.html"
    title = "Loyalty card"

    def card(self):
        try:
            return loyalty_queries.find_card(self.kwargs["code"], campaign=self.campaign)
        except DomainError:
            raise Http404("No such card in this program") from None

    def get_context_data(self, form=None, **kwargs):
        card = self.card()
        user = self.request.user
        can_change = user.has_perm(CHANGE_POINTS)
        return super().get_context_data(
            card=card,
            holder=card.voucher.holder if can_see_customers(user) else None,
            held=card.voucher.holder_id is not None,
            changes=list(loyalty_queries.card_transactions(card)[:20]),
            form=(form or AdjustPointsForm()) if can_change else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_POINTS):
            raise PermissionDenied
        card = self.card()
        form = AdjustPointsForm(request.POST)
        if form.is_valid():
            try:
                change_balance(
                    caller=Caller.for_user(request.user),
                    member=card.voucher.code,
                    program=self.campaign.pk,
                    change=form.change(),
                )
            except DomainError as error:
                form.add_error("points", error.details or error.message)
            else:
                return redirect(request.path + "?changed=1")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CampaignEarningRulesView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_earningrule"
    types = LOYALTY
    title = "Earning rules"
    table_target = "earning-rule-table"
    filterset_class = EarningRuleFilter
    table_class = EarningRuleTable
    noun = "earning rules"
    empty_text = "No earning rules yet — members earn points by the rules created through the API, listed here."
    empty_icon = "signpost-split"

    def get_queryset(self):
        return loyalty_queries.earning_rules(self.campaign)


class EarningRuleView(CampaignPageMixin, TemplateView):
    """One earning rule in words; Admins turn it on or off."""

    permission_required = "loyalty.view_earningrule"
    types = LOYALTY
    template_name = "insights/earning_rule.html"
    title = "Earning rule"

    def rule(self):
        try:
            return loyalty_queries.find_earning_rule(self.campaign.pk, self.kwargs["rule_id"])
        except DomainError:
            raise Http404("No such earning rule in this program") from None

    def get_context_data(self, **kwargs):
        rule = self.rule()
        return super().get_context_data(
            rule=rule,
            earns=earns_text(rule),
            event=event_text(rule),
            can_change=self.request.user.has_perm(CHANGE_RULES),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_RULES):
            raise PermissionDenied
        rule = self.rule()
        earning_rules.set_active(
            caller=Caller.for_user(request.user), program=self.campaign.pk, rule_id=rule.pk, active=not rule.active
        )
        return redirect(request.path + "?changed=1")


class CampaignPendingPointsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_pendingpoints"
    types = LOYALTY
    title = "Pending points"
    table_target = "pending-points-table"
    filterset_class = PendingPointsFilter
    table_class = PendingPointsTable
    noun = "pending entries"
    noun_singular = "pending entry"
    empty_text = "No points are pending — points earned under a rule with a pending period wait here."
    empty_icon = "hourglass-split"
    list_actions = ("insights/_points_expiration_export.html",)

    def get_queryset(self):
        return loyalty_queries.program_pending(self.campaign)


class PendingPointsView(CampaignPageMixin, TemplateView):
    """One pending entry; Admins activate it now or cancel it, saying why."""

    permission_required = "loyalty.view_pendingpoints"
    types = LOYALTY
    template_name = "insights/pending_points.html"
    title = "Pending points"

    def entry(self):
        entry = loyalty_queries.program_pending(self.campaign).filter(pk=self.kwargs["pending_id"]).first()
        if entry is None:
            raise Http404("No such pending points in this program")
        return entry

    def get_context_data(self, form=None, **kwargs):
        can_decide = self.request.user.has_perm(DECIDE_PENDING)
        return super().get_context_data(
            entry=self.entry(), form=(form or PendingDecisionForm()) if can_decide else None, **kwargs
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(DECIDE_PENDING):
            raise PermissionDenied
        entry = self.entry()
        form = PendingDecisionForm(request.POST)
        if form.is_valid():
            ref = pending.PendingRef(entry.card.voucher.code, entry.pk, program=self.campaign.pk)
            decide = pending.activate if form.cleaned_data["decision"] == "activate" else pending.cancel
            decide(ref, caller=Caller.for_user(request.user), reason=form.cleaned_data["reason"])
            done = "activated: they are in the card's balance" if decide is pending.activate else "canceled"
            messages.success(request, f"{entry.points:,} pending points of card {entry.card.voucher.code} {done}.")
            return redirect(reverse("campaigns:pending_points_list", args=[self.campaign.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CampaignRewardsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_rewardassignment"
    types = LOYALTY
    title = "Rewards catalog"
    table_target = "reward-table"
    filterset_class = RewardAssignmentFilter
    table_class = RewardAssignmentTable
    noun = "rewards"
    empty_text = "No rewards offered yet — the rewards this program offers, with their cost in points, are listed here."
    empty_icon = "receipt"

    def get_queryset(self):
        return loyalty_queries.reward_assignments().filter(campaign=self.campaign)


class CampaignRewardRedemptionsView(CampaignListTabMixin, DashboardListView):
    permission_required = "redemptions.view_redemption"
    types = LOYALTY
    title = "Reward redemptions"
    table_target = "reward-redemption-table"
    filterset_class = RewardRedemptionFilter
    table_class = RewardRedemptionTable
    noun = "reward redemptions"
    empty_text = "No rewards redeemed yet — every reward a member's points paid for is listed here."
    empty_icon = "receipt"

    def get_queryset(self):
        return reward_redemptions(self.campaign)


class CampaignLoyaltyTiersView(CampaignPageMixin, TemplateView):
    """The program's tiers: each range of points, how many members are in it now, and what it changes."""

    permission_required = "loyalty.view_loyaltytier"
    types = LOYALTY
    template_name = "insights/loyalty_tiers.html"
    title = "Tiers"

    def get_context_data(self, **kwargs):
        figures = program_figures(self.campaign)
        rows = [
            {"tier": tier, "members": figures.members_in(self.campaign, tier)}
            for tier in loyalty_queries.tiers(self.campaign)
        ]
        return super().get_context_data(rows=rows, as_of=figures.as_of, **kwargs)


class CampaignPointsExpirationView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_pointsbucket"
    types = LOYALTY
    title = "Points expiration"
    table_target = "points-expiration-table"
    filterset_class = BucketFilter
    table_class = BucketTable
    noun = "expiring amounts"
    default_sort = "expires_at"
    empty_text = (
        "No points are due to expire — where the program's points expire, each addition is listed here until then."
    )
    empty_icon = "hourglass-split"
    list_actions = ("insights/_points_expiration_export.html",)

    def get_queryset(self):
        return loyalty_queries.program_buckets(self.campaign)
