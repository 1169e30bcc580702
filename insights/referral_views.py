"""A referral program's tabs in its campaign page: Rewards (the workflow: what converts a referral, the
referee's reward, and the referrers' reward tiers, which Admins add and remove), Referrers (each with their
count) and Referees (each conversion). Both lists show customers: they need the permission to see them."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import TemplateView

from dashboard.lists import DashboardListView
from referrals import queries as referral_queries
from referrals.filters import RefereeFilter, ReferralRewardFilter, ReferrerFilter
from referrals.forms import TierForm
from referrals.services import tiers as tier_services
from referrals.tables import RefereeTable, ReferralRewardTable, ReferrerTable
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.privacy import VIEW_CUSTOMER

from .views import REFERRAL, CampaignListTabMixin, CampaignPageMixin

ADD_TIER = "referrals.add_referraltier"
DELETE_TIER = "referrals.delete_referraltier"


class CampaignReferrersView(CampaignListTabMixin, DashboardListView):
    permission_required = ("referrals.view_referrer", VIEW_CUSTOMER)
    types = REFERRAL
    title = "Referrers"
    table_target = "referrers-table"
    filterset_class = ReferrerFilter
    table_class = ReferrerTable
    noun = "referrers"
    default_sort = "-referrals"
    empty_text = "No referrals yet — each customer whose code brought someone in is listed here with their count."
    empty_icon = "people"
    list_actions = ("insights/_referrers_export.html",)

    def get_queryset(self):
        return referral_queries.program_referrers(self.campaign)


class CampaignRefereesView(CampaignListTabMixin, DashboardListView):
    permission_required = ("referrals.view_referral", VIEW_CUSTOMER)
    types = REFERRAL
    title = "Referees"
    table_target = "referees-table"
    filterset_class = RefereeFilter
    table_class = RefereeTable
    noun = "referees"
    empty_text = "No one referred yet — each customer a referral code brings in is listed here, once."
    empty_icon = "person-plus"
    list_actions = ("insights/_referees_export.html",)

    def get_queryset(self):
        return referral_queries.program_referrals(self.campaign)


class CampaignReferralRewardRedemptionsView(CampaignListTabMixin, DashboardListView):
    permission_required = "referrals.view_referralreward"
    types = REFERRAL
    title = "Reward redemptions"
    table_target = "referral-rewards-table"
    filterset_class = ReferralRewardFilter
    table_class = ReferralRewardTable
    noun = "rewards granted"
    empty_text = "No rewards granted yet — each reward a referrer's tier or a referee earns is listed here."
    empty_icon = "gift"

    def get_queryset(self):
        return referral_queries.program_rewards(self.campaign)


class CampaignReferralRewardsView(CampaignPageMixin, TemplateView):
    """The referral workflow and the reward tiers, with how many referrers got each tier's reward."""

    permission_required = "referrals.view_referraltier"
    types = REFERRAL
    template_name = "insights/referral_rewards.html"
    title = "Rewards"

    def get_context_data(self, form=None, **kwargs):
        user = self.request.user
        granted = referral_queries.tier_rewards_granted(self.campaign)
        tiers = referral_queries.program_tiers(self.campaign)
        settings = self.campaign.referral_program or {}
        return super().get_context_data(
            rows=[{"tier": tier, "granted": granted.get(tier.pk, 0)} for tier in tiers],
            conversion=settings.get("conversion_event_type") or "redemption",
            custom_event=(settings.get("custom_event") or {}).get("name"),
            referee_reward=settings.get("referee_reward"),
            form=(form or TierForm()) if user.has_perm(ADD_TIER) else None,
            can_delete=user.has_perm(DELETE_TIER),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        caller = Caller.for_user(request.user)
        if "delete" in request.POST:
            if not request.user.has_perm(DELETE_TIER):
                raise PermissionDenied
            tier = next(
                (t for t in referral_queries.program_tiers(self.campaign) if t.pk == request.POST["delete"]), None
            )
            if tier is not None:
                tier_services.delete_tier(caller=caller, tier_id=tier.pk)
            return redirect(request.path + "?deleted=1")
        if not request.user.has_perm(ADD_TIER):
            raise PermissionDenied
        form = TierForm(request.POST)
        if form.is_valid():
            try:
                data = form.cleaned_data
                tier_services.create_tier(caller=caller, program=self.campaign.pk, referrals=data["referrals"],
                                          reward=data["reward"].pk, banner=data["banner"])  # fmt: skip
            except DomainError as error:
                form.add_error("referrals", error.details or error.message)
            else:
                return redirect(request.path + "?added=1")
        return self.render_to_response(self.get_context_data(form=form), status=400)
