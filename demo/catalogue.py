"""What the demo is made of: categories, segments, validation rules, campaigns, products, customers' names,
the API channels and the weights of the simulated history. Plain values and the two helpers both
loaders use to write them (rule_condition, ascii_name); no database access."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from campaigns.models import CampaignType, DiscountType, Segment
from dashboard.formatting import major_text, money
from redemptions.models import Validation
from stacking.checks import FailureCode
from stacking.models import DiscountCalculation, StackingEligibility
from voucherhub import roles

DEFAULT_REDEMPTIONS = 3000
MIN_REDEMPTIONS = 100  # room for the fifteen failure codes, used-up vouchers, stacks and rollbacks
DEFAULT_SEED = 2026
MARKER_CAMPAIGN = "Black Friday 2026"  # present = demo data loaded
SOURCE_ID_PREFIX = "demo-"  # customers' and orders' source_id
HISTORY = timedelta(days=90)
VALIDATIONS_KEPT = timedelta(days=Validation.RETENTION_DAYS)

# (username, group, superuser): one login per role of SPEC section 1, and a superuser.
DEMO_USERS: tuple[tuple[str, str | None, bool], ...] = (
    ("admin", roles.ADMIN, False),
    ("marketer", roles.MARKETER, False),
    ("staff", roles.STAFF, False),
    ("owner", None, True),
)


# --- the catalogue --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    name: str
    hierarchy: int
    eligibility: str
    calculation: str


CATEGORIES = (
    CategorySpec("Black Friday", 1, StackingEligibility.EXCLUSIVE, DiscountCalculation.INITIAL_AMOUNT),
    CategorySpec("Loyalty", 2, StackingEligibility.JOINT, DiscountCalculation.DISCOUNTED_AMOUNT),
    CategorySpec("Seasonal", 3, StackingEligibility.REGULAR, DiscountCalculation.DEFAULT),
    CategorySpec("Newsletter", 4, StackingEligibility.REGULAR, DiscountCalculation.INITIAL_AMOUNT),
    CategorySpec("Delivery", 5, StackingEligibility.REGULAR, DiscountCalculation.DISCOUNTED_AMOUNT),
    # JOINT, so that a gift card still pays next to an exclusive coupon (stacking.engine, rule 4).
    CategorySpec("Gift cards", 10, StackingEligibility.JOINT, DiscountCalculation.DEFAULT),
)


@dataclass(frozen=True)
class SegmentSpec:
    key: str
    name: str
    type: str
    filter: dict


SEGMENTS = (
    SegmentSpec("gold", "Gold & Platinum members", Segment.Type.AUTO_UPDATE, {"tier": ["gold", "platinum"]}),
    SegmentSpec("poland", "Customers in Poland", Segment.Type.AUTO_UPDATE, {"country": "PL"}),
    SegmentSpec("beta", "Beta testers", Segment.Type.STATIC, {}),
)


# The amounts the demo's texts name, in minor units: a text says "{min_100}" and reads "€100.00" (or
# "¥10,000") in the installation's currency (in_currency), like every amount of the dashboard.
TEXT_AMOUNTS = {"min_100": 10_000, "min_200": 20_000, "fixed_299": 29_900}


def in_currency(text: str, *, plain: bool = False) -> str:
    """A demo text with its ``{amount}`` fields formatted as money (dashboard.formatting.money); ``plain``:
    as bare numbers, as the demo wrote them before it named the currency (to find such rules again)."""
    shown = major_text if plain else money
    return text.format(**{key: shown(value) for key, value in TEXT_AMOUNTS.items()}) if "{" in text else text


@dataclass(frozen=True)
class RuleSpec:
    """A validation rule and how the demo evaluates it. ``kind``: min_amount, product, segment,
    customer_tier or per_customer (the rule names of API.md section 7 the engine will evaluate).
    ``name`` and ``error_message`` may name amounts as ``{min_100}`` (in_currency)."""

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


RULES = (
    RuleSpec("min_100", "Orders from {min_100}", "min_amount", 10_000, "Black Friday codes need an order of {min_100}"),
    RuleSpec("min_200", "Orders from {min_200}", "min_amount", 20_000, "Free delivery starts at {min_200}"),
    RuleSpec("sneakers", "Basket with trail sneakers", "product", "prod-sneakers", "Add the Trail Sneakers"),
    RuleSpec("gold_segment", "Gold and platinum members only", "segment", "gold", "For VIP members only"),
    RuleSpec("poland", "Customers in Poland", "segment", "poland", "Valid in Poland only"),
    RuleSpec("once", "Once per customer", "per_customer", 1, "You have already used a welcome code"),
    RuleSpec("tier_silver", "Silver members", "customer_tier", "silver"),
    RuleSpec("tier_gold", "Gold members", "customer_tier", "gold"),
    RuleSpec("tier_platinum", "Platinum members", "customer_tier", "platinum"),
)


def pct(percent: int, limit: int | None = None) -> dict:
    return {"discount_type": DiscountType.PERCENT, "percent_off": Decimal(percent), "amount_limit": limit}


def off(amount: int) -> dict:
    return {"discount_type": DiscountType.AMOUNT, "amount_off": amount}


def fixed(amount: int) -> dict:
    return {"discount_type": DiscountType.FIXED, "fixed_amount": amount}


@dataclass(frozen=True)
class TierSpec:
    name: str
    discount: dict
    rule: str | None


@dataclass(frozen=True)
class CampaignSpec:
    """A demo campaign. Dates are days from now (negative: past). ``vouchers`` is the count at the default
    size; it scales with the number of redemptions. ``weight`` is its share of successful calls."""

    key: str
    name: str
    type: str
    category: str
    description: str
    start: int | None
    end: int | None
    weight: int
    prefix: str = ""
    vouchers: int = 0
    discounts: tuple[dict, ...] = ()
    quantities: tuple[int | None, ...] = (None,)
    gift_amounts: tuple[int, ...] = ()
    rules: tuple[str, ...] = ()
    tiers: tuple[TierSpec, ...] = ()
    metadata: dict = field(default_factory=dict)


CAMPAIGNS = (
    CampaignSpec(
        "bf",
        MARKER_CAMPAIGN,
        CampaignType.DISCOUNT_COUPONS,
        "Black Friday",
        "Single-use codes for the Black Friday week; exclusive, orders from {min_100}.",
        start=-30,
        end=10,
        weight=22,
        prefix="BF26-",
        vouchers=80,
        discounts=(pct(20, 10_000), pct(20, 10_000), pct(30, 15_000)),
        quantities=(1, 1, 1, 1, 1, 1, 5, None),
        rules=("min_100",),
        metadata={"region": "EU", "team": "growth"},
    ),
    CampaignSpec(
        "welcome",
        "Welcome 10% Off",
        CampaignType.DISCOUNT_COUPONS,
        "Newsletter",
        "Newsletter sign-up codes: 10% off the first order, once per customer.",
        start=-400,
        end=None,
        weight=6,
        prefix="WELCOME-",
        vouchers=8,
        discounts=(pct(10),),
        quantities=(None,),
        rules=("once",),
        metadata={"source": "newsletter"},
    ),
    CampaignSpec(
        "school",
        "Back to School 2026",
        CampaignType.DISCOUNT_COUPONS,
        "Seasonal",
        "Amount-off codes for August and September; ended.",
        start=-100,
        end=-55,
        weight=10,
        prefix="SCHOOL-",
        vouchers=60,
        discounts=(off(1_500), off(2_500), off(5_000)),
        quantities=(5, 10, 10, 25),
        metadata={"region": "PL"},
    ),
    CampaignSpec(
        "vip",
        "VIP Friends & Family",
        CampaignType.DISCOUNT_COUPONS,
        "Loyalty",
        "Codes for gold and platinum members; stack with everything.",
        start=-300,
        end=None,
        weight=8,
        prefix="VIP-",
        vouchers=30,
        discounts=(pct(15), pct(25, 20_000)),
        quantities=(20, None),
        rules=("gold_segment",),
        metadata={"team": "crm"},
    ),
    CampaignSpec(
        "bundle",
        "Sneaker Bundle",
        CampaignType.DISCOUNT_COUPONS,
        "Seasonal",
        "Trail Sneakers and an accessory for a fixed {fixed_299}.",
        start=-120,
        end=60,
        weight=5,
        prefix="BUNDLE-",
        vouchers=20,
        discounts=(fixed(29_900),),
        quantities=(3, None, None),
        rules=("sneakers",),
    ),
    CampaignSpec(
        "summer",
        "Summer Gift Cards",
        CampaignType.GIFT_VOUCHERS,
        "Gift cards",
        "Gift cards sold in the shops and online.",
        start=-330,
        end=None,
        weight=14,
        prefix="GIFT-",
        vouchers=60,
        gift_amounts=(5_000, 10_000, 10_000, 20_000, 50_000),
        metadata={"sold_in": "shops and online"},
    ),
    CampaignSpec(
        "corp",
        "Corporate Gift Cards",
        CampaignType.GIFT_VOUCHERS,
        "Gift cards",
        "Gift cards bought by companies for their staff; valid one year.",
        start=-200,
        end=165,
        weight=5,
        prefix="CORP-",
        vouchers=20,
        gift_amounts=(25_000, 100_000),
        metadata={"b2b": True},
    ),
    CampaignSpec(
        "loyalty",
        "Loyalty Promotion",
        CampaignType.PROMOTION,
        "Loyalty",
        "Automatic discounts by membership tier; no code needed.",
        start=-365,
        end=None,
        weight=8,
        tiers=(
            TierSpec("Silver members 5%", pct(5), "tier_silver"),
            TierSpec("Gold members 10%", pct(10), "tier_gold"),
            TierSpec("Platinum members 15%", pct(15, 15_000), "tier_platinum"),
        ),
    ),
    CampaignSpec(
        "delivery",
        "Free Delivery Over 200",
        CampaignType.PROMOTION,
        "Delivery",
        "Delivery is on us for orders from {min_200}.",
        start=-200,
        end=None,
        weight=5,
        tiers=(TierSpec("Free delivery", off(1_500), "min_200"),),
    ),
)


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
        return tuple(self.name(spec.name) for spec in CAMPAIGNS)

    def rule_names(self) -> tuple[str, ...]:
        """The rules' names, in the installation's currency and as bare numbers (older demo data)."""
        names = {self.name(in_currency(spec.name, plain=plain)) for spec in RULES for plain in (False, True)}
        return tuple(sorted(names))

    def segment_names(self) -> tuple[str, ...]:
        return tuple(self.name(spec.name) for spec in SEGMENTS)


DEMO = Namespace()
DISCOUNT_KEYS = ("bf", "welcome", "school", "vip", "bundle")
GIFT_KEYS = ("summer", "corp")

# (product source_id, sku source_id, name, price)
PRODUCTS = (
    ("prod-sneakers", "sku-sneakers-42", "Trail Sneakers", 34_900),
    ("prod-jacket", "sku-jacket-l", "Rain Jacket", 44_900),
    ("prod-backpack", "sku-backpack-grey", "City Backpack", 25_900),
    ("prod-jeans", "sku-jeans-32", "Slim Jeans", 19_900),
    ("prod-hoodie", "sku-hoodie-m", "Hoodie", 17_900),
    ("prod-tee", "sku-tee-m", "Organic T-shirt", 7_900),
    ("prod-bottle", "sku-bottle-750", "Steel Bottle", 5_900),
    ("prod-cap", "sku-cap", "Baseball Cap", 4_900),
    ("prod-socks", "sku-socks-3pack", "Wool Socks (3 pack)", 3_900),
    ("prod-giftbox", "sku-giftbox", "Gift Box", 2_900),
)
ACCESSORIES = tuple(p for p in PRODUCTS if p[3] <= 5_900)

NAMES = {  # country: (weight, language, first names, last names)
    "PL": (35, "pl", ["Anna", "Zofia", "Maja", "Julia", "Hanna", "Jakub", "Piotr", "Tomasz", "Kacper", "Marek"],
           ["Nowak", "Kowal", "Wójcik", "Mazur", "Krawczyk", "Zając", "Król", "Wróbel"]),
    "DE": (18, "de", ["Lukas", "Jonas", "Leon", "Sophie", "Emma", "Mia", "Felix", "Lena"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker"]),
    "FR": (10, "fr", ["Camille", "Hugo", "Chloé", "Louis", "Léa", "Jules", "Manon"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit"]),
    "ES": (8, "es", ["Lucía", "Mateo", "Sofía", "Pablo", "Martina", "Daniel"],
           ["García", "Fernández", "López", "Martínez", "Sánchez"]),
    "GB": (10, "en", ["Oliver", "Amelia", "James", "Isla", "George", "Olivia"],
           ["Smith", "Jones", "Taylor", "Brown", "Williams"]),
    "NL": (7, "nl", ["Daan", "Sanne", "Lotte", "Bram", "Emma", "Ruben"],
           ["de Jong", "Jansen", "de Vries", "van Dijk", "Bakker"]),
    "US": (12, "en", ["Noah", "Emily", "Ethan", "Ava", "Liam", "Harper"],
           ["Johnson", "Miller", "Davis", "Wilson", "Moore"]),
}  # fmt: skip
TIERS = ("bronze", "silver", "gold", "platinum")
TIER_WEIGHTS = (50, 25, 18, 7)

# The API keys whose names are the channels of API calls: (name, weight, user agent, origin, metadata).
API_CHANNELS = (
    ("Web shop", 60, "OpenAPI-Python-SDK/6.1.1", "https://shop.example.com", {"store": "online", "platform": "web"}),
    ("Mobile app", 25, "okhttp/4.12.0", "", {"store": "online", "platform": "android"}),
    ("POS Warsaw", 15, "VoucherPOS/2.3 (Linux)", "", {"store": "Warsaw Mokotów", "platform": "pos"}),
)
UNKNOWN_CODES = ("BLACKFRIDAY", "SUMMER2025", "WELCOME", "FREESHIP", "BF26-OOOOOO", "VIP-TEST", "GIFT-1234")
ROLLBACK_REASONS = (
    "Order canceled by the customer",
    "Items returned",
    "Payment failed",
    "Duplicate order",
    "Fraud check failed",
)
SKIP_MESSAGES = {
    "applicable_redeemables_limit_exceeded": "Applicable redeemables limit exceeded",
    "applicable_redeemables_per_category_limit_exceeded": "Applicable redeemables per category limit exceeded",
    "applicable_exclusive_redeemables_limit_exceeded": "Applicable exclusive redeemables limit exceeded",
    "exclusion_rules_not_met": "Exclusion rules not met",
    "preceding_validation_failed": "Preceding validation failed",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed

# Share of random failures by code; the shape and payload errors are rarer than expired or used-up codes.
FAILURE_WEIGHTS = {
    FailureCode.RESOURCE_NOT_FOUND: 12,
    FailureCode.VOUCHER_NOT_ACTIVE: 5,
    FailureCode.VOUCHER_EXPIRED: 14,
    FailureCode.VOUCHER_DISABLED: 6,
    FailureCode.QUANTITY_EXCEEDED: 12,
    FailureCode.GIFT_AMOUNT_EXCEEDED: 9,
    FailureCode.ORDER_RULES_VIOLATED: 12,
    FailureCode.CUSTOMER_RULES_VIOLATED: 8,
    FailureCode.REDEMPTION_RULES_VIOLATED: 6,
    FailureCode.INVALID_ORDER: 2,
    FailureCode.INVALID_AMOUNT: 2,
    FailureCode.MISSING_AMOUNT: 2,
    FailureCode.MISSING_ORDER_ITEMS: 3,
    FailureCode.MISSING_CUSTOMER: 4,
    FailureCode.INVALID_PAYLOAD: 3,
}


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
