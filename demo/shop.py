"""The demo's catalogue, created through the product's services by the admin (USER channel) at the
start of the simulated history: categories, customers, segments, validation rules, campaigns with their
vouchers or promotion tiers, and a few vouchers set aside to show a state (not active yet, expired,
disabled, used up). What to create comes from :mod:`demo.catalogue`; codes come from the seeded random
generator, so the same seed gives the same codes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from campaigns.models import Campaign, Customer, PromotionTier, Segment, Voucher
from campaigns.services.campaigns import create_campaign
from campaigns.services.customers import create_customer
from campaigns.services.publications import publish
from campaigns.services.requests import (
    CodeConfig,
    Discount,
    Gift,
    PublicationRequest,
    ReferralSettings,
    TierRequest,
    VoucherTemplate,
)
from campaigns.services.segments import create_segment
from campaigns.services.validation_rules import create_validation_rule
from campaigns.services.vouchers import create_voucher
from loyalty.services.earning_rules import create_rules
from loyalty.services.points import PointsChange, change_balance, transfer
from loyalty.services.programs import add_member, create_program, issue_cards
from loyalty.services.rewards import assign, create_reward
from loyalty.services.tiers import create_tiers
from referrals.services.tiers import create_tier
from stacking.models import Category
from stacking.services import create_category
from voucherhub.caller import Caller

from .catalogue import (
    CAMPAIGNS,
    CATEGORIES,
    CLUB,
    CODE_ALPHABET,
    DEFAULT_REDEMPTIONS,
    DEMO,
    LOYALTY_PROGRAM,
    NAMES,
    PAY_WITH_POINTS,
    REFERRAL_BONUS,
    REFERRAL_PROGRAM,
    REFERRALS,
    REWARD,
    RULES,
    SEGMENTS,
    TIER_WEIGHTS,
    TIERS,
    CampaignSpec,
    Namespace,
    ascii_name,
    in_currency,
    rule_condition,
)


@dataclass
class Shop:
    """What the calls choose from. ``left``: what a voucher has left as far as the demo knows (uses, None:
    unlimited; a gift card's balance); ``aside``: vouchers kept out of the random calls, by the state they show."""

    names: Namespace = DEMO
    customers: list[Customer] = field(default_factory=list)
    by_tier: dict[str, list[Customer]] = field(default_factory=dict)
    vouchers: dict[str, list[Voucher]] = field(default_factory=dict)
    tiers: dict[str, list[PromotionTier]] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    left: dict[str, int | None] = field(default_factory=dict)
    aside: dict[str, Voucher] = field(default_factory=dict)
    # The loyalty program and the rewards its members spend points on in the history (the small demo only: a
    # bulk copy of a reward's redemption would need its card, which copies leave with the template).
    reward: tuple[str, str, str] | None = None  # (program, its pastry, its pay-with-points reward)
    referral_codes: list[str] = field(default_factory=list)  # one per referrer, in the order REFERRALS names
    joining: list[tuple[str, Customer]] = field(default_factory=list)  # (card code, customer) joining the club later


def enroll(club: Campaign, members: list[tuple[str, Customer]], caller: Caller) -> list[str]:
    """Cards of the loyalty program with these codes (drawn from the seed, as every demo code), each with the
    program's starting points, given to its customer; returns the codes."""
    issue_cards(club, len(members), caller=caller, codes=[code for code, _ in members])
    for code, customer in members:
        add_member(caller=caller, program=club.id, customer={"id": customer.id}, voucher=code)
    return [code for code, _ in members]


class ShopBuilder:
    def __init__(
        self, rng: random.Random, caller: Caller, now: datetime, redemptions: int, names: Namespace = DEMO
    ) -> None:
        self.rng, self.caller, self.now, self.names = rng, caller, now, names
        self.scale = redemptions / DEFAULT_REDEMPTIONS
        self.shop = Shop(names=names)
        self.codes: set[str] = set()

    def build(self) -> Shop:
        for spec in CATEGORIES:
            if not Category.objects.filter(name=spec.name).exists():
                create_category(caller=self.caller, name=spec.name, hierarchy=spec.hierarchy,
                                stacking_rules_type=spec.eligibility,
                                discount_calculation=spec.calculation)  # fmt: skip
        self.customers()
        segments = self.segments()
        rules = {
            spec.key: create_validation_rule(
                caller=self.caller,
                name=self.names.name(spec.title),
                rules={"1": rule_condition(spec, segments), "logic": "1"},
                error_message=spec.message,
            ).id
            for spec in RULES
        }
        for spec in CAMPAIGNS:
            self.campaign(spec, rules)
        self.set_aside()
        self.publications()
        self.loyalty()
        return self.shop

    def customers(self) -> None:
        countries = list(NAMES)
        for n in range(1, max(60, round(250 * self.scale)) + 1):
            country = "PL" if n == 1 else self.rng.choices(countries, [NAMES[c][0] for c in countries])[0]
            _, language, firsts, lasts = NAMES[country]
            first, last = self.rng.choice(firsts), self.rng.choice(lasts)
            tier = "gold" if n == 1 else self.rng.choices(TIERS, TIER_WEIGHTS)[0]
            customer = create_customer(
                caller=self.caller,
                source_id=f"{self.names.source_prefix}cust-{n:05d}",
                name=f"{first} {last}",
                email=f"{ascii_name(first)}.{ascii_name(last)}{n}@example.com",
                metadata={"tier": tier, "country": country, "language": language},
            )
            self.shop.customers.append(customer)
            self.shop.by_tier.setdefault(tier, []).append(customer)

    def segments(self) -> dict[str, Segment]:
        found = {}
        for spec in SEGMENTS:
            members = [c.id for c in self.rng.sample(self.shop.customers, 12)] if not spec.filter else None
            found[spec.key] = create_segment(caller=self.caller, name=self.names.name(spec.name), type=spec.type,
                                             customers=members, conditions=spec.filter or None)  # fmt: skip
        return found

    def code(self, prefix: str) -> str:
        """A code not drawn before in this run nor already in the database (an earlier load's)."""
        while True:
            code = prefix + "".join(self.rng.choices(CODE_ALPHABET, k=6))
            if code not in self.codes and not Voucher.objects.filter(code=code).exists():
                self.codes.add(code)
                return code

    def campaign(self, spec: CampaignSpec, rules: dict[str, str]) -> None:
        day = timedelta(days=1)
        start = self.now + spec.start * day if spec.start is not None else None
        end = self.now + spec.end * day if spec.end is not None else None
        template = None
        if spec.gift_amounts:
            template = VoucherTemplate(gift=Gift(spec.gift_amounts[0]))
        elif spec.discounts:
            template = VoucherTemplate(discount=spec.discounts[0])
        tiers = [
            TierRequest(name=t.name, discount=t.discount, validation_rules=(rules[t.rule],) if t.rule else ())
            for t in spec.tiers
        ]
        campaign = create_campaign(
            caller=self.caller,
            name=self.names.name(spec.name),
            campaign_type=spec.type,
            description=in_currency(spec.description),
            voucher=template,
            start_date=start,
            expiration_date=end,
            metadata={**spec.metadata, **self.names.metadata},
            category=spec.category,
            validation_rules=[rules[key] for key in spec.rules],
            tiers=tiers or None,
        )
        self.shop.campaigns[spec.key] = campaign
        self.shop.tiers[spec.key] = list(campaign.tiers.order_by("position")) if tiers else []
        vouchers = self.shop.vouchers.setdefault(spec.key, [])
        for i in range(max(8, round(spec.vouchers * self.scale)) if spec.vouchers else 0):
            poland = spec.key == "school" and 5 <= i < 8  # a rule of the voucher's own
            vouchers.append(self.voucher(spec, campaign, i, validation_rules=[rules["poland"]] if poland else None))

    def voucher(self, spec: CampaignSpec, campaign: Campaign, i: int, **more) -> Voucher:
        quantity = more.pop("redemption_quantity", spec.quantities[i % len(spec.quantities)])
        voucher = create_voucher(
            caller=self.caller,
            code=self.code(spec.prefix),
            campaign_id=campaign.id,
            discount=spec.discounts[i % len(spec.discounts)] if spec.discounts else None,
            gift=Gift(spec.gift_amounts[i % len(spec.gift_amounts)]) if spec.gift_amounts else None,
            redemption_quantity=quantity,
            **more,
        )
        self.shop.left[voucher.code] = voucher.gift_balance if spec.gift_amounts else quantity
        return voucher

    def publications(self) -> None:
        """Codes given to customers: one welcome code each to six of them, two VIP codes to three, a
        summer gift card to two. The history redeems codes whoever holds them, as shops do."""
        plan = (("welcome", 6, 1, "Newsletter"), ("vip", 3, 2, "Account manager"), ("summer", 2, 1, "API"))
        for key, people, count, channel in plan:
            campaign = self.shop.campaigns.get(key)
            if campaign is None:
                continue
            for customer in self.shop.customers[:people]:
                request = PublicationRequest(
                    customer={"id": customer.id}, campaign=campaign.id, count=count, channel=channel
                )
                publish(request, caller=self.caller)

    def loyalty(self) -> None:
        """A loyalty program whose points expire at the end of the second month after they were added: ten
        members (cards start with 100 points), points added and taken by hand with a reason, one member
        pooling points from another, and customers who join during the history (:attr:`Shop.joining`)."""
        club = create_program(
            caller=self.caller,
            name=self.names.name(LOYALTY_PROGRAM),
            description=CLUB["description"],
            points=CLUB["points"],
            code_config=CodeConfig(prefix="CLUB-", length=8),
            expiration_rules=CLUB["expiration_rules"],
            metadata=dict(self.names.metadata),
        )
        self.shop.campaigns["club"] = club  # (the promotion campaign is "loyalty")
        codes = enroll(club, [(self.code("CLUB-"), customer) for customer in self.shop.customers[:10]], self.caller)
        for i, code in enumerate(codes):
            points = self.rng.choice((20, 50, 75, 120))
            change_balance(caller=self.caller, member=code, change=PointsChange(points, "Visits this month"))
            if i % 3 == 0:
                change_balance(caller=self.caller, member=code, change=PointsChange(-60, "Free coffee in store"))
        transfer(caller=self.caller, program=club.id, member=codes[0], sources=[(codes[1], PointsChange(30, "Family"))])
        pastry = self.earning_and_rewards(club)
        self.referral(club, pastry)
        # Later members: their codes drawn now (from the seed), their cards issued when they join.
        later = self.shop.customers[20 + len(REFERRALS) :][: CLUB["later_members"]]  # nobody's member yet
        self.shop.joining = [(self.code("CLUB-"), customer) for customer in later]

    def earning_and_rewards(self, club: Campaign) -> str:
        """Members earn on every paid order (the history's redemptions) by the catalogue's earning rules, in its
        tiers (the top tier's members earn twice the first rule's points); they spend points on a pastry or pay
        part of an order with them (the history's members do both now and then) (100 points for €1.00)."""
        visit, *_ = create_rules(caller=self.caller, program=club.id, rules=CLUB["earning_rules"])
        *tiers, top = CLUB["tiers"]
        top = {**top, "earning_rules": {visit.id: {"type": "MULTIPLY", "multiplier": 2}}}
        create_tiers(caller=self.caller, program=club.id, items=[*tiers, top])
        pastry = create_reward(caller=self.caller, fields={"name": self.names.name(REWARD), "type": "MATERIAL",
                                                           "product_id": "pastry", "stock": 50})  # fmt: skip
        coin = create_reward(caller=self.caller, fields={"name": self.names.name(PAY_WITH_POINTS), "type": "COIN",
                                                         "exchange_ratio": 1, "points_ratio": 100})  # fmt: skip
        assign(caller=self.caller, program=club.id, items=[(pastry.id, 80), (coin.id, 1)])
        if self.names == DEMO:
            self.shop.reward = (club.id, pastry.id, coin.id)
        return pastry.id

    def referral(self, club: Campaign, pastry: str) -> None:
        """A referral program: six referrers get a code; a friend who redeems one gets 10 % off and 50 points
        in the loyalty program; a referrer gets 200 points after one referral and a pastry after three (the
        history's referees, demo.catalogue.REFERRALS)."""
        friends = create_campaign(
            caller=self.caller,
            name=self.names.name(REFERRAL_PROGRAM),
            campaign_type="REFERRAL_PROGRAM",
            description="Customers invite friends: the friend saves 10 %, both earn Coffee Club points.",
            voucher=VoucherTemplate(discount=Discount(type="PERCENT", percent_off=10)),
            referral=ReferralSettings(referee_reward_campaign=club.id, referee_reward_amount=50),
            metadata=dict(self.names.metadata),
        )
        bonus = create_reward(caller=self.caller, fields={"name": self.names.name(REFERRAL_BONUS), "type": "CAMPAIGN",
                                                          "campaign_ref": club.id, "balance": 200})  # fmt: skip
        create_tier(caller=self.caller, program=friends.id, referrals=1, reward=bonus.id, banner="Your first friend")
        create_tier(caller=self.caller, program=friends.id, referrals=3, reward=pastry, banner="Three friends")
        # Referrers and their friends join the club first, so that their cards' codes come from the seed too.
        joining = self.shop.customers[10:16] + self.shop.customers[20 : 20 + len(REFERRALS)]
        enroll(club, [(self.code("CLUB-"), customer) for customer in joining], self.caller)
        for referrer in self.shop.customers[10:16]:
            code = create_voucher(caller=self.caller, code=self.code("FRIEND-"), campaign_id=friends.id).code
            request = PublicationRequest(customer={"id": referrer.id}, voucher=code, channel="Referral")
            publish(request, caller=self.caller)
            self.shop.referral_codes.append(code)

    def set_aside(self) -> None:
        """Vouchers that show a state; the history disables ``disabled`` on its second day."""
        by_key = {spec.key: spec for spec in CAMPAIGNS}
        welcome, bundle, corp = by_key["welcome"], by_key["bundle"], by_key["corp"]
        camp = self.shop.campaigns
        aside = self.shop.aside
        aside["not_active"] = self.voucher(welcome, camp["welcome"], 0, start_date=self.now + timedelta(days=3))
        aside["expired"] = self.voucher(welcome, camp["welcome"], 0, expiration_date=self.now - timedelta(days=88))
        aside["disabled"] = self.voucher(welcome, camp["welcome"], 0)
        aside["used_up"] = self.voucher(bundle, camp["bundle"], 0, redemption_quantity=1)  # used by the history
        aside["payload"] = self.voucher(corp, camp["corp"], 0)
