"""A referral converts: the referee referred through a referrer's code, counted once, and the rewards it
earns granted once.

The program's conversion event (``Campaign.referral_program.conversion_event_type``) is either a
``redemption`` of the code (:func:`on_redeemed`, called by the redemption engine inside the redemption's
transaction) or a ``custom_event`` of the program's event name (:func:`on_custom_event`, from
``POST /v1/events`` naming the code). :func:`convert` writes, in the caller's transaction:

1. the Referral (``INSERT ... ON CONFLICT DO NOTHING`` on the referee's unique row in the program: a
   referee counts once, however many calls convert them in parallel);
2. the referrer's count, plus one (an upsert whose row lock serializes their parallel conversions, so each
   count is returned once and each tier's threshold is reached once);
3. the reward of the tier reached at that count (ReferralReward, unique per referrer and tier), and the
   referee's reward when the program gives one;
4. events ``customer.referred`` and ``customer.rewarded`` (``customer.rewarded.loyalty_points`` for points).
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import Campaign, CampaignType, Customer, Order, Voucher
from campaigns.queries import find_voucher
from loyalty.models import RewardType
from loyalty.services.giving import give
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found
from voucherhub.ids import new_id

from ..models import ConversionSource, Referral, ReferralReward, ReferralTier, Referrer, RewardRole

REFERRED = "customer.referred"
REWARDED = "customer.rewarded"
REWARDED_POINTS = "customer.rewarded.loyalty_points"


def converts_on(campaign: Campaign) -> str:
    """``redemption`` or ``custom_event``: what converts a referral in this program."""
    return (campaign.referral_program or {}).get("conversion_event_type") or ConversionSource.REDEMPTION


def on_redeemed(code: Voucher, referee: Customer | None, redemption, *, caller: Caller) -> Referral | None:
    """A referral code redeemed by ``referee`` in ``redemption``: its order was referred by the code's holder,
    and it is a conversion when the program converts on redemptions (the engine has refused the code's own
    referrer and a call without a customer already)."""
    campaign = code.campaign
    if campaign is None or campaign.campaign_type != CampaignType.REFERRAL_PROGRAM or referee is None:
        return None
    if redemption.order is not None and code.holder_id is not None:
        Order.objects.filter(pk=redemption.order.pk).update(referrer_id=code.holder_id)
        redemption.order.referrer_id = code.holder_id
    if converts_on(campaign) != ConversionSource.REDEMPTION:
        return None
    return convert(code, referee, source=ConversionSource.REDEMPTION, related_object_id=redemption.pk, caller=caller)


def convert_by_event(event: str, referee: Customer, *, code: str | None, referrer: str | None,
                     caller: Caller) -> list[Referral]:  # fmt: skip
    """``POST /v1/events`` naming a referral: its ``code`` (404 when unknown), or the codes ``referrer`` (id
    or source_id) holds in referral programs; the conversions it made."""
    if code is not None:
        codes = [find_voucher(code, for_update=True)]
    else:
        codes = list(
            Voucher.objects.select_for_update(of=("self",)).select_related("campaign")
            .filter(campaign__campaign_type=CampaignType.REFERRAL_PROGRAM)
            .filter(Q(holder_id=referrer) | Q(holder__source_id=referrer)).order_by("pk")
        )  # fmt: skip
        if not codes:
            raise not_found("customer", referrer, label="referrer")
    made = [on_custom_event(event, voucher, referee, caller=caller) for voucher in codes]
    return [referral for referral in made if referral is not None]


def on_custom_event(event: str, code: Voucher, referee: Customer, *, caller: Caller) -> Referral | None:
    """A custom event naming a referral ``code``: a conversion when it is the program's conversion event."""
    campaign = code.campaign
    if campaign is None or campaign.campaign_type != CampaignType.REFERRAL_PROGRAM:
        raise DomainError("invalid_referral", "Invalid referral", f"Code {code.code} is not a referral code")
    named = ((campaign.referral_program or {}).get("custom_event") or {}).get("name")
    if converts_on(campaign) != ConversionSource.CUSTOM_EVENT or named != event:
        return None
    return convert(code, referee, source=ConversionSource.CUSTOM_EVENT, related_object_id="", caller=caller)


def self_referral(code: Voucher, customer: Customer | None) -> bool:
    return customer is not None and code.holder_id is not None and code.holder_id == customer.pk


def convert(
    code: Voucher, referee: Customer, *, source: str, related_object_id: str, caller: Caller
) -> Referral | None:
    """The conversion of ``referee`` through ``code`` (None: the referee was referred in this program
    before, or the code has no referrer to credit)."""
    if code.holder_id is None:
        return None
    if self_referral(code, referee):
        raise DomainError("invalid_referral", "Invalid referral", "A customer cannot refer themselves")
    now = timezone.now()
    referral = Referral(id=new_id("rfl_"), campaign_id=code.campaign_id, voucher=code,
                        referrer_id=code.holder_id, referee=referee, source=source,
                        related_object_id=related_object_id, created_at=now)  # fmt: skip
    if not _insert_once(referral):
        return None
    count = _count_one_more(code.campaign_id, code.holder_id, now)
    common = {"caller": caller, "campaign_id": code.campaign_id, "occurred_at": now}
    record_event(REFERRED, resource_type="customer", resource_id=referee.pk, customer_id=referee.pk,
                 data={"referral_id": referral.pk, "code": code.code, "referrer_id": code.holder_id,
                       "source": source, "referrals": count}, **common)  # fmt: skip
    tier = ReferralTier.objects.filter(campaign_id=code.campaign_id, referrals=count).select_related("reward").first()
    if tier is not None:
        _reward_referrer(tier, code.holder_id, caller)
    _reward_referee(referral, code.campaign, caller)
    return referral


def _insert_once(referral: Referral) -> bool:
    """Writes the referral unless its referee was referred in the program already (waiting, on PostgreSQL,
    for a parallel call converting the same referee to end)."""
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("id", "campaign_id", "voucher_id", "referrer_id", "referee_id", "source",'
            ' "related_object_id", "created_at") VALUES (%s, %s, %s, %s, %s, %s, %s, %s)'
            ' ON CONFLICT ("campaign_id", "referee_id") DO NOTHING RETURNING "id"',
            [referral.pk, referral.campaign_id, referral.voucher_id, referral.referrer_id, referral.referee_id,
             referral.source, referral.related_object_id, referral.created_at],
        )  # fmt: skip
        return cursor.fetchone() is not None


def _count_one_more(campaign_id: str, customer_id: str, now) -> int:
    """The referrer's count after this conversion (their row created with the first one)."""
    table = Referrer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("id", "campaign_id", "customer_id", "referrals", "created_at", "updated_at")'
            " VALUES (%s, %s, %s, 1, %s, %s)"
            f' ON CONFLICT ("campaign_id", "customer_id") DO UPDATE SET "referrals" = "{table}"."referrals" + 1,'
            ' "updated_at" = excluded."updated_at" RETURNING "referrals"',
            [new_id("rfr_"), campaign_id, customer_id, now, now],
        )
        return cursor.fetchone()[0]


def _reward_referrer(tier: ReferralTier, customer_id: str, caller: Caller) -> ReferralReward | None:
    reward = tier.reward
    granted = ReferralReward(campaign_id=tier.campaign_id, customer_id=customer_id, role=RewardRole.REFERRER,
                             tier=tier, reward=reward, amount=reward.balance)  # fmt: skip
    try:
        with transaction.atomic():
            granted.save(force_insert=True)
    except IntegrityError:
        return None  # this tier's reward was granted already
    problem = None
    if reward.type == RewardType.CAMPAIGN:
        problem = _give(granted, reward.campaign, reward.balance, caller, reason=f"Referral reward: {reward.name}")
    elif reward.type == RewardType.MATERIAL and reward.stock is not None:
        if reward.stock < 1:
            problem = f"Reward {reward.name} is out of stock: hand it over when it is back"
        else:
            reward.stock -= 1
            reward.save(update_fields=["stock"])
    _rewarded(granted, caller, reward_name=reward.name, parent=reward.campaign, problem=problem)
    return granted


def _reward_referee(referral: Referral, campaign: Campaign, caller: Caller) -> ReferralReward | None:
    settings = (campaign.referral_program or {}).get("referee_reward")
    if not settings:
        return None
    parent = Campaign.objects.filter(pk=settings["related_object_parent"]["id"]).first()
    amount = int(settings["amount"])
    granted = ReferralReward.objects.create(campaign=campaign, customer_id=referral.referee_id, role=RewardRole.REFEREE,
                                            referral=referral, amount=amount)  # fmt: skip
    problem = "The reward's campaign was deleted" if parent is None else None
    if parent is not None:
        problem = _give(granted, parent, amount, caller, reason="Referee reward")
    _rewarded(granted, caller, reward_name="Referee reward", parent=parent, problem=problem)
    return granted


def _give(
    granted: ReferralReward, campaign: Campaign, amount: int | None, caller: Caller, *, reason: str
) -> str | None:
    """What the reward gives, on ``granted`` (the voucher it landed on); a campaign that cannot give (no free
    code left) leaves the reward granted without it and says why, never failing the conversion."""
    try:
        with transaction.atomic():
            granted.voucher = give(campaign, amount, granted.customer_id, caller=caller, reason=reason,
                                   channel="Referral")  # fmt: skip
    except DomainError as error:
        return error.details or error.message
    granted.save(update_fields=["voucher"])
    return None


def _rewarded(granted: ReferralReward, caller: Caller, *, reward_name: str, parent: Campaign | None,
              problem: str | None) -> None:  # fmt: skip
    points = parent is not None and parent.campaign_type == CampaignType.LOYALTY_PROGRAM and problem is None
    data = {"referral_reward_id": granted.pk, "role": granted.role, "reward_id": granted.reward_id,
            "reward": reward_name, "voucher_id": granted.voucher_id, "amount": granted.amount,
            "tier_id": granted.tier_id, "problem": problem}  # fmt: skip
    record_event(REWARDED_POINTS if points else REWARDED, caller=caller, resource_type="customer",
                 resource_id=granted.customer_id, campaign_id=granted.campaign_id, customer_id=granted.customer_id,
                 data=data)  # fmt: skip
