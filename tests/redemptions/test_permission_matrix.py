"""Who may open and post what in the Redemptions section, in one place.

Every dashboard URL and POST of the section's four tabs — lists, details, Rollback, Release, the
stacking-rules form, categories and the simulator — for an anonymous visitor, Staff, Marketer, Admin and
a superuser, through the real views. Anonymous visitors are sent to the login page; a logged-in user
without the permission gets 403 (and a refused POST changes nothing); everyone else gets the page or the
action's answer.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from redemptions.models import Redemption, RedemptionStatus, Validation
from sessions.models import SessionStatus, ValidationSession
from stacking.models import Category, StackingRules
from tests.factories import make_voucher
from tests.redemptions.factories import redeemed
from tests.redemptions.test_dashboard_validations_sessions import locked_session

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "Staff", "Marketer", "Admin", "superuser"]
EVERYONE = {"Staff", "Marketer", "Admin", "superuser"}
BROWSERS = {"Marketer", "Admin", "superuser"}  # browse every tab
ADMINS = {"Admin", "superuser"}  # the actions

RULES = {
    "redeemables_limit": "20",
    "applicable_redeemables_limit": "4",
    "applicable_exclusive_redeemables_limit": "2",
    "applicable_redeemables_per_category_limit": "",
    "redeemables_application_mode": "PARTIAL",
    "redeemables_sorting_rule": "CATEGORY_HIERARCHY",
    "default_discount_calculation": "DISCOUNTED_AMOUNT",
}
CATEGORY = {"name": "Matrix", "hierarchy": "2", "stacking_rules_type": "", "discount_calculation": "DEFAULT"}


@dataclass
class World:
    redemption: Redemption
    validation: Validation
    session: ValidationSession
    category: Category


@pytest.fixture
def world() -> World:
    redemption = redeemed("MATRIX-1")
    make_voucher(code="MATRIX-LOCK")
    session = locked_session("ssn_matrix", "MATRIX-LOCK")
    return World(
        redemption=redemption,
        validation=Validation.objects.first(),
        session=session,
        category=Category.objects.create(name="Existing", hierarchy=1),
    )


# (what, method, URL ({r} redemption, {v} validation, {s} session, {c} category), POST data, roles allowed)
CASES = [
    ("redemptions list", "get", "/redemptions/", None, EVERYONE),
    ("redemptions list, filtered", "get", "/redemptions/?status=SUCCEEDED&per_page=10", None, EVERYONE),
    ("redemption detail", "get", "/redemptions/{r}/", None, EVERYONE),
    ("rollback", "post", "/redemptions/{r}/rollback/", {"reason": "matrix"}, ADMINS),
    ("rollback form (a list row's)", "get", "/redemptions/{r}/rollback/", None, ADMINS),
    ("validations list", "get", "/redemptions/validations/", None, BROWSERS),
    ("validation detail", "get", "/redemptions/validations/{v}/", None, BROWSERS),
    ("sessions list", "get", "/redemptions/sessions/", None, BROWSERS),
    ("session detail", "get", "/redemptions/sessions/{s}/", None, BROWSERS),
    ("release", "post", "/redemptions/sessions/{s}/release/", {}, ADMINS),
    ("stacking rules tab", "get", "/redemptions/stacking-rules/", None, BROWSERS),
    ("simulator", "get", "/redemptions/stacking-rules/?redeemables=MATRIX-LOCK&amount=10.00", None, BROWSERS),
    ("save stacking rules", "post", "/redemptions/stacking-rules/", RULES, ADMINS),
    ("new category form", "get", "/redemptions/stacking-rules/categories/new/", None, ADMINS),
    ("create category", "post", "/redemptions/stacking-rules/categories/new/", CATEGORY, ADMINS),
    ("edit category form", "get", "/redemptions/stacking-rules/categories/{c}/edit/", None, ADMINS),
    ("save category", "post", "/redemptions/stacking-rules/categories/{c}/edit/", CATEGORY, ADMINS),
]


def _state(w: World) -> tuple:
    """What any of the POSTs would change."""
    rules = StackingRules.objects.first()
    return (
        Redemption.objects.get(pk=w.redemption.pk).status,
        ValidationSession.objects.get(pk=w.session.key).status,
        rules.updated_at if rules else None,
        sorted(Category.objects.values_list("name", "hierarchy")),
    )


def _client(role: str, role_user) -> Client:
    client = Client()
    if role == "superuser":
        client.force_login(role_user(None, superuser=True))
    elif role != "anonymous":
        client.force_login(role_user(role))
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_the_section_answers_each_role_as_spec_section_1_says(role_user, world, role, case):
    name, method, url, data, allowed = case
    w = world
    url = url.format(r=w.redemption.pk, v=w.validation.pk, s=w.session.key, c=w.category.pk)
    client = _client(role, role_user)
    before = _state(world)
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith("/login/"), (name, response.status_code)
        assert _state(world) == before
    elif role in allowed:
        assert response.status_code in (200, 302), (name, role, response.status_code)
        if response.status_code == 302:
            assert not response.url.startswith("/login/"), (name, role)
    else:
        assert response.status_code == 403, (name, role, response.status_code)
        assert _state(world) == before, (name, role)


@pytest.mark.parametrize("role", ["Admin", "superuser"])
def test_the_actions_do_what_they_say_for_those_allowed(role_user, world, role):
    client = _client(role, role_user)
    client.post(f"/redemptions/{world.redemption.pk}/rollback/", {"reason": "matrix"})
    assert Redemption.objects.get(pk=world.redemption.pk).status == RedemptionStatus.ROLLED_BACK
    client.post(f"/redemptions/sessions/{world.session.key}/release/")
    assert ValidationSession.objects.get(pk=world.session.key).status == SessionStatus.RELEASED


@pytest.mark.parametrize(
    "url",
    [
        "/redemptions/{r}/rollback/",
        "/redemptions/sessions/{s}/release/",
        "/redemptions/stacking-rules/",
        "/redemptions/stacking-rules/categories/new/",
    ],
)
def test_every_state_change_needs_the_csrf_token(role_user, world, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(None, superuser=True))
    before = _state(world)
    data = {"reason": "no token", **RULES, **CATEGORY}
    response = client.post(url.format(r=world.redemption.pk, s=world.session.key), data)
    assert response.status_code == 403
    assert _state(world) == before
