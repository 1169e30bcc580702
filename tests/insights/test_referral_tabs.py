"""A referral program's Rewards and Reward redemptions tabs: the rewards granted listed by role (names only
for roles allowed to see customers), and the Admin's reward tiers (a threshold of at least one referral, one
tier per threshold, a reward of the catalog; added and removed by POST with CSRF, audited; refused to
Marketers)."""

import pytest
from django.test import Client

from auditlog.models import Event
from campaigns.services.campaigns import create_campaign
from campaigns.services.publications import publish
from campaigns.services.requests import Discount, PublicationRequest, ReferralSettings, VoucherTemplate
from customers.services import CustomEvent, track_custom_event
from loyalty.models import Reward
from referrals.models import ReferralTier
from referrals.services.tiers import create_tier
from tests.factories import make_campaign, make_voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")


@pytest.fixture
def friends():
    """A program whose first referral rewards the referrer with a coupon; Ann referred Bob."""
    program = create_campaign(
        caller=CALLER, name="Friends", campaign_type="REFERRAL_PROGRAM", vouchers_count=1,
        voucher=VoucherTemplate(discount=Discount(type="PERCENT", percent_off=10)),
        referral=ReferralSettings(conversion_event_type="custom_event", custom_event="joined"),
    )  # fmt: skip
    thanks = make_campaign(name="Thanks")
    make_voucher(code="THANKS-1", campaign=thanks)
    reward = Reward.objects.create(name="Thank-you coupon", type="CAMPAIGN", campaign=thanks)
    create_tier(caller=CALLER, program=program.pk, referrals=1, reward=reward.pk)
    ann = {"source_id": "ann", "name": "Ann Lee"}
    code = publish(PublicationRequest(customer=ann, campaign=program.pk), caller=CALLER).vouchers[0].code
    bob = {"source_id": "bob"}
    track_custom_event(CustomEvent(name="joined", customer=bob, referral_code=code), caller=CALLER)
    return program, reward


def signed_in(client, role_user, role: str):
    role_user(role)
    client.login(username=role.lower(), password="pw")
    return client


def test_the_rewards_granted_are_listed_with_names_only_for_who_may_see_customers(client, role_user, friends):
    program, _ = friends
    url = f"/campaigns/{program.pk}/referral-reward-redemptions/"
    page = signed_in(Client(), role_user, "Admin").get(url).content.decode()
    assert 'data-role="REFERRER"' in page and "Ann Lee" in page and "Thank-you coupon (after 1 referral)" in page
    assert "THANKS-1" in page
    marketer = signed_in(client, role_user, "Marketer").get(url).content.decode()
    assert 'data-role="REFERRER"' in marketer and "Ann Lee" not in marketer


def test_the_top_referrers_tell_two_customers_of_the_same_name_apart_by_their_email(client, role_user, friends):
    program, _ = friends
    for n, email in enumerate(("sam@example.com", "sam.lee@example.org")):
        code = make_voucher(code=f"FRIEND-{n}", campaign=program).code
        sam = {"source_id": f"sam-{n}", "name": "Sam Lee", "email": email}
        publish(PublicationRequest(customer=sam, voucher=code), caller=CALLER)
        friend = {"source_id": f"friend-{n}"}
        track_custom_event(CustomEvent(name="joined", customer=friend, referral_code=code), caller=CALLER)

    page = signed_in(client, role_user, "Admin").get(f"/campaigns/{program.pk}/").content.decode()
    top = page.split('data-testid="top-referrers"')[1].split("</ol>")[0]
    assert top.count("Sam Lee") == 2 and "sam@example.com" in top and "sam.lee@example.org" in top
    assert "Ann Lee" in top  # no e-mail: the name alone


def test_an_admin_adds_and_removes_a_tier_and_a_wrong_one_gets_a_form_error(role_user, friends):
    program, reward = friends
    admin = signed_in(Client(enforce_csrf_checks=True), role_user, "Admin")
    url = f"/campaigns/{program.pk}/referral-rewards/"
    page = admin.get(url)
    token = page.cookies["csrftoken"].value

    zero = admin.post(url, {"referrals": "0", "reward": reward.pk, "csrfmiddlewaretoken": token})
    assert zero.status_code == 400 and "Ensure this value is greater than or equal to 1." in zero.content.decode()
    taken = admin.post(url, {"referrals": "1", "reward": reward.pk, "csrfmiddlewaretoken": token})
    assert taken.status_code == 400 and "Friends has a tier at 1 referrals" in taken.content.decode()
    assert ReferralTier.objects.count() == 1

    added = admin.post(url, {"referrals": "5", "reward": reward.pk, "banner": "Five", "csrfmiddlewaretoken": token})
    assert added.status_code == 302 and ReferralTier.objects.filter(referrals=5, banner="Five").exists()
    assert Event.objects.filter(type="campaign.referral_tier.created", data__referrals=5).exists()
    five = ReferralTier.objects.get(referrals=5)
    assert admin.post(url, {"delete": five.pk}).status_code == 403  # no CSRF token
    assert admin.post(url, {"delete": five.pk, "csrfmiddlewaretoken": token}).status_code == 302
    assert not ReferralTier.objects.filter(pk=five.pk).exists()
    assert Event.objects.filter(type="campaign.referral_tier.deleted").count() == 1


def test_a_marketer_reads_the_tiers_but_cannot_change_them(client, role_user, friends):
    program, reward = friends
    marketer = signed_in(client, role_user, "Marketer")
    url = f"/campaigns/{program.pk}/referral-rewards/"
    page = marketer.get(url).content.decode()
    assert "Thank-you coupon" in page and "Add tier" not in page and "Remove" not in page
    assert marketer.post(url, {"referrals": "5", "reward": reward.pk}).status_code == 403
    tier = ReferralTier.objects.get()
    assert marketer.post(url, {"delete": tier.pk}).status_code == 403
    assert ReferralTier.objects.count() == 1
