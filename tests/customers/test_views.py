"""The Customers section as each role reaches it: the list and its filters, a customer's Overview (details,
segments, vouchers held, redemptions by status, metadata) and their Activity tab (every event of theirs
across campaigns, by campaign and occurrence date, keyset-paged). Personal data: Admins only."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import Segment
from campaigns.services.customers import update_customer
from loyalty.services.programs import add_member, create_program
from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from tests.factories import make_campaign, make_customer, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("t")
ORDER = {"amount": 1_000, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 1_000}]}


def _redeem(code: str, customer, **extra):
    return redeem(
        stack(redeemables=[{"object": "voucher", "id": code}], customer={"id": customer.pk}, order=ORDER, **extra),
        caller=CALLER,
    )


@pytest.fixture
def shop():
    spring = make_campaign(name="Spring coupons")
    autumn = make_campaign(name="Autumn coupons")
    ann = make_customer(source_id="ann", name="Ann Archer", email="ann@example.com", metadata={"tier": "gold"})
    bob = make_customer(source_id="bob", name="Bob Baker", email="bob@example.com")
    make_voucher(code="SPRING-1", campaign=spring, holder=ann)
    make_voucher(code="SPRING-2", campaign=spring)
    make_voucher(code="AUTUMN-1", campaign=autumn, redemption_quantity=1)
    first = _redeem("SPRING-1", ann)
    _redeem("AUTUMN-1", ann)
    _redeem("AUTUMN-1", ann)  # used up: a failed redemption
    rollback_redemption(RollbackRequest(first.redemptions[0].pk), caller=CALLER)
    validate(stack(redeemables=[{"object": "voucher", "id": "SPRING-2"}], customer={"id": ann.pk}), caller=CALLER)
    _redeem("SPRING-2", bob)
    Segment.objects.create(name="Gold members", type="auto-update", filter={"tier": "gold"})
    return {"spring": spring, "autumn": autumn, "ann": ann, "bob": bob}


def rows(html: str, attr: str) -> list[str]:
    return re.findall(rf'<tr [^>]*data-{attr}="([^"]+)"', html)


def event_types(html: str) -> list[str]:
    return re.findall(r'<tr [^>]*data-type="([^"]+)"', html)


@pytest.mark.parametrize(
    ("role", "status"), [("Admin", 200), ("superuser", 200), ("Marketer", 403), ("Staff", 403), (None, 403)]
)
def test_the_customers_section_opens_only_for_those_who_may_see_personal_data(client, role_user, shop, role, status):
    user = role_user(None, superuser=True) if role == "superuser" else role_user(role)
    client.force_login(user)
    ann = shop["ann"]
    for url in ("/customers/", f"/customers/{ann.pk}/", f"/customers/{ann.pk}/activity/"):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert "ann@example.com" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login_page(client, shop):
    response = client.get(f"/customers/{shop['ann'].pk}/activity/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_list_shows_every_customer_newest_first_and_finds_one_by_id_source_id_or_email(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann, bob = shop["ann"], shop["bob"]

    html = client.get("/customers/").content.decode()
    assert rows(html, "customer") == [bob.pk, ann.pk]
    assert "Ann Archer" in html and f'href="/customers/{ann.pk}/"' in html

    for ref in (ann.pk, "ann", "ANN@example.com"):
        assert rows(client.get("/customers/", {"customer": ref}).content.decode(), "customer") == [ann.pk], ref
    nobody = client.get("/customers/", {"customer": "nobody"}).content.decode()
    assert rows(nobody, "customer") == [] and "No customers match these filters" in nobody


def test_a_bad_date_in_the_list_filters_is_a_form_error_not_a_500(client, role_user, shop):
    client.force_login(role_user("Admin"))
    response = client.get("/customers/", {"created_from": "not-a-date"})
    assert response.status_code == 200
    assert "Created from" in response.content.decode() and "Enter a valid date." in response.content.decode()


def test_the_list_filters_by_segment_and_by_creation_day(client, role_user, shop):
    client.force_login(role_user("Admin"))
    gold = Segment.objects.get(name="Gold members")
    assert rows(client.get("/customers/", {"segment": gold.pk}).content.decode(), "customer") == [shop["ann"].pk]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert rows(client.get("/customers/", {"created_from": tomorrow}).content.decode(), "customer") == []


def test_the_overview_shows_details_segments_vouchers_held_and_redemptions_by_status(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann = shop["ann"]
    html = client.get(f"/customers/{ann.pk}/").content.decode()

    assert "Ann Archer" in html and "ann@example.com" in html and "<code>ann</code>" in html
    assert 'data-segment="' in html and "Gold members" in html
    assert rows(html, "code") == ["SPRING-1"]
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', html))
    assert figures == {"succeeded": "1", "failed": "1", "rolled_back": "1"}
    assert "tier" in html and "gold" in html  # metadata
    assert f'href="/customers/{ann.pk}/activity/"' in html  # the Activity tab


def test_the_overview_shows_the_loyalty_programs_the_customer_belongs_to(client, role_user, shop):
    club = create_program(caller=Caller("API", "test"), name="Club", points=1250)
    card = add_member(caller=Caller("API", "test"), program=club.pk, customer={"id": shop["ann"].pk})
    client.force_login(role_user("Admin"))
    html = client.get(f"/customers/{shop['ann'].pk}/").content.decode()
    section = html[html.index('id="loyalty-memberships"') :]
    assert f'data-card="{card.code}"' in section and "Club" in section
    assert f'href="/campaigns/{club.pk}/loyalty-cards/{card.code}/"' in section
    assert "1,250 points" in html  # the card among the vouchers held, with its balance as every page writes it
    assert re.findall(r'<td class="text-end">([\d,]+)</td>', section)[:2] == ["1,250", "1,250"]  # balance, added
    bob = client.get(f"/customers/{shop['bob'].pk}/").content.decode()
    assert "Not a member of any loyalty program." in bob


def test_an_unknown_customer_is_a_404(client, role_user, shop):
    client.force_login(role_user("Admin"))
    assert client.get("/customers/cust_unknown/").status_code == 404
    assert client.get("/customers/cust_unknown/activity/").status_code == 404


def test_activity_lists_every_event_of_the_customer_across_campaigns_newest_first(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann = shop["ann"]
    html = client.get(f"/customers/{ann.pk}/activity/").content.decode()

    assert event_types(html) == [
        "voucher.validated",
        "redemption.rollback.succeeded",
        "redemption.failed",
        "redemption.succeeded",
        "redemption.succeeded",
    ]
    assert "Spring coupons" in html and "Autumn coupons" in html
    # Bob's redemption is his, not Ann's.
    assert Event.objects.filter(customer_id=shop["bob"].pk, type="redemption.succeeded").count() == 1
    assert len(event_types(html)) == Event.objects.filter(customer_id=ann.pk).count() == 5


def test_activity_filters_by_campaign_occurrence_date_and_event(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann, autumn = shop["ann"], shop["autumn"]
    url = f"/customers/{ann.pk}/activity/"

    of_autumn = client.get(url, {"campaign": autumn.pk}).content.decode()
    assert sorted(event_types(of_autumn)) == ["redemption.failed", "redemption.succeeded"]
    assert "Spring coupons" not in of_autumn.split("customer-events-table-el")[1]

    today = timezone.localdate()
    assert len(event_types(client.get(url, {"occurred_from": today.isoformat()}).content.decode())) == 5
    yesterday = (today - timedelta(days=1)).isoformat()
    assert event_types(client.get(url, {"occurred_to": yesterday}).content.decode()) == []
    assert event_types(client.get(url, {"type": "redemption.failed"}).content.decode()) == ["redemption.failed"]


def test_a_profile_change_is_in_the_customers_activity(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann = shop["ann"]
    update_customer(caller=CALLER, ref="ann", name="Ann Archer-Smith")
    html = client.get(f"/customers/{ann.pk}/activity/", {"type": "customer.updated"}).content.decode()
    assert event_types(html) == ["customer.updated"]


def test_activity_pages_by_keyset(client, role_user, shop):
    client.force_login(role_user("Admin"))
    ann = shop["ann"]
    url = f"/customers/{ann.pk}/activity/"
    first = client.get(url, {"per_page": "10"}).content.decode()
    assert len(event_types(first)) == 5 and "after=" not in first
    Event.objects.bulk_create(
        Event(type="redemption.succeeded", occurred_at=timezone.now() - timedelta(minutes=i), customer_id=ann.pk)
        for i in range(30)
    )
    page_one = client.get(url).content.decode()
    after = re.search(r'href="[^"]*[?&]after=([^"&]+)', page_one)
    assert after, "a second page is offered"
    page_two = client.get(url, {"after": after.group(1).replace("&amp;", "&")}).content.decode()
    assert len(event_types(page_one)) == 25 and len(event_types(page_two)) == 10


def test_the_activity_tab_is_hidden_from_an_admin_without_the_audit_log(client, role_user, shop, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="support", password="pw")
    for codename, app in (("view_customer", "redemptions"), ("view_customer", "campaigns")):
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app))
    client.force_login(user)
    ann = shop["ann"]
    html = client.get(f"/customers/{ann.pk}/").content.decode()
    assert "Ann Archer" in html and f'href="/customers/{ann.pk}/activity/"' not in html
    assert client.get(f"/customers/{ann.pk}/activity/").status_code == 403
