"""The JSON bodies of the demo's calls, as a shop's client would send them: orders from the catalogue's
products, the customer by source id, and for each failure code a body that ends in it."""

from __future__ import annotations

import itertools
import random

from campaigns.models import Customer, Voucher
from stacking.checks import FailureCode

from .catalogue import ACCESSORIES, PRODUCTS, UNKNOWN_CODES
from .shop import Shop

SNEAKERS = PRODUCTS[0]
GIFT_SPENDS = (1_000, 2_500, 2_500, 5_000, 10_000)  # credits a customer takes from a gift card for one basket


def item(product: tuple[str, str, str, int], quantity: int) -> dict:
    source, sku, name, price = product
    return {
        "source_id": sku,
        "related_object": "sku",
        "quantity": quantity,
        "price": price,
        "amount": price * quantity,
        "product": {"source_id": source, "name": name, "price": price},
    }


def voucher(code: str, **gift) -> dict:
    return {"object": "voucher", "id": code, **({"gift": gift["gift"]} if gift else {})}


class Bodies:
    def __init__(self, rng: random.Random, shop: Shop) -> None:
        self.rng, self.shop = rng, shop
        self.orders = itertools.count(1)
        self.welcomed: set[str] = set()  # customers who have used a welcome code

    def order(self, *, minimum: int = 0, sneakers: bool = False) -> dict:
        """A basket of one to four lines worth at least ``minimum``; with ``sneakers`` it holds the Trail
        Sneakers and an accessory (the bundle)."""
        lines = [item(SNEAKERS, 1), item(self.rng.choice(ACCESSORIES), 1)] if sneakers else []
        for _ in range(0 if sneakers else self.rng.randint(1, 4)):
            lines.append(item(self.rng.choice(PRODUCTS), self.rng.choice((1, 1, 1, 2))))
        while sum(line["amount"] for line in lines) < minimum:
            lines.append(item(self.rng.choice(PRODUCTS[:5]), 1))
        return self.shaped(items=lines, amount=sum(line["amount"] for line in lines))

    def shaped(self, **fields) -> dict:
        return {"source_id": f"{self.shop.names.source_prefix}ord-{next(self.orders):06d}", **fields}

    def customer(self, tiers: tuple[str, ...] | None = None, *, fresh: bool = False) -> Customer:
        """A random customer, of one of ``tiers``; ``fresh``: one who has not used a welcome code."""
        pool = [c for t in tiers for c in self.shop.by_tier.get(t, [])] if tiers else self.shop.customers
        if fresh:
            pool = [c for c in pool if c.source_id not in self.welcomed] or pool
        return self.rng.choice(pool)

    @staticmethod
    def body(redeemables: list[dict], customer: Customer | None, order: dict | None, metadata: dict) -> dict:
        body: dict = {"redeemables": redeemables}
        if order is not None:
            body["order"] = order
        if customer is not None:
            body["customer"] = {"source_id": customer.source_id}
        body["metadata"] = metadata
        return body

    def usable(self, key: str) -> list[Voucher]:
        """Campaign ``key``'s vouchers that the demo believes still have a use or credits left (what it knows
        goes below zero when a rolled back redemption's credits were spent again)."""
        return [v for v in self.shop.vouchers.get(key, ()) if (left := self.shop.left.get(v.code)) is None or left > 0]

    def used_up(self, key: str) -> bool:
        """Every voucher of campaign ``key`` used up or drained: customers stop bringing them (no promotion is)."""
        return bool(self.shop.vouchers.get(key)) and not self.usable(key)

    def open_voucher(self, key: str) -> Voucher:
        """A voucher of campaign ``key`` with a use left (any of them, if none has: the call then fails)."""
        return self.rng.choice(self.usable(key) or self.shop.vouchers[key])

    def failing(self, code: FailureCode, metadata: dict) -> dict:
        """A single-redeemable body whose redeemable fails with ``code`` (the aside vouchers, the rules)."""
        aside, rng = self.shop.aside, self.rng
        welcome = voucher(self.open_voucher("welcome").code)
        someone = self.customer()
        parts = {
            FailureCode.RESOURCE_NOT_FOUND: lambda: (voucher(rng.choice(UNKNOWN_CODES)), someone, self.order()),
            FailureCode.VOUCHER_NOT_ACTIVE: lambda: (voucher(aside["not_active"].code), someone, self.order()),
            FailureCode.VOUCHER_EXPIRED: lambda: (voucher(aside["expired"].code), someone, self.order()),
            FailureCode.VOUCHER_DISABLED: lambda: (voucher(aside["disabled"].code), someone, self.order()),
            FailureCode.QUANTITY_EXCEEDED: lambda: (voucher(aside["used_up"].code), someone, self.order(sneakers=True)),
            FailureCode.GIFT_AMOUNT_EXCEEDED: lambda: (
                voucher(self.open_voucher("summer").code, gift={"credits": 10_000_000}),
                someone,
                self.order(),
            ),
            FailureCode.ORDER_RULES_VIOLATED: lambda: (
                {"object": "promotion_tier", "id": self.shop.tiers["delivery"][0].id},
                someone,
                self.shaped(items=[item(ACCESSORIES[-1], 1)], amount=ACCESSORIES[-1][3]),
            ),
            FailureCode.CUSTOMER_RULES_VIOLATED: lambda: (
                voucher(self.open_voucher("vip").code),
                self.customer(("bronze", "silver")),
                self.order(),
            ),
            FailureCode.REDEMPTION_RULES_VIOLATED: lambda: (welcome, self._welcomed(someone), self.order()),
            FailureCode.INVALID_ORDER: lambda: (welcome, someone, self.shaped(items=[item(PRODUCTS[5], 0)])),
            FailureCode.INVALID_AMOUNT: lambda: (welcome, someone, self.shaped(amount=-rng.randint(100, 5_000))),
            FailureCode.MISSING_AMOUNT: lambda: (welcome, someone, None),
            FailureCode.MISSING_ORDER_ITEMS: lambda: (
                voucher(self.open_voucher("bundle").code),
                someone,
                self.shaped(amount=40_000),
            ),
            FailureCode.MISSING_CUSTOMER: lambda: (welcome, None, self.order()),
            FailureCode.INVALID_PAYLOAD: lambda: (
                voucher(aside["payload"].code, gift="all of it"),
                someone,
                self.order(),
            ),
        }
        redeemable, customer, order = parts[code]()
        return self.body([redeemable], customer, order, metadata)

    def _welcomed(self, fallback: Customer) -> Customer:
        known = [c for c in self.shop.customers if c.source_id in self.welcomed]
        return self.rng.choice(known) if known else fallback

    def regular(self, key: str, extra: int, metadata: dict) -> tuple[dict, Customer]:
        """A stack a customer would send for campaign ``key`` (a customer and a basket it applies to), and
        ``extra`` more redeemables: their gift card, or their membership tier's promotion."""
        tiers = {"vip": ("gold", "platinum"), "loyalty": ("silver", "gold", "platinum")}.get(key)
        customer = self.customer(tiers, fresh=key == "welcome")
        minimum = {"bf": 10_000, "delivery": 20_000}.get(key, 0)
        order = self.order(minimum=minimum, sneakers=key == "bundle")
        redeemables = [self.redeemable(key, customer)]
        for other in self.rng.sample(["summer", "loyalty", "corp"], k=extra):
            if other == "loyalty" and customer.metadata["tier"] == "bronze":
                other = "summer"
            if self.used_up(other):
                continue
            candidate = self.redeemable(other, customer)
            if all(r["id"] != candidate["id"] for r in redeemables):
                redeemables.append(candidate)
        return self.body(redeemables, customer, order, metadata), customer

    def redeemable(self, key: str, customer: Customer) -> dict:
        if key == "loyalty":
            tier = {"silver": 0, "gold": 1, "platinum": 2}.get(customer.metadata["tier"], 0)
            return {"object": "promotion_tier", "id": self.shop.tiers["loyalty"][tier].id}
        if key == "delivery":
            return {"object": "promotion_tier", "id": self.shop.tiers["delivery"][0].id}
        chosen = self.open_voucher(key)
        if not chosen.is_gift:
            return voucher(chosen.code)
        # Its holder spends part of a gift card, what it has left at most: a card lasts several baskets.
        left, credits = self.shop.left.get(chosen.code) or 0, self.rng.choice(GIFT_SPENDS)
        return voucher(chosen.code, gift={"credits": min(credits, left) if left > 0 else credits})
