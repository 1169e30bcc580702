"""Referral programs through the official SDK: a REFERRAL_PROGRAM campaign (CampaignsApi) whose codes are
published to referrers; a referee converts by redeeming a referrer's code (RedemptionsApi) or by the
program's custom event naming it (EventsApi.track_custom_event), counted once per program; the referrer's
reward tiers and the referee's reward are granted once; a customer cannot use their own code; a code's
holders are added, listed and removed (ReferralsApi)."""

import json

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException

from auditlog.models import Event
from campaigns.models import Customer, Voucher
from loyalty.models import LoyaltyCard
from referrals.models import CodeHolder, Referral, ReferralReward, Referrer
from referrals.services.tiers import create_tier
from tests.factories import make_campaign, make_voucher
from voucherhub.caller import Caller

from .test_sdk_loyalty_cards import program
from .test_sdk_rewards import reward

pytestmark = pytest.mark.django_db(transaction=True)


def referral_program(sdk, name="Friends", **settings) -> M.CampaignsCreateResponseBody:
    body = {
        "name": name,
        "campaign_type": "REFERRAL_PROGRAM",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}},
        "vouchers_count": 3,
        "referral_program": {"conversion_event_type": "redemption", **settings},
    }
    return V.CampaignsApi(sdk).create_campaign(M.CampaignsCreateRequestBody.from_dict(body))


def publish(sdk, campaign_id: str, source_id: str) -> str:
    body = V.PublicationsCreateRequestBody.from_dict(
        {"customer": {"source_id": source_id}, "campaign": {"name": campaign_id}}
    )
    return V.PublicationsApi(sdk).create_publication(publications_create_request_body=body).voucher.code


def redeem(sdk, code: str, source_id: str | None, order_id: str = "o1"):
    body = M.RedemptionsRedeemRequestBody(
        redeemables=[M.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=code)],
        order=M.Order(amount=10_000, source_id=order_id),
        customer=M.Customer(source_id=source_id) if source_id else None,
    )
    return V.RedemptionsApi(sdk).redeem_stacked_discounts(body)


def track(sdk, event: str, source_id: str, **referral):
    body = M.EventsCreateRequestBody.from_dict(
        {"event": event, "customer": {"source_id": source_id}, "referral": referral}
    )
    return V.EventsApi(sdk).track_custom_event(body)


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)


def customer(source_id: str) -> Customer:
    return Customer.objects.get(source_id=source_id)


def test_a_referral_program_is_created_with_its_settings_and_its_codes_are_referral_codes(sdk):
    club = program(sdk, name="Club", points=0)
    made = referral_program(
        sdk, referee_reward={"related_object_parent": {"id": club.id}, "type": "LOYALTY_CARD", "amount": "50"}
    )
    assert made.campaign_type == "REFERRAL_PROGRAM" and made.vouchers_count == 3
    assert made.referral_program.conversion_event_type == "redemption"
    parent = made.referral_program.referee_reward.related_object_parent
    assert (parent.id, parent.name, made.referral_program.referee_reward.amount) == (club.id, "Club", "50")
    code = Voucher.objects.filter(campaign_id=made.id).first().code
    assert V.VouchersApi(sdk).get_voucher(code).is_referral_code is True

    status, error = refusal(lambda: referral_program(sdk, name="Bad", conversion_event_type="custom_event"))
    assert status == 400 and "custom_event" in error["details"]
    coupons = {"name": "Plain", "campaign_type": "DISCOUNT_COUPONS", "referral_program": {},
               "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 5}}}  # fmt: skip
    status, error = refusal(
        lambda: V.CampaignsApi(sdk).create_campaign(M.CampaignsCreateRequestBody.from_dict(coupons))
    )
    assert status == 400 and "referral_program" in error["details"]


def test_redeeming_a_referrers_code_refers_the_referee_once_and_grants_each_reward_once(sdk):
    club = program(sdk, name="Club", points=0)
    thanks = make_campaign(name="Thank-you coupons")
    make_voucher(code="THANKS-1", campaign=thanks)
    voucher_reward = reward(sdk, name="10% off", parameters={"campaign": {"id": thanks.pk}})
    friends = referral_program(
        sdk, referee_reward={"related_object_parent": {"id": club.id}, "type": "LOYALTY_CARD", "amount": "50"}
    )
    create_tier(caller=Caller.system("test"), program=friends.id, referrals=1, reward=voucher_reward.id)
    code = publish(sdk, friends.id, "ann")

    redeemed = redeem(sdk, code, "bob")
    assert redeemed.redemptions[0].result == "SUCCESS"
    assert redeemed.order.referrer_id == customer("ann").pk and redeemed.order.referrer.id == customer("ann").pk
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referee, referral.source) == (customer("ann"), customer("bob"), "redemption")
    assert referral.related_object_id == redeemed.redemptions[0].id
    assert Referrer.objects.get(customer=customer("ann")).referrals == 1
    assert Voucher.objects.get(code="THANKS-1").holder == customer("ann")  # the tier's reward, published
    assert LoyaltyCard.objects.get(voucher__holder=customer("bob"), campaign_id=club.id).balance == 50
    assert {(r.role, r.customer.source_id) for r in ReferralReward.objects.all()} == {
        ("REFERRER", "ann"),
        ("REFEREE", "bob"),
    }
    assert Event.objects.filter(type="customer.referred", customer_id=customer("bob").pk).count() == 1
    assert Event.objects.filter(type="customer.rewarded", customer_id=customer("ann").pk).count() == 1
    assert Event.objects.filter(type="customer.rewarded.loyalty_points", customer_id=customer("bob").pk).count() == 1

    assert redeem(sdk, code, "bob", order_id="o2").redemptions[0].result == "SUCCESS"  # a second purchase
    assert Referral.objects.count() == 1 and Referrer.objects.get().referrals == 1
    assert ReferralReward.objects.count() == 2 and LoyaltyCard.objects.get(campaign_id=club.id).balance == 50


def test_a_referral_code_needs_a_customer_who_is_not_its_referrer(sdk):
    friends = referral_program(sdk)
    code = publish(sdk, friends.id, "ann")
    status, error = refusal(lambda: redeem(sdk, code, "ann"))
    assert (status, error["key"]) == (400, "customer_rules_violated") and "own referral code" in error["details"]
    status, error = refusal(lambda: redeem(sdk, code, None))
    assert (status, error["key"]) == (400, "missing_customer")
    assert not Referral.objects.exists() and not Referrer.objects.exists()


def test_a_custom_event_converts_a_program_that_converts_on_it(sdk):
    friends = referral_program(sdk, conversion_event_type="custom_event", custom_event={"name": "signed_up"})
    code = publish(sdk, friends.id, "ann")

    assert redeem(sdk, code, "bob").redemptions[0].result == "SUCCESS"  # a redemption does not convert here
    assert not Referral.objects.exists()
    track(sdk, "newsletter", "bob", code=code)  # another event does not either
    assert not Referral.objects.exists()
    answered = track(sdk, "signed_up", "bob", code=code)
    assert answered.type == "signed_up" and answered.customer.source_id == "bob"
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referee, referral.source) == (customer("ann"), customer("bob"), "custom_event")
    track(sdk, "signed_up", "carl", referrer_id="ann")  # by the referrer rather than the code
    assert Referrer.objects.get().referrals == 2
    track(sdk, "signed_up", "bob", code=code)
    assert Referral.objects.count() == 2

    status, error = refusal(lambda: track(sdk, "signed_up", "dan", code="NOPE"))
    assert status == 404 and "NOPE" in error["details"]
    status, error = refusal(lambda: track(sdk, "signed_up", "ann", code=code))
    assert status == 400 and "cannot refer themselves" in error["details"]
    assert Referral.objects.count() == 2


def test_a_codes_holders_are_added_listed_and_removed(sdk):
    friends = referral_program(sdk)
    code = publish(sdk, friends.id, "ann")
    api = V.ReferralsApi(sdk)
    body = M.ReferralsMembersHoldersCreateInBulkRequestBody.from_dict(
        {
            "holders": [{"source_id": "bob"}, {"source_id": "carl", "email": "carl@example.com"}],
            "metadata": {"via": "mail"},
        }
    )
    added = api.referrals_add_holders(code, body)
    assert [(h.holder_role, h.customer_id) for h in added.holders] == [
        ("REFEREE", customer("bob").pk), ("REFEREE", customer("carl").pk)
    ]  # fmt: skip
    assert added.holders[0].metadata == {"via": "mail"} and added.holders[0].campaign_id == friends.id
    again = api.referrals_add_holders1(friends.id, code, body)  # adding again keeps one holder each
    assert [h.id for h in again.holders] == [h.id for h in added.holders] and CodeHolder.objects.count() == 2

    listed = api.referrals_code_holders1(code, limit=2)
    assert [h.holder_role for h in listed.data] == ["REFERRER", "REFEREE"] and listed.has_more is True
    assert listed.data[0].customer_id == customer("ann").pk
    rest = api.referrals_code_holders(friends.id, code, limit=2, starting_after_id=listed.more_starting_after)
    assert [h.customer_id for h in rest.data] == [customer("carl").pk] and rest.has_more is False

    newest = api.referrals_code_holders1(code, order=M.ParameterOrderListRedeemables("-id"))
    assert [h.customer_id for h in newest.data] == [customer("carl").pk, customer("bob").pk, customer("ann").pk]
    api.referrals_remove_holder(code, added.holders[0].id)
    api.referrals_remove_holder1(friends.id, code, added.holders[1].id)
    assert not CodeHolder.objects.exists()

    ann = M.ReferralsMembersHoldersCreateInBulkRequestBody.from_dict({"holders": [{"source_id": "ann"}]})
    status, error = refusal(lambda: api.referrals_add_holders(code, ann))
    assert status == 400 and "own referee" in error["details"]
    make_voucher(code="PLAIN-1")
    status, _ = refusal(lambda: api.referrals_code_holders1("PLAIN-1"))
    assert status == 404
    other = referral_program(sdk, name="Other")
    status, _ = refusal(lambda: api.referrals_code_holders(other.id, code))
    assert status == 404


def test_a_reward_that_cannot_be_given_is_granted_without_it_and_the_redemption_stands(sdk):
    empty = make_campaign(name="No codes left")  # a coupon campaign with no free code
    coupon = reward(sdk, name="Coupon", parameters={"campaign": {"id": empty.pk}})
    friends = referral_program(sdk)
    create_tier(caller=Caller.system("test"), program=friends.id, referrals=1, reward=coupon.id)
    code = publish(sdk, friends.id, "ann")

    assert redeem(sdk, code, "bob").redemptions[0].result == "SUCCESS"
    granted = ReferralReward.objects.get()
    assert (granted.customer, granted.voucher) == (customer("ann"), None)
    event = Event.objects.get(type="customer.rewarded")
    assert event.data["problem"] == "Campaign No codes left has fewer than 1 free codes"
