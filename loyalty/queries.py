"""Read side of loyalty programs: a program by id or name, a member's card by code or id (within a program
when one is named), and the lists of programs, members and a card's or program's transactions."""

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from campaigns import queries as campaign_queries
from campaigns.models import Campaign, CampaignType, Voucher
from voucherhub.errors import DomainError, not_found

from .models import (
    BucketStatus,
    EarningRule,
    LoyaltyCard,
    LoyaltyTier,
    PendingPoints,
    PendingStatus,
    PointsBucket,
    PointsTransaction,
    Reward,
    RewardAssignment,
)


def find_program(ref: str, *, for_update: bool = False) -> Campaign:
    """The LOYALTY_PROGRAM campaign with id or name ``ref``; 404 if none, 400 for another campaign type."""
    campaign = campaign_queries.find_campaign(ref, for_update=for_update)
    if campaign.campaign_type != CampaignType.LOYALTY_PROGRAM:
        raise DomainError(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"Campaign {campaign.name} is not a loyalty program",
            resource_id=campaign.id,
            resource_type="campaign",
        )
    return campaign


def programs() -> QuerySet[Campaign]:
    return campaign_queries.campaigns().filter(campaign_type=CampaignType.LOYALTY_PROGRAM)


def find_card(member: str, *, campaign: Campaign | None = None, for_update: bool = False) -> LoyaltyCard:
    """The card with code (or voucher id) ``member``, of ``campaign`` when given. ``for_update`` locks the
    card's points row."""
    voucher = campaign_queries.find_voucher(member)
    qs = LoyaltyCard.objects.select_related("voucher", "voucher__holder", "campaign")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    card = qs.filter(voucher=voucher).first()
    if card is None or (campaign is not None and card.campaign_id != campaign.pk):
        raise not_found("loyalty_card", member, label="loyalty card")
    return card


def _member_rows() -> QuerySet[Voucher]:
    return Voucher.objects.select_related("loyalty", "campaign", "category", "holder")


def members(campaign: Campaign) -> QuerySet[Voucher]:
    """A program's cards, newest first, with their points."""
    return _member_rows().filter(campaign=campaign, deleted_at__isnull=True).order_by("-created_at", "-id")


def member(voucher_id: str) -> Voucher:
    """One card (its voucher, by id) with its points, as a member's answer reads it."""
    return _member_rows().get(pk=voucher_id)


_LEDGER_RELATED = ("card__voucher", "earning_rule", "order")


def card_transactions(card: LoyaltyCard) -> QuerySet[PointsTransaction]:
    return PointsTransaction.objects.filter(card=card).select_related(*_LEDGER_RELATED).order_by("-id")


def program_cards(campaign: Campaign) -> QuerySet[LoyaltyCard]:
    """A program's cards with their code and holder, for the Loyalty cards tab (a deleted card's voucher is
    left out: checked only when the program has any, so that counting a big program's cards reads no
    voucher rows)."""
    cards = LoyaltyCard.objects.filter(campaign=campaign).select_related("voucher", "voucher__holder")
    if Voucher.objects.filter(campaign=campaign, deleted_at__isnull=False).exists():  # voucher_deleted_idx
        cards = cards.filter(voucher__deleted_at__isnull=True)
    return cards


def program_participants(campaign: Campaign) -> QuerySet[LoyaltyCard]:
    """A program's members: its held cards with their holder, for the Participants tab."""
    return program_cards(campaign).filter(voucher__holder__isnull=False)


def program_transactions(campaign: Campaign) -> QuerySet[PointsTransaction]:
    """Every points change of a program's cards, for its Points tab."""
    return PointsTransaction.objects.filter(campaign=campaign).select_related(*_LEDGER_RELATED)


def program_points(campaign: Campaign) -> dict[str, int]:
    """A program's points in total, all time: members (cards held), points added, taken, expired, the
    balance its members can spend and the points pending. One aggregate over the program's cards
    (loyalty_card_campaign_idx)."""
    totals = LoyaltyCard.objects.filter(campaign=campaign).aggregate(
        cards=Count("pk", filter=Q(voucher__deleted_at__isnull=True)),
        members=Count("pk", filter=Q(voucher__holder__isnull=False, voucher__deleted_at__isnull=True)),
        points=Coalesce(Sum("points"), 0),
        subtracted=Coalesce(Sum("subtracted_points"), 0),
        expired=Coalesce(Sum("expired_points"), 0),
        balance=Coalesce(Sum("balance"), 0),
        pending=Coalesce(Sum("pending_points"), 0),
    )
    return {key: int(value) for key, value in totals.items()}


def earning_rules(campaign: Campaign) -> QuerySet[EarningRule]:
    return EarningRule.objects.filter(campaign=campaign)


def find_earning_rule(program: str, rule_id: str) -> EarningRule:
    campaign = find_program(program)
    rule = earning_rules(campaign).filter(pk=rule_id).first()
    if rule is None:
        raise not_found("earning_rule", rule_id, label=f"earning rule of {campaign.name}")
    return rule


def _pending_rows() -> QuerySet[PendingPoints]:
    return PendingPoints.objects.filter(status=PendingStatus.PENDING).select_related(
        "card__voucher", "earning_rule", "order"
    )


def card_pending(card: LoyaltyCard) -> QuerySet[PendingPoints]:
    """A card's points still pending."""
    return _pending_rows().filter(card=card)


def program_pending(campaign: Campaign) -> QuerySet[PendingPoints]:
    """A program's points still pending, for its Pending points tab."""
    return _pending_rows().filter(campaign=campaign)


def rewards() -> QuerySet[Reward]:
    return Reward.objects.select_related("campaign")


def find_reward(reward_id: str, *, for_update: bool = False) -> Reward:
    qs = Reward.objects.select_for_update(of=("self",)) if for_update else Reward.objects
    reward = qs.select_related("campaign").filter(pk=reward_id).first()
    if reward is None:
        raise not_found("reward", reward_id)
    return reward


def reward_assignments() -> QuerySet[RewardAssignment]:
    return RewardAssignment.objects.select_related("reward", "reward__campaign", "campaign")


def find_assignment(assignment_id: str, *, program: Campaign | None = None, reward: Reward | None = None):
    """The assignment ``assignment_id`` (of the program or reward, when named); 404 otherwise."""
    rows = reward_assignments().filter(pk=assignment_id)
    if program is not None:
        rows = rows.filter(campaign=program)
    if reward is not None:
        rows = rows.filter(reward=reward)
    assignment = rows.first()
    if assignment is None:
        raise not_found("reward_assignment", assignment_id, label="reward assignment")
    return assignment


def tiers(campaign: Campaign) -> QuerySet[LoyaltyTier]:
    return LoyaltyTier.objects.filter(campaign=campaign).order_by("points_from", "id")


def find_tier(campaign: Campaign, tier_id: str) -> LoyaltyTier:
    tier = tiers(campaign).filter(pk=tier_id).first()
    if tier is None:
        raise not_found("loyalty_tier", tier_id, label=f"loyalty tier of {campaign.name}")
    return tier


def tier_of(program_tiers: list[LoyaltyTier], balance: int) -> LoyaltyTier | None:
    """The tier whose range holds ``balance`` (none below the lowest tier)."""
    for tier in program_tiers:
        if tier.points_from <= balance and (tier.points_to is None or balance <= tier.points_to):
            return tier
    return None


def tier_members(campaign: Campaign, tier: LoyaltyTier) -> int:
    """How many held cards are in the tier now (a range scan of loyalty_card_balance_idx)."""
    cards = LoyaltyCard.objects.filter(campaign=campaign, balance__gte=tier.points_from, voucher__holder__isnull=False)
    return (cards.filter(balance__lte=tier.points_to) if tier.points_to is not None else cards).count()


def card_buckets(card: LoyaltyCard) -> QuerySet[PointsBucket]:
    """A card's points that will expire, soonest first (what is left of each addition)."""
    return PointsBucket.objects.filter(card=card, status=BucketStatus.ACTIVE).order_by("expires_at", "id")


def program_buckets(campaign: Campaign) -> QuerySet[PointsBucket]:
    """A program's points that will expire, for its Points expiration tab."""
    return PointsBucket.objects.filter(campaign=campaign, status=BucketStatus.ACTIVE).select_related("card__voucher")
