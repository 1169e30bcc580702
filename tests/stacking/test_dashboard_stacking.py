"""The Stacking Rules tab: who sees and edits what, the settings form and categories (the simulator, a
panel of the tab from redemptions, is tests/redemptions/test_simulator.py)."""

import pytest
from django.urls import reverse

from auditlog.models import Event
from stacking.models import Category, StackingRules
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db

URL = "/redemptions/stacking-rules/"
VALID = {
    "redeemables_limit": "20",
    "applicable_redeemables_limit": "4",
    "applicable_exclusive_redeemables_limit": "2",
    "applicable_redeemables_per_category_limit": "",
    "redeemables_application_mode": "PARTIAL",
    "redeemables_sorting_rule": "CATEGORY_HIERARCHY",
    "default_discount_calculation": "DISCOUNTED_AMOUNT",
}


def test_url_name_is_kept():
    assert reverse("stacking:rules") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post(URL, VALID).status_code == 302
    assert StackingRules.objects.filter(redeemables_limit=20).count() == 0


def test_staff_gets_403(client, role_user):
    client.force_login(role_user("Staff"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert client.post(reverse("stacking:category_create"), {"name": "X", "hierarchy": 1}).status_code == 403


def test_marketer_sees_the_values_read_only_and_cannot_post(client, role_user):
    client.force_login(role_user("Marketer"))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="rules-readonly"' in html and "Save stacking rules" not in html
    assert "New category" not in html
    assert client.post(URL, VALID).status_code == 403
    assert client.post(reverse("stacking:category_create"), {"name": "X", "hierarchy": 1}).status_code == 403
    assert not StackingRules.objects.filter(redeemables_limit=20).exists()
    assert not Category.objects.exists()


@pytest.mark.parametrize("role, superuser", [("Admin", False), (None, True)])
def test_admin_and_superuser_save_the_rules(client, role_user, role, superuser):
    user = role_user(role, superuser=superuser)
    client.force_login(user)
    assert "Save stacking rules" in client.get(URL).content.decode()
    response = client.post(URL, VALID, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rules-panel")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="rules-panel"') and "Stacking rules saved." in html
    rules = StackingRules.objects.get()
    limits = (rules.redeemables_limit, rules.applicable_redeemables_limit, rules.applicable_exclusive_redeemables_limit)
    assert limits == (20, 4, 2)
    assert rules.redeemables_application_mode == "PARTIAL"
    assert rules.redeemables_sorting_rule == "CATEGORY_HIERARCHY"
    assert rules.default_discount_calculation == "DISCOUNTED_AMOUNT"
    assert rules.updated_by == user
    event = Event.objects.get(type="stacking_rules.updated")
    assert event.data["after"]["redeemables_limit"] == 20 and "redeemables_limit" in event.data["changed"]


def test_plain_post_redirects_back(client, role_user):
    client.force_login(role_user("Admin"))
    response = client.post(URL, VALID)
    assert response.status_code == 302 and response["Location"] == URL


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"redeemables_limit": "31"}, "redeemables_limit", "less than or equal to 30"),
        ({"redeemables_limit": "0"}, "redeemables_limit", "greater than or equal to 1"),
        ({"applicable_redeemables_limit": "25"}, "applicable_redeemables_limit", "Must not be above"),
        ({"applicable_exclusive_redeemables_limit": "6"}, "applicable_exclusive_redeemables_limit", "less than"),
        (
            {"applicable_redeemables_limit": "2", "applicable_exclusive_redeemables_limit": "3"},
            "applicable_exclusive_redeemables_limit",
            "Must not be above the maximum applicable redeemables (2)",
        ),
        ({"redeemables_application_mode": "SOME"}, "redeemables_application_mode", "Select a valid choice"),
        ({"default_discount_calculation": "DEFAULT"}, "default_discount_calculation", "Select a valid choice"),
        ({"redeemables_limit": "abc"}, "redeemables_limit", "Enter a whole number"),
    ],
)
def test_invalid_rules_show_errors_and_change_nothing(client, role_user, changes, field, message):
    client.force_login(role_user("Admin"))
    before = StackingRules.load()
    response = client.post(URL, {**VALID, **changes}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rules-panel")
    assert response.status_code == 200
    assert field in response.context["rules_form"].errors
    html = response.content.decode()
    assert message in html and "were not saved" in html
    after = StackingRules.objects.get()
    assert after.redeemables_limit == before.redeemables_limit == 30
    assert after.redeemables_application_mode == "ALL"
    assert not Event.objects.filter(type="stacking_rules.updated").exists()


def test_tab_click_renders_only_the_section_body(client, role_user):
    client.force_login(role_user("Marketer"))
    html = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="section-body").content.decode()
    assert "<title>Stacking rules · Redemptions · VoucherHub</title>" in html
    assert '<div id="section-body">' in html and "<html" not in html


# --- categories --------------------------------------------------------------------------------------------


def test_categories_table_shows_hierarchy_eligibility_calculation_and_campaigns(client, role_user):
    category = Category.objects.create(name="Seasonal", hierarchy=2, stacking_rules_type="EXCLUSIVE")
    make_campaign(name="Winter sale", category=category)
    client.force_login(role_user("Marketer"))
    html = client.get(URL).content.decode()
    assert "Seasonal" in html and "Exclusive (never stackable)" in html and "Winter sale" in html
    assert "Edit Seasonal" not in html  # no edit button without change_category


def test_admin_creates_and_edits_a_category(client, role_user):
    client.force_login(role_user("Admin"))
    create = reverse("stacking:category_create")
    form = client.get(create, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="categories-panel").content.decode()
    assert "New category" in form and 'name="hierarchy"' in form
    response = client.post(
        create,
        {"name": "Flash", "hierarchy": "3", "stacking_rules_type": "JOINT", "discount_calculation": "INITIAL_AMOUNT"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Category Flash created." in response.content.decode()
    category = Category.objects.get(name="Flash")
    assert (category.hierarchy, category.stacking_rules_type, category.discount_calculation) == (
        3, "JOINT", "INITIAL_AMOUNT",
    )  # fmt: skip
    assert Event.objects.filter(type="category.created", resource_id=category.pk).exists()

    edit = reverse("stacking:category_edit", args=[category.pk])
    response = client.post(
        edit, {"name": "Flash sale", "hierarchy": "1", "stacking_rules_type": "", "discount_calculation": "DEFAULT"}
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.hierarchy, category.stacking_rules_type) == ("Flash sale", 1, "")
    assert Event.objects.get(type="category.updated").data["stacking_rules_type"] == ""


def test_category_errors_are_shown(client, role_user):
    Category.objects.create(name="Taken", hierarchy=1)
    client.force_login(role_user("Admin"))
    response = client.post(
        reverse("stacking:category_create"),
        {"name": "Taken", "hierarchy": "-1", "stacking_rules_type": "NEVER", "discount_calculation": "DEFAULT"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    errors = response.context["category_form"].errors
    assert set(errors) == {"hierarchy", "stacking_rules_type"}
    response = client.post(
        reverse("stacking:category_create"),
        {"name": "Taken", "hierarchy": "2", "stacking_rules_type": "", "discount_calculation": "DEFAULT"},
        HTTP_HX_REQUEST="true",
    )
    assert "already exists" in response.content.decode()
    assert Category.objects.count() == 1


def test_editing_a_missing_category_is_404(client, role_user):
    client.force_login(role_user("Admin"))
    assert client.get(reverse("stacking:category_edit", args=["cat_missing"])).status_code == 404


def test_the_tab_shows_the_settings_the_categories_and_the_simulator(client, role_user):
    client.force_login(role_user("Marketer"))
    html = client.get(URL).content.decode()
    for panel in ("rules-panel", "categories-panel", "simulator-panel"):
        assert f'id="{panel}"' in html, panel
