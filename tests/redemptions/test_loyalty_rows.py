"""A loyalty card's redemptions in the Redemptions list and on their pages: points that paid part of an order
say what they paid and with how many points; a reward taken for points says which and the points it cost (it
gave no money, no discount)."""

import pytest

from loyalty.services.programs import add_member, create_program
from loyalty.services.rewards import assign, create_reward
from redemptions.services.redemption import redeem
from redemptions.services.rewards import RewardRequest, redeem_reward
from tests.factories import stack
from tests.redemptions.factories import make_user
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("shop")


def _cell(html: str, redemption_id: str) -> str:
    """The row's "Value given" cell onwards (the rest of the row)."""
    return html.split(f'id="row-{redemption_id}"')[1].split("</tr>")[0]


def test_points_that_paid_an_order_and_a_reward_taken_for_points_say_what_they_gave(client, role_user):
    club = create_program(caller=CALLER, name="Club", points=2_000)
    coin = create_reward(caller=CALLER, fields={"name": "Pay with points", "type": "COIN", "exchange_ratio": 1,
                                                "points_ratio": 100})  # fmt: skip
    mug = create_reward(caller=CALLER, fields={"name": "Mug", "type": "MATERIAL", "product_id": "mug"})
    assign(caller=CALLER, program=club.pk, items=[(coin.pk, 1), (mug.pk, 1_200)])
    card = add_member(caller=CALLER, program=club.pk, customer={"source_id": "ann"})
    paid = {"object": "voucher", "id": card.code, "reward": {"id": coin.pk, "points": 350}}
    outcome = redeem(stack(redeemables=[paid], order={"amount": 2_500}, customer={"source_id": "ann"}), caller=CALLER)
    [paying] = outcome.redemptions
    taken = redeem_reward(RewardRequest(member=card.code, reward_id=mug.pk), caller=CALLER)

    client.force_login(make_user(role_user, "Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert "€3.50" in _cell(html, paying.pk) and "paid with 350 points" in _cell(html, paying.pk)
    assert "1,200 points" in _cell(html, taken.pk) and "for a reward" in _cell(html, taken.pk)
    assert "€0.00" not in _cell(html, taken.pk)

    paying_page = client.get(f"/redemptions/{paying.pk}/").content.decode()
    assert 'data-testid="redemption-points">350<' in paying_page and "Paid with points" in paying_page
    assert 'data-testid="redemption-discount"' not in paying_page  # the €3.50 is not also a discount
    taken_page = client.get(f"/redemptions/{taken.pk}/").content.decode()
    assert 'data-testid="redemption-reward">Mug<' in taken_page
    assert 'data-testid="redemption-points">1,200<' in taken_page
    assert 'data-testid="redemption-discount"' not in taken_page
