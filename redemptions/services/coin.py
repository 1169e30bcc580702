"""Paying with points: a loyalty card among a redemption's redeemables, with a pay-with-points (COIN) reward
its program offers (``{"object": "voucher", "id": <card code>, "reward": {"id": <reward id>, "points": n}}``),
pays part of the order as a gift card would. Its points are worth ``exchange_ratio`` of the currency for
every ``points_ratio`` of them (Reward.point_worth): the engine sees the card as a gift card holding what its
balance is worth (stacking.checks), ``points`` asking for what they are worth (no points: as much as the
order takes). A successful redemption spends the whole points that cover the discount (rounded up) from the
card under its row lock, in the ledger (POINTS_REDEMPTION), and records the points and the reward on the
redemption; a rollback gives them back (redemptions.services.rewards.give_back). A validation's session
holds no points: they are spent by the redemption alone.
"""

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

from campaigns.models import Voucher
from loyalty.models import LoyaltyCard, RewardAssignment, RewardType
from loyalty.services import points as loyalty_points
from stacking.checks import GiftRequest
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .requests import PointsRequest


@dataclass
class Coin:
    """A card paying with its points: the card (locked when the call locks), the program's COIN reward."""

    card: LoyaltyCard
    assignment: RewardAssignment
    worth: Fraction  # one point, in minor units

    @property
    def reward(self):
        return self.assignment.reward

    def value(self, points: int) -> int:
        """What ``points`` pay, in minor units (rounded down)."""
        return floor(points * self.worth)

    def points_for(self, credits: int) -> int:
        """The whole points that pay ``credits`` (rounded up)."""
        return ceil(credits / self.worth) if credits else 0

    def available(self) -> int:
        return self.value(self.card.balance)

    def gift_request(self, asked: PointsRequest) -> GiftRequest:
        return GiftRequest() if asked.points is None else GiftRequest(credits=self.value(asked.points))

    def spend(self, credits: int, *, redemption_id: str, caller: Caller) -> int:
        """Takes the points paying ``credits`` off the (locked) card; returns them."""
        points = self.points_for(credits)
        if points:
            change = loyalty_points.PointsChange(-points, reason=f"Paid with points: {self.reward.name}")
            loyalty_points.apply(self.card, -points, "POINTS_REDEMPTION", caller=caller, change=change,
                                 redemption_id=redemption_id)  # fmt: skip
        return points


def _refused(index: int, details: str) -> DomainError:
    return DomainError("invalid_redeemables", "Invalid redeemables", f"Redeemable .redeemables[{index}]: {details}")


def coin_for(index: int, voucher: Voucher, asked: PointsRequest | None, *, lock: bool) -> Coin | None:
    """The card ``voucher`` paying with its points as ``asked`` (None when ``asked`` cannot be read: the
    redeemable's own failure); a card sent without a pay-with-points reward of its program is refused."""
    if asked is None:
        raise _refused(index, f"loyalty card {voucher.code} pays with its points only with reward.id of a "
                              "pay-with-points (COIN) reward of its program")  # fmt: skip
    if asked.problem is not None:
        return None
    cards = LoyaltyCard.objects.select_for_update() if lock else LoyaltyCard.objects
    card = cards.filter(pk=voucher.pk).first()
    if card is None:  # a LOYALTY_CARD voucher made outside a program (an import): it holds no points
        raise _refused(index, f"loyalty card {voucher.code} holds no points")
    card.voucher = voucher  # the row the call already holds
    assignment = (
        RewardAssignment.objects.select_related("reward")
        .filter(campaign_id=card.campaign_id, reward_id=asked.reward_id)
        .first()
    )
    if assignment is None or assignment.reward.type != RewardType.COIN:
        raise _refused(index, f"reward {asked.reward_id} is no pay-with-points (COIN) reward of the program of "
                              f"loyalty card {voucher.code}")  # fmt: skip
    worth = assignment.reward.point_worth()
    if worth <= 0:
        raise _refused(index, f"reward {asked.reward_id} gives no money for points")
    return Coin(card=card, assignment=assignment, worth=worth)
