"""The home page (/) and the Campaigns section (/campaigns/, URL names campaigns:...)."""

from django.urls import include, path, re_path

from . import loyalty_views, referral_views, views

# Campaign ids only (camp_...), so a campaign's pages never shadow the section's own URLs.
CAMPAIGN = r"^(?P<campaign_id>camp_[A-Za-z0-9]+)/"

campaign_patterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("calendar/", views.CampaignCalendarView.as_view(), name="calendar"),
    re_path(CAMPAIGN + r"$", views.CampaignDetailView.as_view(), name="detail"),
    re_path(CAMPAIGN + r"vouchers/$", views.CampaignVouchersView.as_view(), name="vouchers"),
    re_path(CAMPAIGN + r"publications/$", views.CampaignPublicationsView.as_view(), name="publications"),
    re_path(CAMPAIGN + r"tiers/$", views.CampaignTiersView.as_view(), name="tiers"),
    re_path(CAMPAIGN + r"referrers/$", referral_views.CampaignReferrersView.as_view(), name="referrers"),
    re_path(CAMPAIGN + r"referees/$", referral_views.CampaignRefereesView.as_view(), name="referees"),
    re_path(
        CAMPAIGN + r"referral-reward-redemptions/$",
        referral_views.CampaignReferralRewardRedemptionsView.as_view(),
        name="referral_reward_redemptions",
    ),
    re_path(
        CAMPAIGN + r"referral-rewards/$", referral_views.CampaignReferralRewardsView.as_view(), name="referral_rewards"
    ),
    re_path(CAMPAIGN + r"loyalty-cards/$", loyalty_views.CampaignLoyaltyCardsView.as_view(), name="loyalty_cards"),
    re_path(
        CAMPAIGN + r"loyalty-cards/(?P<code>[^/]+)/$", loyalty_views.LoyaltyCardView.as_view(), name="loyalty_card"
    ),
    re_path(CAMPAIGN + r"points/$", loyalty_views.CampaignPointsView.as_view(), name="points"),
    re_path(CAMPAIGN + r"participants/$", loyalty_views.CampaignParticipantsView.as_view(), name="participants"),
    re_path(CAMPAIGN + r"rewards/$", loyalty_views.CampaignRewardsView.as_view(), name="rewards"),
    re_path(
        CAMPAIGN + r"points-expiration/$",
        loyalty_views.CampaignPointsExpirationView.as_view(),
        name="points_expiration",
    ),
    re_path(CAMPAIGN + r"loyalty-tiers/$", loyalty_views.CampaignLoyaltyTiersView.as_view(), name="loyalty_tiers"),
    re_path(
        CAMPAIGN + r"reward-redemptions/$",
        loyalty_views.CampaignRewardRedemptionsView.as_view(),
        name="reward_redemptions",
    ),
    re_path(CAMPAIGN + r"earning-rules/$", loyalty_views.CampaignEarningRulesView.as_view(), name="earning_rules"),
    re_path(
        CAMPAIGN + r"earning-rules/(?P<rule_id>[^/]+)/$", loyalty_views.EarningRuleView.as_view(), name="earning_rule"
    ),
    re_path(
        CAMPAIGN + r"pending-points/$", loyalty_views.CampaignPendingPointsView.as_view(), name="pending_points_list"
    ),
    re_path(
        CAMPAIGN + r"pending-points/(?P<pending_id>[^/]+)/$",
        loyalty_views.PendingPointsView.as_view(),
        name="pending_points",
    ),
    re_path(CAMPAIGN + r"rules/$", views.CampaignRulesView.as_view(), name="rules"),
    re_path(CAMPAIGN + r"transactions/$", views.CampaignTransactionsView.as_view(), name="transactions"),
    re_path(CAMPAIGN + r"redemptions/$", views.CampaignRedemptionsView.as_view(), name="redemptions"),
    re_path(CAMPAIGN + r"analytics/$", views.CampaignAnalyticsView.as_view(), name="analytics"),
    re_path(CAMPAIGN + r"metadata/$", views.CampaignMetadataView.as_view(), name="metadata"),
    re_path(CAMPAIGN + r"activity/$", views.CampaignActivityView.as_view(), name="activity"),
]

urlpatterns = [
    path("", views.home, name="home"),
    # The namespace names the section, as the top bar and the tabs do (dashboard.tabs).
    path("campaigns/", include((campaign_patterns, "campaigns"))),
]
