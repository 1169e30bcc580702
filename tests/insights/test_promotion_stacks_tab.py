"""A promotion's Tiers tab lists its stacks, each with its tiers in the order they apply."""

import pytest

from campaigns.models import CampaignType
from campaigns.services.stacks import StackChanges, create_stack
from tests.factories import make_campaign
from tests.redemptions.factories import make_tier
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db


def test_the_tiers_tab_lists_each_stack_with_its_tiers_in_order(marketer_client):
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    gold, silver = make_tier(campaign=promo, name="Gold"), make_tier(campaign=promo, name="Silver", active=False)
    made = create_stack(
        caller=Caller("API", "test"), campaign_ref=promo.pk, changes=StackChanges("Weekend", (silver.pk, gold.pk))
    )

    html = marketer_client.get(f"/campaigns/{promo.pk}/tiers/").content.decode()
    row = html[html.index(f'data-stack="{made.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Weekend" in row and row.index("Silver") < row.index("Gold") and "Disabled" in row


def test_a_promotion_without_stacks_says_what_a_stack_is(marketer_client):
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    html = marketer_client.get(f"/campaigns/{promo.pk}/tiers/").content.decode()
    assert "No stacks. A stack names several of these tiers that a shop's checkout applies together" in html
