"""The layout every person sees: login, the top bar per role, the section pages, error pages, formatting,
and the Django admin that support staff use."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.template import loader
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher
from voucherhub.models import ApiKey, IdempotencyKey, WorkerHeartbeat

pytestmark = pytest.mark.django_db

DASHBOARD_URLS = [
    "/",
    "/campaigns/",
    "/redemptions/",
    "/redemptions/validations/",
    "/redemptions/sessions/",
    "/redemptions/stacking-rules/",
    "/audit-log/",
]
REDEMPTIONS_TABS = ["Redemptions", "Validations", "Sessions", "Stacking rules"]

# Staff browses the Redemptions tab only; Marketer and Admin browse everything.
STAFF_MAY_OPEN = {"/", "/redemptions/"}
ROLES = ["Staff", "Marketer", "Admin", "superuser"]


def expected_status(role: str, url: str) -> int:
    if role == "Staff":
        return 200 if url in STAFF_MAY_OPEN else 403
    return 200


def make_user(role_user, role: str):
    return role_user(None, superuser=True) if role == "superuser" else role_user(role)


def top_bar_sections(html: str) -> list[str]:
    """The section links of the top bar, as a person reads them."""
    nav = re.search(r'<ul class="vh-sections" id="vh-sections">(.*?)</ul>', html, re.S)
    assert nav, "the top bar has no sections list"
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(1))


def tab_links(html: str) -> list[tuple[str, str, bool]]:
    """(label, href, current) of each section tab."""
    tabs = []
    for attrs, label in re.findall(r'<a class="nav-link[^"]*"([^>]*)>([^<]+)</a>', html):
        href = re.search(r'href="([^"]+)"', attrs).group(1)
        tabs.append((label, href, 'aria-current="page"' in attrs))
    return tabs


# --- Login required --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", DASHBOARD_URLS)
def test_anonymous_visitor_is_sent_to_the_login_page_from_every_dashboard_url(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_anonymous_visitor_does_not_get_the_django_admin(client):
    response = client.get("/admin/")
    assert response.status_code != 200
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_login_page_renders_for_anonymous_visitor(client):
    response = client.get("/login/?next=/redemptions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to VoucherHub" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="next" value="/redemptions/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "vh-sections" not in html  # no top bar before signing in


def test_wrong_password_shows_the_error_on_the_login_form(client, role_user):
    role_user("Marketer")
    response = client.post("/login/", {"username": "marketer", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_signing_in_lands_on_the_page_asked_for(client, role_user):
    role_user("Marketer")
    response = client.post("/login/", {"username": "marketer", "password": "pw", "next": "/redemptions/"})
    assert response.status_code == 302
    assert response["Location"] == "/redemptions/"


# --- Permission matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", DASHBOARD_URLS)
def test_each_role_opens_exactly_the_pages_of_spec_section_1(client, role_user, role, url):
    client.force_login(make_user(role_user, role))
    response = client.get(url)
    assert response.status_code == expected_status(role, url)


def test_user_without_a_role_gets_403_on_every_section_and_a_home_that_says_why(client, role_user):
    client.force_login(role_user(None))
    for url in DASHBOARD_URLS[1:]:
        assert client.get(url).status_code == 403, url
    html = client.get("/").content.decode()
    assert "Your account has no role" in html
    assert top_bar_sections(html) == []


def test_403_page_is_friendly_and_links_home(client, role_user):
    client.force_login(role_user("Staff"))
    response = client.get("/campaigns/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You don't have permission" in html
    assert 'href="/"' in html
    assert top_bar_sections(html) == ["Redemptions", "Exports"]  # still the whole layout


# --- Top bar ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("Staff", ["Redemptions", "Exports"]),  # the Audit log's Exports tab, by its own name
        ("Marketer", ["Campaigns", "Redemptions", "Audit log"]),
        ("Admin", ["Campaigns", "Redemptions", "Customers", "Audit log"]),
        ("superuser", ["Campaigns", "Redemptions", "Customers", "Audit log"]),
    ],
)
def test_top_bar_shows_only_the_sections_the_user_may_open(client, role_user, role, sections):
    client.force_login(make_user(role_user, role))
    html = client.get("/").content.decode()
    assert top_bar_sections(html) == sections
    for hidden in {"/campaigns/", "/audit-log/"} - {f"/{s.lower().replace(' ', '-')}/" for s in sections}:
        assert f'href="{hidden}"' not in html  # no link to a page that answers 403


def test_top_bar_has_product_name_user_menu_with_roles_and_a_post_logout(client, role_user):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert re.search(r'<a class="vh-brand" href="/">.*VoucherHub\s*</a>', html, re.S)
    assert "marketer" in html
    assert '<span class="badge rounded-pill bg-primary-subtle text-primary-emphasis">Marketer</span>' in html
    assert re.search(
        r'<form method="post" action="/logout/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert re.search(r'<a href="/redemptions/" class="active" aria-current="page">Redemptions</a>', html)
    assert """hx-headers='{"X-CSRFToken": \"""" in html
    assert "django_htmx/htmx-2.min.js" in html
    assert "vendor/bootstrap/css/bootstrap.min.css" in html
    # Our static files only: no script, stylesheet or image from another site (the page's random CSRF token
    # may spell anything, "cdn" included, so the addresses are what is checked).
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), re.findall(r'(?:src|href)="[^"]*"', html)


def test_the_layout_reads_the_users_roles_once_per_page(client, role_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(role_user("Marketer"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/redemptions/").status_code == 200
    role_reads = [q["sql"] for q in queries if 'SELECT "auth_group"."name"' in q["sql"]]
    assert len(role_reads) == 1


def test_django_admin_link_only_for_staff_users(client, role_user, django_user_model):
    client.force_login(role_user("Admin"))
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(role_user(None, superuser=True))
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_logout_is_post_only_and_returns_to_the_login_page(client, role_user):
    client.force_login(role_user("Marketer"))
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200  # a GET (a link, a prefetch) never signs anyone out

    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


# --- The Redemptions section's tabs, and sections a later issue fills -------------------------------


def test_redemptions_section_has_four_real_url_tabs_with_the_current_one_marked(client, role_user):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/validations/").content.decode()
    assert tab_links(html) == [
        ("Redemptions", "/redemptions/", False),
        ("Validations", "/redemptions/validations/", True),
        ("Sessions", "/redemptions/sessions/", False),
        ("Stacking rules", "/redemptions/stacking-rules/", False),
    ]
    assert 'hx-get="/redemptions/sessions/"' in html and 'hx-push-url="true"' in html
    assert "Validations are kept 30 days" in html


def test_staff_sees_only_the_redemptions_tab(client, role_user):
    client.force_login(role_user("Staff"))
    html = client.get("/redemptions/").content.decode()
    assert [label for label, _, _ in tab_links(html)] == ["Redemptions"]


def test_a_tab_click_gets_only_the_section_body_and_a_direct_load_the_whole_page(client, role_user):
    client.force_login(role_user("Marketer"))
    swap = client.get("/redemptions/sessions/", headers={"HX-Request": "true"})
    html = swap.content.decode()
    assert swap.status_code == 200
    assert "<html" not in html and "vh-topbar" not in html
    assert '<div id="section-body">' in html
    assert "<title>Sessions · Redemptions · VoucherHub</title>" in html
    assert "HX-Request" in swap["Vary"]
    restore = client.get("/redemptions/sessions/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()
    assert "<html" in client.get("/redemptions/sessions/").content.decode()


# --- Error pages -----------------------------------------------------------------------------------


def test_unknown_url_gets_the_404_page(client, role_user):
    client.force_login(role_user("Marketer"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_500_page_renders_without_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert "{%" not in html and "{{" not in html


@override_settings(DEBUG=False)
def test_a_server_error_shows_the_500_page(client, role_user, monkeypatch):
    from insights import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.queries, "home_stats", broken)
    client.raise_request_exception = False
    client.force_login(role_user("Marketer"))
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# --- Django admin for support staff ----------------------------------------------------------------


def test_every_model_of_every_project_app_is_in_the_django_admin():
    project_apps = {
        "voucherhub", "campaigns", "redemptions", "validation_sessions", "stacking", "auditlog", "exports", "loyalty",
    }  # fmt: skip
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in project_apps and not admin.site.is_registered(model)
    ]
    assert missing == []


HISTORY_MODELS = [
    "redemptions.Redemption",
    "redemptions.Rollback",
    "redemptions.Validation",
    "auditlog.RequestLog",
    "auditlog.Event",
    "campaigns.VoucherTransaction",
]


@pytest.mark.parametrize("label", HISTORY_MODELS)
def test_history_is_read_only_in_the_admin(label, rf, role_user):
    request = rf.get("/admin/")
    request.user = role_user(None, superuser=True)
    model_admin = admin.site._registry[apps.get_model(label)]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.fixture
def one_of_everything(role_user):
    """A row in every table, so each admin list and form renders real columns."""
    from auditlog.models import Event, RequestLog
    from campaigns.models import (
        AsyncAction,
        CampaignFigures,
        Order,
        PromotionStack,
        PromotionStackTier,
        PromotionTier,
        Publication,
        Segment,
        ValidationRule,
        ValidationRuleAssignment,
        VoucherGenerationJob,
        VoucherTransaction,
    )
    from exports.models import Export, Notification
    from redemptions.models import Redemption, Rollback, Validation
    from sessions.models import SessionLock, ValidationSession
    from stacking.models import Category, StackingRules
    from voucherhub.services import create_api_key

    now = timezone.now()
    user = role_user("Marketer")
    category = Category.objects.create(name="Summer")
    campaign = make_campaign(category=category)
    voucher = make_voucher(campaign=campaign, category=category)
    gift = make_gift_card()
    customer = make_customer()
    order = Order.objects.create(source_id="order-1", customer=customer, amount=200000, total_amount=180000)
    tier = PromotionTier.objects.create(campaign=campaign, name="Tier 1", discount_type="AMOUNT", amount_off=500)
    PromotionStackTier.objects.create(
        stack=PromotionStack.objects.create(campaign=campaign, name="Stack 1"), tier=tier, position=1
    )
    rule = ValidationRule.objects.create(name="Over 100", rules={"logic": "1"})
    ValidationRuleAssignment.objects.create(rule=rule, campaign=campaign)
    VoucherGenerationJob.objects.create(campaign=campaign, total=5000, done=1000, status="IN_PROGRESS")
    CampaignFigures.objects.create(campaign=campaign, vouchers=1, computed_at=timezone.now())
    AsyncAction.objects.create(type="VOUCHERS_METADATA_UPDATE", payload={"codes": [voucher.code], "metadata": {}})
    Segment.objects.create(name="VIP").customers.add(customer)
    VoucherTransaction.objects.create(voucher=gift, source="CREATION", amount=10000, balance_after=10000)
    Publication.objects.create(campaign=campaign, customer=customer, codes=[voucher.code]).vouchers.add(voucher)
    log = RequestLog.objects.create(id="v-1", method="POST", path="/v1/redemptions", response_status=200)
    Event.objects.create(type="redemption.succeeded", occurred_at=now, resource_id="r_1", request_log=log)
    redemption = Redemption.objects.create(
        id="r_1",
        created_at=now,
        result="SUCCESS",
        status="SUCCEEDED",
        related_object_type="voucher",
        voucher=voucher,
        voucher_code=voucher.code,
        campaign=campaign,
        customer=customer,
        order=order,
        order_amount=200000,
        discount_amount=20000,
        amount=20000,
        request_log=log,
    )
    Rollback.objects.create(
        id="rr_1", redemption=redemption, created_at=now, result="SUCCESS", status="SUCCEEDED", amount=0
    )
    Validation.objects.create(created_at=now, valid=True, customer=customer, order=order, order_amount=200000)
    session = ValidationSession.objects.create(key="ssn_1", expires_at=now + timedelta(days=7), customer=customer)
    SessionLock.objects.create(session=session, voucher=voucher)
    StackingRules.load()
    export = Export.objects.create(user=user)
    Notification.objects.create(user=user, export=export, message="Your export is ready")
    key, _ = create_api_key(name="Shop")
    IdempotencyKey.objects.create(api_key=key, key="retry-1", method="POST", path="/v1/redemptions", fingerprint="0")
    WorkerHeartbeat.objects.create(name="worker", seen_at=now)
    _loyalty_rows(customer, order)
    return user


def _loyalty_rows(customer, order) -> None:
    """A program with an earning rule that holds points, the customer's card, and the order's pending points."""
    from django.utils import timezone

    from loyalty.models import ProgramFigures
    from loyalty.services.earning import earn_for_order
    from loyalty.services.earning_rules import create_rules
    from loyalty.services.programs import add_member, create_program
    from loyalty.services.rewards import assign, create_reward
    from loyalty.services.tiers import create_tiers
    from voucherhub.caller import Caller

    caller = Caller("API", "test")
    club = create_program(
        caller=caller, name="Club", points=10, expiration_rules={"period_type": "MONTH", "period_value": 6}
    )
    earning = {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}, "pending_days": 7}
    create_rules(caller=caller, program=club.pk, rules=[earning])
    add_member(caller=caller, program=club.pk, customer={"id": customer.pk})
    earn_for_order(order, caller=caller)
    mug = create_reward(caller=caller, fields={"name": "Mug", "type": "MATERIAL", "product_id": "prod_mug", "stock": 5})
    assign(caller=caller, program=club.pk, items=[(mug.pk, 100)])
    create_tiers(caller=caller, program=club.pk, items=[{"name": "Gold", "points_from": 100}])
    ProgramFigures.objects.create(campaign=club, cards=1, members=1, computed_at=timezone.now())


def test_support_staff_open_every_admin_list_and_record(client, role_user, one_of_everything):
    client.force_login(role_user(None, superuser=True))
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label == "auth":
            continue
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        row = model._default_manager.first()
        assert row is not None, f"the fixture has no {meta.label}"
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
        assert client.get(change).status_code == 200, change
        # Search answers too (exact match on the big tables).
        assert client.get(changelist, {"q": str(row.pk)}).status_code == 200, changelist


def test_admin_money_columns_use_the_dashboard_format(client, role_user, one_of_everything):
    client.force_login(role_user(None, superuser=True))
    html = client.get(reverse("admin:redemptions_redemption_changelist")).content.decode()
    assert "€2,000.00" in html
    assert "r_1" in html


def test_admin_search_on_redemptions_is_exact(client, role_user, one_of_everything):
    client.force_login(role_user(None, superuser=True))
    url = reverse("admin:redemptions_redemption_changelist")
    assert "r_1" in client.get(url, {"q": "r_1"}).content.decode()
    assert "0 redemptions" in client.get(url, {"q": "r_"}).content.decode()


def test_creating_an_api_key_in_the_admin_shows_the_token_once(client, role_user):
    admin_user = role_user(None, superuser=True)
    client.force_login(admin_user)
    response = client.post(reverse("admin:voucherhub_apikey_add"), {"name": "Checkout"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Checkout")
    assert key.created_by == admin_user
    html = response.content.decode()
    token = re.search(r"Token: <code>([^<]+)</code>", html).group(1)
    assert key.token_matches(token)
    assert key.token_hint == token[-4:]
    assert key.app_id in html
    assert "Copy it now: it will not be shown again" in html
    # Never again: not on the list, not on the key's page.
    assert token not in client.get(reverse("admin:voucherhub_apikey_changelist")).content.decode()
    assert token not in client.get(reverse("admin:voucherhub_apikey_change", args=[key.pk])).content.decode()


def test_revoke_selected_keys_action(client, role_user):
    from voucherhub.services import create_api_key

    client.force_login(role_user(None, superuser=True))
    key, _ = create_api_key(name="Old shop")
    kept, _ = create_api_key(name="New shop")
    response = client.post(
        reverse("admin:voucherhub_apikey_changelist"),
        {"action": "revoke_selected", "_selected_action": [key.pk]},
        follow=True,
    )
    assert "Revoked 1 key(s)." in response.content.decode()
    key.refresh_from_db()
    kept.refresh_from_db()
    assert key.revoked_at is not None
    assert kept.revoked_at is None


def test_stacking_rules_are_never_added_twice_nor_deleted_in_the_admin(client, role_user):
    from stacking.models import StackingRules

    client.force_login(role_user(None, superuser=True))
    assert client.get(reverse("admin:stacking_stackingrules_add")).status_code == 200
    StackingRules.load()
    assert client.get(reverse("admin:stacking_stackingrules_add")).status_code == 403
    assert client.get(reverse("admin:stacking_stackingrules_delete", args=[1])).status_code == 403
