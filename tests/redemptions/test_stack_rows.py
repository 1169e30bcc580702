"""The Redemptions list groups a stack's redemptions under their parent only where that keeps the page in
its sort order (redemptions.tables.stacks_grouped); elsewhere each links its parent."""

import re

import pytest

from campaigns.models import CampaignType
from redemptions.services.redemption import redeem
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_redemption, make_user
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_stack():
    make_voucher(code="SAVE10", percent_off=10, campaign=make_campaign(name="Coupons"))
    make_gift_card(
        code="CARD", amount=5_000, campaign=make_campaign(name="Gift", campaign_type=CampaignType.GIFT_VOUCHERS)
    )
    outcome = redeem(
        stack(
            redeemables=[
                {"object": "voucher", "id": "SAVE10"},
                {"object": "voucher", "id": "CARD", "gift": {"credits": 9_000}},
            ],
            order={"amount": 10_000},
        ),
        caller=Caller.system("shop"),
    )
    assert outcome.parent is not None and len(outcome.failed) == 2
    return outcome


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr id="row-([^"]+)" class="[^"]*"([^>]*)>', html)


def test_by_date_a_stacks_redemptions_follow_their_parent_marked_as_part_of_it(client, role_user, failed_stack):
    make_redemption(voucher_code="OTHER", days_ago=1)
    client.force_login(make_user(role_user, "Marketer"))
    rows = _rows(client.get("/redemptions/").content.decode())
    parent = failed_stack.parent.pk
    assert rows[0] == (parent, f' data-stack="{parent}"')
    assert {pk for pk, _ in rows[1:3]} == {row.pk for row in failed_stack.failed}
    assert all(attrs == f' data-stack-parent="{parent}" data-grouped' for _, attrs in rows[1:3])


def test_sorted_by_code_a_row_between_keeps_its_place_and_the_children_link_their_parent(
    client, role_user, failed_stack
):
    make_redemption(voucher_code="BBB", days_ago=1)  # between the parent (no code) and CARD, SAVE10
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get("/redemptions/?sort=voucher_code").content.decode()
    rows = _rows(html)
    parent = failed_stack.parent.pk
    assert [attrs for _, attrs in rows][2:] == [f' data-stack-parent="{parent}"'] * 2
    assert html.count('data-testid="stack-parent-link"') == 2
    assert html.count(f'href="/redemptions/{parent}/" title="{parent}"') >= 2
