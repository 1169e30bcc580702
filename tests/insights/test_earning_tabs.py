"""A loyalty program's Earning rules, Pending points and Rewards catalog tabs: what each role sees, an Admin
turning a rule off and on, and an Admin activating or canceling pending points with a reason (form errors
without one)."""

import pytest

from auditlog.models import Event
from campaigns.models import Order
from loyalty.models import LoyaltyCard, PendingPoints, PointsBucket
from loyalty.services.earning import earn_for_order
from loyalty.services.earning_rules import create_rules
from loyalty.services.points import PointsChange, change_balance
from loyalty.services.programs import add_member, create_program
from loyalty.services.rewards import assign, create_reward
from redemptions.services.redemption import redeem
from redemptions.services.rewards import RewardRequest, redeem_reward
from tests.factories import stack
from voucherhub.caller import Caller

from .test_loyalty_tabs import signed_in

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")
PER_EURO = {
    "type": "PROPORTIONAL",
    "calculation_type": "ORDER_AMOUNT",
    "order": {"amount": {"every": 100, "points": 2}},
}


@pytest.fixture
def club():
    """A program whose rule holds a point per euro for 30 days, and one order of Ann's that earned 40."""
    program = create_program(caller=CALLER, name="Club")
    rule = create_rules(
        caller=CALLER,
        program=program.pk,
        rules=[{"event": "order.paid", "loyalty": PER_EURO, "banner": "Two points a euro", "pending_days": 30}],
    )[0]
    card = add_member(caller=CALLER, program=program.pk, customer={"source_id": "ann", "name": "Ann Lee"})
    order = Order.objects.create(source_id="web-1", customer=card.holder, amount=2_000, total_amount=2_000)
    earn_for_order(order, caller=CALLER)
    return program, rule, card.code, PendingPoints.objects.get()


def test_a_marketer_reads_rules_and_pending_points_but_cannot_change_them(client, role_user, club):
    program, rule, code, entry = club
    marketer = signed_in(client, role_user, "Marketer")
    rules = marketer.get(f"/campaigns/{program.pk}/earning-rules/").content.decode()
    assert f'data-rule="{rule.pk}"' in rules and "Two points a euro" in rules
    assert "2 points for every €1.00 of the order&#x27;s amount" in rules and "30 days" in rules
    page = marketer.get(f"/campaigns/{program.pk}/earning-rules/{rule.pk}/").content.decode()
    assert 'data-testid="rule-status">On<' in page and "Turn the rule off" not in page
    assert marketer.post(f"/campaigns/{program.pk}/earning-rules/{rule.pk}/").status_code == 403

    pending = marketer.get(f"/campaigns/{program.pk}/pending-points/").content.decode()
    assert f'data-pending="{entry.pk}"' in pending and 'data-points="40"' in pending
    entry_page = marketer.get(f"/campaigns/{program.pk}/pending-points/{entry.pk}/").content.decode()
    assert "40 points pending" in entry_page and "Activate now" not in entry_page
    assert '<input type="date" name="due_by"' in pending  # the "Usable by" filter: a date picker
    usable = f'<time datetime="{entry.activates_at.isoformat()}">'
    assert usable in pending and usable in entry_page  # the day they become usable, as the dashboard writes dates
    sent = {"decision": "activate", "reason": "x"}
    assert marketer.post(f"/campaigns/{program.pk}/pending-points/{entry.pk}/", sent).status_code == 403
    assert LoyaltyCard.objects.get(voucher__code=code).balance == 0
    overview = marketer.get(f"/campaigns/{program.pk}/").content.decode()
    assert 'data-figure="points_pending" data-value="40"' in overview


def test_an_admin_turns_a_rule_off_and_on(client, role_user, club):
    program, rule, _, _ = club
    admin = signed_in(client, role_user, "Admin")
    url = f"/campaigns/{program.pk}/earning-rules/{rule.pk}/"
    assert "Turn the rule off" in admin.get(url).content.decode()
    answer = admin.post(url)
    assert answer.status_code == 302
    page = admin.get(answer["Location"]).content.decode()
    assert "members no longer earn by it" in page and 'data-testid="rule-status">Off<' in page
    rules = f"/campaigns/{program.pk}/earning-rules/"
    assert f'data-rule="{rule.pk}"' in admin.get(rules, {"active": "false"}).content.decode()
    assert f'data-rule="{rule.pk}"' not in admin.get(rules, {"active": "true"}).content.decode()
    assert "Any status" in admin.get(rules).content.decode()
    admin.post(url)
    rule.refresh_from_db()
    assert rule.active is True
    assert (
        Event.objects.filter(type__in=["earning_rule.disabled", "earning_rule.enabled"], user__username="admin").count()
        == 2
    )


def test_an_admin_activates_pending_points_with_a_reason(client, role_user, club):
    program, _, code, entry = club
    admin = signed_in(client, role_user, "Admin")
    url = f"/campaigns/{program.pk}/pending-points/{entry.pk}/"
    answer = admin.post(url, {"decision": "activate", "reason": "Parcel delivered early"})
    assert answer.status_code == 302 and answer["Location"] == f"/campaigns/{program.pk}/pending-points/"
    assert "40 pending points of card" in admin.get(answer["Location"]).content.decode()
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert (card.balance, card.pending_points) == (40, 0)
    event = Event.objects.get(type="voucher.loyalty_card.pending_points.activated")
    assert event.data["reason"] == "Parcel delivered early" and event.user.username == "admin"
    assert admin.get(url).status_code == 404  # no longer pending


def test_an_admin_cancels_pending_points_and_a_missing_reason_is_a_form_error(client, role_user, club):
    program, _, code, entry = club
    admin = signed_in(client, role_user, "Admin")
    url = f"/campaigns/{program.pk}/pending-points/{entry.pk}/"
    refused = admin.post(url, {"decision": "cancel", "reason": "  "})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    assert PendingPoints.objects.get().status == "PENDING"

    admin.post(url, {"decision": "cancel", "reason": "Order returned"})
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert (card.balance, card.pending_points) == (0, 0)
    assert PendingPoints.objects.get().status == "CANCELED"


def test_staff_cannot_open_the_earning_tabs(client, role_user, club):
    program, rule, _, entry = club
    staff = signed_in(client, role_user, "Staff")
    assert staff.get(f"/campaigns/{program.pk}/earning-rules/").status_code == 403
    assert staff.get(f"/campaigns/{program.pk}/pending-points/{entry.pk}/").status_code == 403


def test_the_rewards_catalog_tab_lists_what_the_program_offers_and_for_how_many_points(client, role_user, club):
    program = club[0]
    marketer = signed_in(client, role_user, "Marketer")
    assert "No rewards offered yet" in marketer.get(f"/campaigns/{program.pk}/rewards/").content.decode()
    mug = create_reward(caller=CALLER, fields={"name": "Mug", "type": "MATERIAL", "product_id": "prod_mug", "stock": 5})
    assignment = assign(caller=CALLER, program=program.pk, items=[(mug.pk, 300)])[0]
    page = marketer.get(f"/campaigns/{program.pk}/rewards/").content.decode()
    assert f'data-assignment="{assignment.pk}"' in page and "Mug" in page and "300 points" in page
    assert "Material item prod_mug" in page
    coin = create_reward(caller=CALLER, fields={"name": "Coins", "type": "COIN", "exchange_ratio": 1,
                                                "points_ratio": 100})  # fmt: skip
    paying = assign(caller=CALLER, program=program.pk, items=[(coin.pk, 1)])[0]
    row = marketer.get(f"/campaigns/{program.pk}/rewards/").content.decode().split(f'data-assignment="{paying.pk}"')[1]
    row = row.split("</tr>")[0]
    assert "Pay with points: 100 points worth €1.00" in row and "1 point" not in row  # no price: the rate pays


def test_the_reward_redemptions_tab_lists_rewards_paid_with_points_and_names_members_only_for_admins(
    client, role_user, club
):
    program, _, code, _ = club
    mug = create_reward(caller=CALLER, fields={"name": "Mug", "type": "MATERIAL", "product_id": "prod_mug"})
    assign(caller=CALLER, program=program.pk, items=[(mug.pk, 30)])
    change_balance(caller=CALLER, member=code, change=PointsChange(50, "welcome"))
    redemption = redeem_reward(RewardRequest(member=code, reward_id=mug.pk), caller=CALLER)

    coin = create_reward(caller=CALLER, fields={"name": "Coins", "type": "COIN", "exchange_ratio": 1,
                                                "points_ratio": 100})  # fmt: skip
    assign(caller=CALLER, program=program.pk, items=[(coin.pk, 1)])
    change_balance(caller=CALLER, member=code, change=PointsChange(500, "bonus"))
    paid = {"object": "voucher", "id": code, "reward": {"id": coin.pk, "points": 350}}
    redeem(stack(redeemables=[paid], order={"amount": 2_500}, customer={"source_id": "ann"}), caller=CALLER)

    marketer = signed_in(client, role_user, "Marketer")
    page = marketer.get(f"/campaigns/{program.pk}/reward-redemptions/").content.decode()
    assert f'data-redemption="{redemption.pk}"' in page and "Mug" in page and "30" in page
    assert "Coins" in page and "€3.50 off the order" in page  # what paying with 350 points gave
    assert "Ann Lee" not in page
    client.logout()
    admin = signed_in(client, role_user, "Admin")
    assert "Ann Lee" in admin.get(f"/campaigns/{program.pk}/reward-redemptions/").content.decode()


def test_the_tiers_tab_shows_each_tiers_range_and_members(client, role_user, club):
    from loyalty.services.tiers import create_tiers

    program = club[0]
    marketer = signed_in(client, role_user, "Marketer")
    assert "No tiers yet" in marketer.get(f"/campaigns/{program.pk}/loyalty-tiers/").content.decode()
    silver, gold = create_tiers(caller=CALLER, program=program.pk, items=[
        {"name": "Silver", "points_from": 0, "points_to": 99}, {"name": "Gold", "points_from": 100},
    ])  # fmt: skip
    page = marketer.get(f"/campaigns/{program.pk}/loyalty-tiers/").content.decode()
    assert f'data-tier="{silver.pk}" data-members="1"' in page and f'data-tier="{gold.pk}" data-members="0"' in page
    assert "100 and more points" in page


def test_the_points_expiration_tab_lists_points_soonest_to_expire_first(client, role_user):
    program = create_program(caller=CALLER, name="Expiring club", points=30,
                             expiration_rules={"period_type": "MONTH", "period_value": 2})  # fmt: skip
    card = add_member(caller=CALLER, program=program.pk, customer={"source_id": "bea"})
    change_balance(caller=CALLER, member=card.code, change=PointsChange(20, "bonus"))
    marketer = signed_in(client, role_user, "Marketer")
    page = marketer.get(f"/campaigns/{program.pk}/points-expiration/").content.decode()
    assert page.count("data-bucket=") == 2 and 'data-points="30"' in page and 'data-points="20"' in page
    assert card.code in page and '<input type="date" name="expires_by"' in page  # "Expiring by": a date picker
    # The day they expire, written as the dashboard writes dates, with the ISO date for machines.
    due = PointsBucket.objects.filter(card__voucher__code=card.code).first().expires_at
    assert (
        f'<time datetime="{due.isoformat()}"><span class="vh-date">{due:%b} {due.day}, {due.year}</span></time>' in page
    )
