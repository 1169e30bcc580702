"""The last 90 days of the demo shop, replayed call by call through the product under the traveller's
clock: random calls from the shop's channels, and an agenda that makes sure every case shows up (each
failure code, sessions of every status, rollbacks, stacks, the dashboard user)."""

from __future__ import annotations

import random
from datetime import timedelta

from campaigns.services.vouchers import set_voucher_active
from loyalty.models import LoyaltyCard
from loyalty.services.expiration import expire_points
from loyalty.services.pending import activate_due
from redemptions.services.redemption import RedemptionOutcome
from redemptions.services.rewards import RewardRequest, redeem_reward
from sessions.models import ReleaseReason
from sessions.services import expire_sessions, release_session
from stacking.checks import FailureCode

from .bodies import Bodies, voucher
from .catalogue import CAMPAIGNS, CLUB, FAILURE_WEIGHTS, REFERRALS, ROLLBACK_REASONS, UNKNOWN_CODES, VALIDATIONS_KEPT
from .channels import Channel, call_redeem, call_release_lock, call_rollback, call_validate
from .clock import Traveller
from .shop import enroll

USER_SHARE = 0.06  # calls made by the admin in the dashboard
FAILING_SHARE = 0.08  # calls sent to fail, by FAILURE_WEIGHTS (others fail on their own)
STACK_SHARE = 0.5  # most baskets add a gift card or the loyalty tier: fewer calls for the same rows
VALIDATE_SHARE = 0.2  # of the API calls within the validations' retention: validated first
LOCK_SHARE = 0.25  # of those validations: with a LOCK session the redemption then uses
ROLLBACK_SHARE = 0.04


class Story:
    def __init__(self, *, traveller: Traveller, bodies: Bodies, channels: list[Channel], admin: Channel, seed: int):
        self.traveller, self.bodies, self.shop = traveller, bodies, bodies.shop
        self.channels, self.admin = channels, admin
        self.rng = random.Random(f"{seed}:history")
        self.target = 0
        self.rows = 0  # Redemption rows written so far
        self.wanted = {"user", "stack", "failed stack", "gift", "discount", "stacked", "retried"}  # not seen yet

    def run(self, target: int) -> None:
        self.target = target
        self.plan()
        slot = (self.traveller.end - self.traveller.start) * 0.985 / target
        while self.rows < target:
            moment = self.traveller.at(0.01 + 0.985 * self.rows / target) + slot * self.rng.random()
            self.traveller.move_to(moment)
            self.random_call()
        self.traveller.finish()
        self.beat()  # its last run, at the end of the history

    # -- the agenda -------------------------------------------------------------------------------------

    def plan(self) -> None:
        t = self.traveller
        for day in range(1, 91):  # the Celery beat's periodic tasks, once a day
            t.plan(t.start + timedelta(days=day), self.beat)
        admin = self.admin.caller(None)
        t.plan(
            t.start + timedelta(days=1.5),
            lambda: set_voucher_active(caller=admin, ref=self.aside("disabled"), active=False),
        )
        t.plan(t.at(0.03), lambda: self.redeem(self.api(), self.single(self.aside("used_up"), sneakers=True)))
        t.plan(t.at(0.031), lambda: self.redeem(self.api(), self.bodies.regular("welcome", 0, {})[0]))
        for i, code in enumerate(FailureCode):
            t.plan(t.at(0.035 + 0.003 * i), lambda code=code: self.fail(code))
        t.plan(t.at(0.70), lambda: self.lock(ttl=(2, "HOURS")))  # expires: EXPIRED
        t.plan(t.at(0.75), lambda: self.validate_skipped())
        t.plan(t.at(0.78), lambda: self.lock(then=("redeem", timedelta(hours=1))))
        t.plan(t.at(0.84), lambda: self.lock(then=("manual", timedelta(days=1))))
        t.plan(t.at(0.90), lambda: self.lock(then=("api", timedelta(hours=3))))
        t.plan(t.at(0.97), lambda: self.lock())  # still ACTIVE at the end
        for i in range(CLUB["rewards_redeemed"] if self.shop.reward else 0):  # members spend points now and then
            t.plan(t.at(0.05 + 0.9 * (i + self.rng.random()) / CLUB["rewards_redeemed"]), self.reward)
        # Customers join the loyalty program on the web shop (the first API channel: no random draw, so the
        # calls around keep theirs), each with a new card and its starting points.
        web_shop, club = self.channels[0].caller(None), self.shop.campaigns.get("club")
        for i, member in enumerate(self.shop.joining):
            t.plan(t.at(0.05 + 0.9 * i / len(self.shop.joining)), lambda m=member: enroll(club, [m], web_shop))
        for i, referrer in enumerate(REFERRALS if self.shop.referral_codes else ()):
            t.plan(t.at(0.1 + 0.07 * i), lambda i=i, referrer=referrer: self.referred(i, referrer))

    @staticmethod
    def beat() -> None:
        """What the beat runs: sessions expired, pending loyalty points activated on their day, points
        expired (on the load's own connection: a bulk load's rows are not committed yet)."""
        expire_sessions()
        activate_due()
        expire_points(workers=1)

    def referred(self, i: int, referrer: int) -> None:
        """A friend redeems a referrer's code (a referral: their reward and the referrer's tiers follow)."""
        friend = self.shop.customers[20 + i]  # referrers are customers 10 to 15: nobody refers themselves
        code = self.shop.referral_codes[referrer]
        self.redeem(self.api(), self.bodies.body([{"object": "voucher", "id": code}], friend, self.bodies.order(), {}))

    def reward(self) -> None:
        """A member with points enough spends some in the mobile app: on the program's pastry, or one time in
        two on part of an order, 300 points for €3.00 (Redemption rows)."""
        club, pastry, coin = self.shop.reward
        cards = LoyaltyCard.objects.filter(campaign_id=club, balance__gte=400).select_related("voucher__holder")
        if members := list(cards.order_by("voucher__code")):  # codes: drawn from the seed
            card, app = self.rng.choice(members).voucher, self.channels[1]
            if self.rng.random() < 0.5:
                paid = {"object": "voucher", "id": card.code, "reward": {"id": coin, "points": 300}}
                self.redeem(app, self.bodies.body([paid], card.holder, self.bodies.order(), app.metadata))
            else:
                redeem_reward(RewardRequest(member=card.code, reward_id=pastry), caller=app.caller(None))
                self.rows += 1

    def aside(self, key: str) -> str:
        return self.shop.aside[key].code

    def single(self, code: str, *, sneakers: bool = False) -> dict:
        customer = self.bodies.customer()
        return self.bodies.body([{"object": "voucher", "id": code}], customer, self.bodies.order(sneakers=sneakers), {})

    def fail(self, code: FailureCode) -> None:
        if code == FailureCode.REDEMPTION_RULES_VIOLATED and not self.bodies.welcomed:
            code = FailureCode.RESOURCE_NOT_FOUND
        channel = self.api()
        self.redeem(channel, self.bodies.failing(code, channel.metadata))

    def lock(self, *, ttl: tuple[int, str] = (7, "DAYS"), then: tuple[str, timedelta] | None = None) -> None:
        """A validation that opens a LOCK session on a welcome code, and what happens to it ``then``."""
        channel = self.api()
        body, _ = self.bodies.regular("welcome", 0, channel.metadata)
        session = call_validate(
            channel, {**body, "session": {"type": "LOCK", "ttl": ttl[0], "ttl_unit": ttl[1]}}
        ).session
        if session is None or then is None:
            return
        what, delay = then

        def follow_up() -> None:
            if what == "redeem":
                self.redeem(channel, {**body, "session": {"key": session.key}})
            elif what == "manual":
                release_session(key=session.key, caller=self.admin.caller(None), reason=ReleaseReason.MANUAL)
            else:
                call_release_lock(channel, body["redeemables"][0]["id"], session.key)

        self.traveller.later(delay, follow_up)

    def validate_skipped(self) -> None:
        """An exclusive Black Friday code next to a newsletter code: the second is skipped."""
        channel = self.api()
        body, _ = self.bodies.regular("bf", 0, channel.metadata)
        body["redeemables"].append({"object": "voucher", "id": self.bodies.open_voucher("welcome").code})
        call_validate(channel, body)
        call_validate(channel, self.single("BLACKFRIDAY"))

    # -- random calls -------------------------------------------------------------------------------------

    def api(self) -> Channel:
        return self.rng.choices(self.channels, [c.weight for c in self.channels])[0]

    def live_campaigns(self) -> tuple[list[str], list[int]]:
        days = (self.traveller.now - self.traveller.end) / timedelta(days=1)
        live = [s for s in CAMPAIGNS if (s.start is None or s.start <= days) and (s.end is None or days <= s.end)]
        live = [s for s in live if not self.bodies.used_up(s.key)] or live  # drained gift cards stay home
        return [s.key for s in live], [s.weight for s in live]

    def random_call(self) -> None:
        room = self.target - self.rows
        by_user = "user" in self.wanted or self.rng.random() < USER_SHARE
        channel = self.admin if by_user else self.api()
        if self.rng.random() < FAILING_SHARE:
            codes = list(FAILURE_WEIGHTS)
            self.fail(self.rng.choices(codes, list(FAILURE_WEIGHTS.values()))[0])
            return
        keys, weights = self.live_campaigns()
        extra = 0
        if room >= 3 and ("stack" in self.wanted or self.rng.random() < STACK_SHARE):
            extra = 2 if room >= 4 and self.rng.random() < 0.3 else 1
        body, _ = self.bodies.regular(self.rng.choices(keys, weights)[0], extra, channel.metadata)
        if extra and self.wanted & {"stack", "failed stack"} == {"failed stack"}:  # after a stack that stands,
            # one with a code nobody issued: it sinks the whole stack
            self.wanted.discard("failed stack")
            body["redeemables"].append(voucher(UNKNOWN_CODES[0]))
        recent = self.traveller.end - self.traveller.now < VALIDATIONS_KEPT - timedelta(days=1)
        if channel.key and recent and self.rng.random() < VALIDATE_SHARE:
            single = len(body["redeemables"]) == 1 and body["redeemables"][0]["object"] == "voucher"
            lock = single and self.rng.random() < LOCK_SHARE  # a session locks vouchers: one to lock
            asked = {**body, "session": {"type": "LOCK"}} if lock else body
            session = call_validate(channel, asked).session
            if session is not None:
                body = {**body, "session": {"key": session.key}}
        self.redeem(channel, body)

    def redeem(self, channel: Channel, body: dict) -> RedemptionOutcome:
        outcome = call_redeem(channel, body)
        self.rows += len(outcome.redemptions) + len(outcome.failed) + (outcome.parent is not None)
        if outcome.error is None:
            self.succeeded(channel, outcome, body)
        return outcome

    def succeeded(self, channel: Channel, outcome: RedemptionOutcome, body: dict) -> None:
        left = self.shop.left
        for r in outcome.redemptions:
            if r.voucher_code in left and left[r.voucher_code] is not None:
                left[r.voucher_code] -= r.amount if r.voucher.is_gift else 1
            if r.campaign_id == self.shop.campaigns["welcome"].id:
                self.bodies.welcomed.add(body["customer"]["source_id"])
        first = outcome.redemptions[0]
        kind = "stacked" if outcome.parent else ("gift" if first.voucher and first.voucher.is_gift else "discount")
        self.wanted -= {"user"} if channel.key is None else set()
        self.wanted -= {"stack"} if outcome.parent else set()
        aside = {v.code for v in self.shop.aside.values()}
        if any(r.voucher_code in aside for r in outcome.redemptions):
            return
        if kind in self.wanted or self.rng.random() < ROLLBACK_SHARE:
            self.wanted.discard(kind)
            target = outcome.parent or outcome.redemptions[0]
            reason = self.rng.choice(ROLLBACK_REASONS)
            api = self.api()
            delay = timedelta(hours=self.rng.uniform(1, 120))

            def roll_back() -> None:
                call_rollback(api, target.id, reason, stacked=outcome.parent is not None)

            self.traveller.later(delay, roll_back)
            if "retried" in self.wanted:  # a client that sends its rollback twice: the second is refused
                self.wanted.discard("retried")
                self.traveller.later(delay + timedelta(hours=1), roll_back)
