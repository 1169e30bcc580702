"""What the demo is made of: the shop's data in ``catalogue.toml`` (categories, segments, validation rules,
campaigns, products, customers' names, API channels, the weights of the simulated history) as typed specs,
and the two helpers both loaders use to write them (rule_condition, ascii_name); no database access."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from campaigns.models import CampaignType, DiscountType, Segment
from campaigns.services.requests import Discount
from dashboard.formatting import major_text, money
from redemptions.models import Validation
from stacking.checks import FailureCode
from stacking.models import DiscountCalculation, StackingEligibility
from voucherhub import roles

DEFAULT_REDEMPTIONS = 3000
MIN_REDEMPTIONS = 100  # room for the fifteen failure codes, used-up vouchers, stacks and rollbacks
DEFAULT_SEED = 2026
SOURCE_ID_PREFIX = "demo-"  # customers' and orders' source_id
HISTORY = timedelta(days=90)
VALIDATIONS_KEPT = timedelta(days=Validation.RETENTION_DAYS)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed

# (username, group, superuser): one login per role of SPEC section 1, and a superuser.
DEMO_USERS: tuple[tuple[str, str | None, bool], ...] = (
    ("admin", roles.ADMIN, False),
    ("marketer", roles.MARKETER, False),
    ("staff", roles.STAFF, False),
    ("owner", None, True),
)


@dataclass(frozen=True)
class CategorySpec:
    name: str
    hierarchy: int
    eligibility: str
    calculation: str


@dataclass(frozen=True)
class SegmentSpec:
    key: str
    name: str
    type: str
    filter: dict


def in_currency(text: str, *, plain: bool = False) -> str:
    """A demo text with its ``{amount}`` fields (``catalogue.toml``'s ``text_amounts``) formatted as money in
    the installation's currency; ``plain``: as bare numbers, as older demo data named them."""
    shown = major_text if plain else money
    return text.format(**{key: shown(value) for key, value in TEXT_AMOUNTS.items()}) if "{" in text else text


@dataclass(frozen=True)
class RuleSpec:
    """A validation rule of one condition; ``kind`` says which (see :func:`rule_condition`). ``name`` and
    ``error_message`` may name amounts as ``{min_100}`` (:func:`in_currency`)."""

    key: str
    name: str
    kind: str
    value: object
    error_message: str = ""

    @property
    def title(self) -> str:
        return in_currency(self.name)

    @property
    def message(self) -> str:
        return in_currency(self.error_message)


@dataclass(frozen=True)
class TierSpec:
    name: str
    discount: Discount
    rule: str | None


@dataclass(frozen=True)
class CampaignSpec:
    """A demo campaign (``catalogue.toml`` says what each field means)."""

    key: str
    name: str
    type: str
    category: str
    description: str
    weight: int
    start: int | None = None
    end: int | None = None
    prefix: str = ""
    vouchers: int = 0
    discounts: tuple[Discount, ...] = ()
    quantities: tuple[int | None, ...] = (None,)
    gift_amounts: tuple[int, ...] = ()
    rules: tuple[str, ...] = ()
    tiers: tuple[TierSpec, ...] = ()
    metadata: dict = field(default_factory=dict)


def discount(fields: Mapping) -> Discount:
    """``{percent, limit}``, ``{amount_off}`` or ``{fixed}`` as the services' :class:`Discount`."""
    if "percent" in fields:
        return Discount(DiscountType.PERCENT, percent_off=fields["percent"], amount_limit=fields.get("limit"))
    if "amount_off" in fields:
        return Discount(DiscountType.AMOUNT, amount_off=fields["amount_off"])
    return Discount(DiscountType.FIXED, fixed_amount=fields["fixed"])


def campaign(fields: dict) -> CampaignSpec:
    return CampaignSpec(
        **{
            **fields,
            "type": CampaignType(fields["type"]),
            "discounts": tuple(discount(d) for d in fields.get("discounts", ())),
            "quantities": tuple(q or None for q in fields.get("quantities", [0])),  # 0: unlimited
            "gift_amounts": tuple(fields.get("gift_amounts", ())),
            "rules": tuple(fields.get("rules", ())),
            "tiers": tuple(
                TierSpec(t["name"], discount(t["discount"]), t.get("rule")) for t in fields.get("tiers", ())
            ),
        }
    )


_DATA = tomllib.loads(Path(__file__).with_name("catalogue.toml").read_text(encoding="utf-8"))
TEXT_AMOUNTS = _DATA["text_amounts"]  # minor units a text names as {key}
CATEGORIES = tuple(
    CategorySpec(
        c["name"], c["hierarchy"], StackingEligibility[c["eligibility"]], DiscountCalculation[c["calculation"]]
    )
    for c in _DATA["categories"]
)
SEGMENTS = tuple(SegmentSpec(**{**s, "type": Segment.Type(s["type"])}) for s in _DATA["segments"])
RULES = tuple(RuleSpec(**rule) for rule in _DATA["rules"])
CAMPAIGNS = tuple(campaign(fields) for fields in _DATA["campaigns"])
MARKER_CAMPAIGN = CAMPAIGNS[0].name  # present = demo data loaded
PRODUCTS = tuple(tuple(product) for product in _DATA["shop"]["products"])  # (source_id, sku, name, price)
ACCESSORIES = tuple(p for p in PRODUCTS if p[3] <= 5_900)
NAMES = _DATA["countries"]  # country: (weight, language, first names, last names)
TIERS = tuple(_DATA["shop"]["membership_tiers"])
TIER_WEIGHTS = tuple(_DATA["shop"]["membership_tiers"].values())
UNKNOWN_CODES = tuple(_DATA["shop"]["unknown_codes"])
ROLLBACK_REASONS = tuple(_DATA["shop"]["rollback_reasons"])
# (name, weight, user agent, origin, metadata) of the API keys whose names are the channels of API calls.
API_CHANNELS = tuple(
    (c["name"], c["weight"], c["user_agent"], c.get("origin", ""), c["metadata"]) for c in _DATA["channels"]
)
FAILURE_WEIGHTS = {FailureCode(code): weight for code, weight in _DATA["failure_weights"].items()}


CLUB = _DATA["club"]  # the demo's loyalty program (demo.shop: members, points, a transfer, earning, tiers)
LOYALTY_PROGRAM = CLUB["name"]
REWARD = "Free pastry"  # the reward its members spend points on
PAY_WITH_POINTS = "Pay with points"  # and the one that pays part of an order with them
REFERRAL_PROGRAM = "Bring a Friend"  # the demo's referral program (demo.shop; its referrals in demo.history)
REFERRAL_BONUS = "Referral bonus"  # the points its referrers get after their first referral
# Which referrer's code each referee of the history redeems (referrer 0 reaches the pastry's tier at 3).
REFERRALS = (0, 1, 0, 2, 1, 0, 3, 4, 0, 5, 1)


@dataclass(frozen=True)
class Namespace:
    """Where one run of the demo generator writes: its customers' and orders' source ids start with
    ``source_prefix``, its campaigns, rules and segments are named ``<name><suffix>`` and its campaigns
    carry ``metadata`` besides their own. The small demo is :data:`DEMO`; each bulk load has its own, so
    that loads never collide with the small demo or with each other."""

    source_prefix: str = SOURCE_ID_PREFIX
    suffix: str = ""
    metadata: Mapping = field(default_factory=dict)

    def name(self, name: str) -> str:
        return f"{name}{self.suffix}"

    def campaign_names(self) -> tuple[str, ...]:
        return (*(self.name(spec.name) for spec in CAMPAIGNS), self.name(LOYALTY_PROGRAM), self.name(REFERRAL_PROGRAM))

    def rule_names(self) -> tuple[str, ...]:
        """The rules' names, in the installation's currency and as bare numbers (older demo data)."""
        names = {self.name(in_currency(spec.name, plain=plain)) for spec in RULES for plain in (False, True)}
        return tuple(sorted(names))

    def segment_names(self) -> tuple[str, ...]:
        return tuple(self.name(spec.name) for spec in SEGMENTS)


DEMO = Namespace()


def rule_condition(spec: RuleSpec, segments: Mapping[str, Segment]) -> dict:
    """A demo rule's condition in the API's shape (the small demo and the bulk loader both write it)."""
    if spec.kind == "min_amount":
        return {"name": "order.amount", "conditions": {"$more_than_or_equal": [spec.value]}, "rules": {}}
    if spec.kind == "product":
        condition = {"$is": [{"object": "product", "source_id": spec.value}]}
        return {"name": "order.items.any", "conditions": condition, "rules": {}}
    if spec.kind == "segment":
        return {"name": "customer.segment", "conditions": {"$is": [segments[str(spec.value)].id]}, "rules": {}}
    if spec.kind == "customer_tier":
        return {"name": "customer.metadata", "property": "tier", "conditions": {"$is": [spec.value]}, "rules": {}}
    return {"name": "redemption.count.per_customer", "conditions": {"$less_than_or_equal": [spec.value]}}


def ascii_name(text: str) -> str:
    """``"de Jong"`` -> ``"dejong"``, ``"Chloé"`` -> ``"chloe"``: an email-safe spelling of a name."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()
