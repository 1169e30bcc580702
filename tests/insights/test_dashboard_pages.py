"""The Campaigns section's pages: who may open what, the list with its filters in the URL,
statuses computed as the engine checks them, the calendar, tabs as URLs, and bad query strings."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import CampaignType, PromotionTier, ValidationRule, ValidationRuleAssignment
from redemptions.models import Redemption
from stacking.models import Category
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from tests.redemptions.factories import make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "Staff", "Marketer", "Admin", "superuser"]


@pytest.fixture
def campaigns():
    now = timezone.now()
    coupons = make_campaign(name="Coupons", metadata={"region": "EU"})
    gift = make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION, start_date=now - timedelta(days=1))
    PromotionTier.objects.create(campaign=promo, name="Tier one", position=1, discount_type="AMOUNT", amount_off=100)
    return {"coupons": coupons, "gift": gift, "promo": promo}


def urls(c: dict) -> dict[str, str]:
    """Every new URL, with the campaign it belongs to."""
    return {
        "list": "/campaigns/",
        "calendar": "/campaigns/calendar/",
        "overview": f"/campaigns/{c['coupons'].pk}/",
        "vouchers": f"/campaigns/{c['coupons'].pk}/vouchers/",
        "publications": f"/campaigns/{c['coupons'].pk}/publications/",
        "rules": f"/campaigns/{c['coupons'].pk}/rules/",
        "metadata": f"/campaigns/{c['coupons'].pk}/metadata/",
        "activity": f"/campaigns/{c['coupons'].pk}/activity/",
        "redemptions": f"/campaigns/{c['coupons'].pk}/redemptions/",
        "analytics": f"/campaigns/{c['coupons'].pk}/analytics/",
        "gift analytics": f"/campaigns/{c['gift'].pk}/analytics/",
        "promo analytics": f"/campaigns/{c['promo'].pk}/analytics/",
        "promo redemptions": f"/campaigns/{c['promo'].pk}/redemptions/",
        "transactions": f"/campaigns/{c['gift'].pk}/transactions/",
        "tiers": f"/campaigns/{c['promo'].pk}/tiers/",
        "promo overview": f"/campaigns/{c['promo'].pk}/",
        "gift overview": f"/campaigns/{c['gift'].pk}/",
    }


def login(client, role_user, role: str):
    if role != "anonymous":
        client.force_login(make_user(role_user, role))


@pytest.mark.parametrize("role", ROLES)
def test_every_campaign_url_answers_by_role(client, role_user, campaigns, role):
    """Anonymous: to the login page. Staff (Redemptions tab only): 403. Marketer, Admin, superuser: 200."""
    login(client, role_user, role)
    for name, url in urls(campaigns).items():
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(url, headers=headers)
            if role == "anonymous":
                assert response.status_code == 302 and response["Location"].startswith("/login/"), (name, htmx)
            elif role == "Staff":
                assert response.status_code == 403, (name, htmx)
            else:
                assert response.status_code == 200, (name, htmx, response.status_code)


@pytest.mark.parametrize("role", ["Staff", "Marketer"])
def test_the_summary_api_is_not_a_dashboard_url_and_a_missing_campaign_is_404(client, role_user, campaigns, role):
    login(client, role_user, role)
    expected = 403 if role == "Staff" else 404
    assert client.get("/campaigns/camp_doesnotexist000000000/").status_code == expected
    assert client.get("/campaigns/camp_doesnotexist000000000/vouchers/").status_code == expected
    # Tabs a campaign type does not have do not exist for it.
    if role == "Marketer":
        assert client.get(f"/campaigns/{campaigns['coupons'].pk}/tiers/").status_code == 404
        assert client.get(f"/campaigns/{campaigns['coupons'].pk}/transactions/").status_code == 404
        assert client.get(f"/campaigns/{campaigns['gift'].pk}/tiers/").status_code == 404


def test_a_marketer_does_not_see_voucher_holders_but_an_admin_does(client, role_user, campaigns):
    from tests.factories import make_customer

    holder = make_customer(name="Hidden Holder")
    make_voucher(code="HELD-1", campaign=campaigns["coupons"], holder=holder)
    url = f"/campaigns/{campaigns['coupons'].pk}/vouchers/"
    client.force_login(role_user("Marketer"))
    page = client.get(url).content.decode()
    assert "HELD-1" in page and "Hidden Holder" not in page
    client.force_login(role_user("Admin"))
    assert "Hidden Holder" in client.get(url).content.decode()


def test_the_nav_shows_campaigns_only_to_those_who_may_open_them(client, role_user):
    client.force_login(role_user("Staff"))
    assert 'href="/campaigns/"' not in client.get("/redemptions/").content.decode()
    client.force_login(role_user("Marketer", username="m2"))
    assert 'href="/campaigns/"' in client.get("/redemptions/").content.decode()


# --- list, statuses, filters -------------------------------------------------------------------------------


def test_statuses_follow_the_engines_checks_and_the_filters_live_in_the_url(client, role_user):
    now = timezone.now()
    loyalty = Category.objects.create(name="Loyalty", hierarchy=1)
    rows = {
        "Running": make_campaign(name="Running", category=loyalty),
        "Later": make_campaign(name="Later", start_date=now + timedelta(days=3)),
        "Over": make_campaign(name="Over", expiration_date=now - timedelta(days=1)),
        # Disabled and expired: the engine reports expired first, so does the list.
        "Over and off": make_campaign(name="Over and off", active=False, expiration_date=now - timedelta(days=1)),
        "Off": make_campaign(name="Off", active=False),
        "Gifts": make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS, category=loyalty),
    }
    client.force_login(role_user("Marketer"))
    html = client.get("/campaigns/").content.decode()
    shown = dict(re.findall(r'id="row-(camp_\w+)" data-status="(\w+)"', html))
    assert shown == {
        rows["Running"].pk: "active",
        rows["Later"].pk: "scheduled",
        rows["Over"].pk: "expired",
        rows["Over and off"].pk: "expired",
        rows["Off"].pk: "disabled",
        rows["Gifts"].pk: "active",
    }

    def names(query: str, htmx: bool = True) -> set[str]:
        headers = {"HX-Request": "true", "HX-Target": "campaign-table"} if htmx else {}
        page = client.get(f"/campaigns/?{query}", headers=headers).content.decode()
        return {name for name, row in rows.items() if f'id="row-{row.pk}"' in page}

    assert names("status=expired") == {"Over", "Over and off"}
    assert names("status=scheduled") == {"Later"}
    assert names("type=GIFT_VOUCHERS") == {"Gifts"}
    assert names(f"category={loyalty.pk}") == {"Running", "Gifts"}
    assert names(f"category={loyalty.pk}&status=active&type=DISCOUNT_COUPONS", htmx=False) == {"Running"}
    # A filtered table swap is only the table (not the page), and the full page from the URL agrees.
    swap = client.get("/campaigns/?status=expired", headers={"HX-Request": "true", "HX-Target": "campaign-table"})
    assert "<html" not in swap.content.decode() and 'id="campaign-table"' in swap.content.decode()
    assert 'id="section-body"' not in swap.content.decode()
    # Garbage in the query string: a form error and no rows, never a 500.
    for bad in ("status=nonsense", "type=LOYALTY", "category=cat_nope", "per_page=-3&page=abc", "sort=nope"):
        response = client.get(f"/campaigns/?{bad}")
        assert response.status_code == 200, bad
    assert names("status=nonsense") == set()
    assert "Some filters could not be read" in client.get("/campaigns/?status=nonsense").content.decode()


def test_the_list_counts_vouchers_and_redemptions_in_a_fixed_number_of_queries(client, role_user):
    from redemptions.services.redemption import redeem
    from redemptions.services.requests import RollbackRequest
    from redemptions.services.rollback import rollback_redemption
    from voucherhub.caller import Caller

    caller = Caller.system("test")
    client.force_login(role_user("Marketer"))
    first = make_campaign(name="First")
    make_voucher(code="F-1", campaign=first)
    with CaptureQueriesContext(connection) as few:
        client.get("/campaigns/")
    campaigns = []
    for i in range(4):
        campaign = make_campaign(name=f"More {i}")
        campaigns.append(campaign)
        for j in range(i + 1):
            make_voucher(code=f"M-{i}-{j}", campaign=campaign, redemption_quantity=1)
            redeem(
                stack(redeemables=[{"object": "voucher", "id": f"M-{i}-{j}"}], order={"amount": 1_000}), caller=caller
            )
        # a failed attempt (quantity used up) does not count
        redeem(stack(redeemables=[{"object": "voucher", "id": f"M-{i}-0"}], order={"amount": 1_000}), caller=caller)
    promo = make_campaign(name="Promo", campaign_type=CampaignType.PROMOTION)
    tier = PromotionTier.objects.create(campaign=promo, name="T", position=1, discount_type="AMOUNT", amount_off=10)
    promo_redemptions = [
        redeem(stack(redeemables=[{"object": "promotion_tier", "id": tier.pk}], order={"amount": 1_000}), caller=caller)
        for _ in range(3)
    ]
    rollback_redemption(RollbackRequest(promo_redemptions[0].redemptions[0].pk), caller=caller)
    rollback_redemption(
        RollbackRequest(Redemption.objects.filter(campaign=campaigns[3], result="SUCCESS").first().pk), caller=caller
    )
    with CaptureQueriesContext(connection) as many:
        html = client.get("/campaigns/").content.decode()
    assert len(many) == len(few)

    def cells(campaign) -> list[int]:
        row = re.search(r'id="row-' + campaign.pk + r'".*?</tr>', html, re.S).group(0)
        return [int(n.replace(",", "")) for n in re.findall(r'<td class="text-end">\s*([\d,]+)\s*</td>', row)]

    for campaign in [*campaigns, promo, first]:
        standing = Redemption.objects.filter(campaign=campaign, status="SUCCEEDED").count()
        vouchers = campaign.vouchers.filter(deleted_at__isnull=True).count()
        assert cells(campaign) == [vouchers, standing], campaign.name
    assert cells(campaigns[3]) == [4, 3] and cells(promo) == [0, 2]
    # The column says what it counts (the dashboard's "Redemptions" also counts those rolled back later).
    header = re.search(r'<th[^>]*title="([^"]*)"[^>]*>\s*Redeemed\s*</th>', html)
    assert header and "not rolled back" in header.group(1), html


# --- tabs ---------------------------------------------------------------------------------------------


def test_tabs_are_urls_whole_on_a_direct_load_and_only_the_body_on_htmx(client, role_user, campaigns):
    client.force_login(role_user("Marketer"))
    coupons = campaigns["coupons"].pk
    full = client.get(f"/campaigns/{coupons}/rules/").content.decode()
    assert "<html" in full and 'aria-current="page"' in full
    swap = client.get(f"/campaigns/{coupons}/rules/", headers={"HX-Request": "true", "HX-Target": "section-body"})
    body = swap.content.decode()
    assert "<html" not in body and body.count('id="section-body"') == 1
    assert swap["Vary"] and "HX-Request" in swap["Vary"]
    # Every tab, Redemptions and Analytics included, stays inside the campaign.
    tabs = re.findall(r'<a class="nav-link[^"]*"[^>]*href="([^"]+)"', full)
    assert tabs == [
        f"/campaigns/{coupons}/",
        f"/campaigns/{coupons}/vouchers/",
        f"/campaigns/{coupons}/publications/",
        f"/campaigns/{coupons}/rules/",
        f"/campaigns/{coupons}/redemptions/",
        f"/campaigns/{coupons}/analytics/",
        f"/campaigns/{coupons}/metadata/",
        f"/campaigns/{coupons}/activity/",
    ]
    gift = client.get(f"/campaigns/{campaigns['gift'].pk}/").content.decode()
    assert f"/campaigns/{campaigns['gift'].pk}/transactions/" in gift and "/tiers/" not in gift
    promo = client.get(f"/campaigns/{campaigns['promo'].pk}/").content.decode()
    assert f"/campaigns/{campaigns['promo'].pk}/tiers/" in promo and "/vouchers/" not in promo


def test_rules_metadata_and_activity_show_the_campaigns_own_rows(client, role_user, campaigns):
    coupons = campaigns["coupons"]
    rule = ValidationRule.objects.create(
        name="Orders over 100",
        rules={"1": {"name": "order.amount", "conditions": {"$more_than": [10000]}}, "logic": "1"},
    )
    ValidationRuleAssignment.objects.create(rule=rule, campaign=coupons)
    ValidationRule.objects.create(name="Unassigned rule")
    now = timezone.now()
    Event.objects.create(type="campaign.created", occurred_at=now - timedelta(hours=2), campaign_id=coupons.pk)
    Event.objects.create(type="voucher.created", occurred_at=now - timedelta(hours=1), campaign_id=coupons.pk)
    Event.objects.create(type="campaign.created", occurred_at=now, campaign_id=campaigns["gift"].pk)
    client.force_login(role_user("Marketer"))
    rules = client.get(f"/campaigns/{coupons.pk}/rules/").content.decode()
    assert "Orders over 100" in rules and "Unassigned rule" not in rules
    assert "Order amount is more than €100.00." in rules  # a sentence; the JSON only behind "as stored"
    metadata = client.get(f"/campaigns/{coupons.pk}/metadata/").content.decode()
    assert 'data-key="region"' in metadata and "EU" in metadata
    activity = client.get(f"/campaigns/{coupons.pk}/activity/").content.decode()
    assert re.findall(r'data-type="([\w.]+)"', activity) == ["voucher.created", "campaign.created"]  # newest first
    oldest_first = client.get(f"/campaigns/{coupons.pk}/activity/?sort=occurred_at").content.decode()
    assert re.findall(r'data-type="([\w.]+)"', oldest_first) == ["campaign.created", "voucher.created"]
    filtered = client.get(f"/campaigns/{coupons.pk}/activity/?type=campaign.created").content.decode()
    assert re.findall(r'data-type="([\w.]+)"', filtered) == ["campaign.created"]


def test_transactions_show_a_reason_only_when_it_says_more_and_activity_shows_the_channel_code(
    client, role_user, campaigns
):
    from campaigns.models import VoucherTransaction

    gift = campaigns["gift"]
    card = make_gift_card(code="GIFT-R", campaign=gift, amount=5_000)
    now = timezone.now()
    VoucherTransaction.objects.create(
        voucher=card, source="REDEMPTION", amount=-1_000, balance_after=4_000, reason="Redemption", created_at=now
    )
    VoucherTransaction.objects.create(
        voucher=card,
        source="ROLLBACK",
        amount=1_000,
        balance_after=5_000,
        reason="Customer returned the goods",
        created_at=now + timedelta(seconds=1),
    )
    admin = role_user("Admin")
    Event.objects.create(type="campaign.updated", occurred_at=now, campaign_id=gift.pk, channel_type="USER", user=admin)
    client.force_login(admin)
    page = client.get(f"/campaigns/{gift.pk}/transactions/").content.decode()
    rows = re.findall(r'<tr[^>]*data-amount="(-?\d+)"[^>]*>(.*?)</tr>', page, re.S)
    by_amount = {amount: re.sub(r"<[^>]+>", " ", html) for amount, html in rows}
    assert by_amount["-1000"].split().count("Redemption") == 1  # the change type, not repeated as the reason
    assert "Customer returned the goods" in by_amount["1000"]
    activity = client.get(f"/campaigns/{gift.pk}/activity/").content.decode()
    # The channel in words, as every list shows it, with the user's name under it.
    words = r'<td[^>]*>\s*<span class="vh-channel-kind">Dashboard user</span><div[^>]*>(<span[^>]*>)?'
    assert re.search(words + admin.get_username(), activity), activity
    assert ">USER<div" not in activity


def test_the_vouchers_tab_shows_usage_and_filters(client, role_user, campaigns):
    coupons = campaigns["coupons"]
    make_voucher(code="USED-1", campaign=coupons, redemption_quantity=5, redeemed_quantity=2)
    make_voucher(code="OFF-1", campaign=coupons, active=False)
    make_gift_card(code="GIFT-1", campaign=campaigns["gift"], amount=5_000)
    client.force_login(role_user("Marketer"))
    page = client.get(f"/campaigns/{coupons.pk}/vouchers/").content.decode()
    assert "2 / 5" in page and "OFF-1" in page and "GIFT-1" not in page
    only_off = client.get(f"/campaigns/{coupons.pk}/vouchers/?active=false").content.decode()
    assert re.findall(r'data-code="([\w-]+)"', only_off) == ["OFF-1"]
    gift = client.get(f"/campaigns/{campaigns['gift'].pk}/vouchers/").content.decode()
    assert "50.00" in gift  # a gift card's balance


def test_the_transactions_tab_offers_the_export_of_this_campaigns_transactions(client, role_user, campaigns):
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("exports:dialog")
    except NoReverseMatch:
        pytest.skip("the export machinery is not installed")
    client.force_login(role_user("Marketer"))
    page = client.get(f"/campaigns/{campaigns['gift'].pk}/transactions/").content.decode()
    assert "exported_object=voucher_transactions" in page
    assert f'name="campaign" value="{campaigns["gift"].pk}"' in page


def test_a_tabs_filter_swaps_only_its_table_and_garbage_never_breaks_a_tab(client, role_user, campaigns):
    coupons, gift = campaigns["coupons"].pk, campaigns["gift"].pk
    make_voucher(code="KEEP-1", campaign=campaigns["coupons"])
    make_voucher(code="DROP-1", campaign=campaigns["coupons"], active=False)
    client.force_login(role_user("Marketer"))
    swap = client.get(
        f"/campaigns/{coupons}/vouchers/?active=true", headers={"HX-Request": "true", "HX-Target": "voucher-table"}
    ).content.decode()
    assert 'id="voucher-table"' in swap and 'id="section-body"' not in swap and "<html" not in swap
    assert re.findall(r'data-code="([\w-]+)"', swap) == ["KEEP-1"]
    for url in (
        f"/campaigns/{coupons}/vouchers/?active=maybe&sort=nonsense&per_page=abc",
        f"/campaigns/{coupons}/vouchers/?after=!!!not-a-cursor&sort=-code",
        f"/campaigns/{coupons}/vouchers/?code={'x' * 500}",
        f"/campaigns/{coupons}/activity/?type={'y' * 500}&before=%00",
        f"/campaigns/{gift}/transactions/?source=NOPE&voucher=%00",
        f"/campaigns/{coupons}/?days=-1",
        f"/campaigns/{coupons}/?days=99999999999999999999",
    ):
        assert client.get(url).status_code == 200, url
