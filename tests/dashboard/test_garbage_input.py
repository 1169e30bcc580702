"""Garbage in dashboard addresses and query strings, as an adversarial crawl sends it: the person gets the
page with a note, the 404 page or a form error, never a 500. (Each of these was a 500 in such a crawl.)"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_campaign

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(client, role_user):
    client.force_login(role_user("Admin"))
    return client


@pytest.mark.parametrize("per_page", ["-1", "0", "NaN", "1e999", "99999999999999999999", "\x00", "x" * 500])
@pytest.mark.parametrize("page", ["", "-1", "0", "NaN", "1e999", "99999999999"])
def test_the_stacking_rules_tab_reads_any_page_size_and_page(admin, per_page, page):
    make_campaign(name="Summer")
    response = admin.get("/redemptions/stacking-rules/", {"per_page": per_page, "page": page})
    assert response.status_code == 200
    assert "Categories" in response.content.decode()


def _patterns(resolver: URLResolver, prefix: str = ""):
    """Every dashboard address pattern with a part taken from the URL (an id, a key), as text."""
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            if not pattern.startswith(("v1/", "management/v1/", "admin/")):
                yield from _patterns(entry, pattern)
        elif isinstance(entry, URLPattern) and ("<" in pattern or "(?P" in pattern):
            yield pattern


def _with_nul_ids(pattern: str) -> str:
    import re

    pattern = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x_\x00", pattern)
    return "/" + re.sub(r"<[^>]+>", "x_\x00", pattern)


ADDRESSES = sorted({_with_nul_ids(pattern) for pattern in _patterns(get_resolver())})


def test_the_walk_finds_every_address_with_an_id():
    assert len(ADDRESSES) >= 11, ADDRESSES


@pytest.mark.parametrize("address", ADDRESSES, ids=lambda a: a.replace("\x00", "%00"))
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_id_holding_a_nul_character_is_the_404_page(admin, address, method):
    response = getattr(admin, method)(address)
    assert response.status_code == 404, address
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("value", ["NaN", "1e999", "-1", "\x00", "x" * 5_000, "[[[[", "' OR 1=1 --"])
@pytest.mark.parametrize("field", ["metadata_key", "metadata_value", "campaign", "status", "date_from", "page"])
def test_the_export_dialog_reads_garbage_filters_as_a_message(client, role_user, field, value):
    client.force_login(role_user("Staff"))
    response = client.get("/exports/new/", {field: value}, headers=HTMX)
    assert response.status_code in (200, 400)
    assert "Export" in response.content.decode()


@pytest.mark.parametrize("value", ["NaN", "1e999", "-1e999", "Infinity", "-0", "\x00", "1" * 400])
@pytest.mark.parametrize("exported_object", ["redemption", "validation", "session", "request_log", "event"])
def test_the_export_dialog_reads_a_garbage_metadata_value(client, role_user, exported_object, value):
    client.force_login(role_user("Admin"))
    params = {"exported_object": exported_object, "metadata_key": "note", "metadata_value": value}
    response = client.get("/exports/new/", params, headers=HTMX)
    assert response.status_code in (200, 400, 404)


# Every dashboard form posted as a plain form (no HTMX) with garbage: it changes nothing and answers 400 with
# the error where the person sees it, never a 200 that reads as success. (A crawl posting a category got 200.)
GARBAGE_POSTS = [
    ("/settings/", {"time_zone": "Mars/Olympus_Mons"}, "is not a time zone we know"),
    ("/redemptions/stacking-rules/", {"redeemables_limit": "NaN"}, "The settings were not saved"),
    (
        "/redemptions/stacking-rules/",
        {"redeemables_limit": "-1", "exclusive_categories": "\x00"},
        "The settings were not saved",
    ),
    ("/redemptions/stacking-rules/categories/new/", {}, "This field is required."),
    (
        "/redemptions/stacking-rules/categories/new/",
        {"name": "\x00", "hierarchy": "1e999", "discount_calculation": "NaN"},
        "Enter a whole number.",
    ),
    ("/exports/", {"exported_object": "redemption", "fields": "\x00"}, "is not one you may export"),
]


@pytest.mark.parametrize("address, body, error", GARBAGE_POSTS, ids=lambda v: str(v)[:40])
def test_a_garbage_form_is_a_400_with_its_error_and_changes_nothing(admin, address, body, error):
    from exports.models import Export
    from stacking.models import Category, StackingRules

    before = (Category.objects.count(), list(StackingRules.objects.values()), Export.objects.count())
    response = admin.post(address, body)
    assert response.status_code == 400, response.content[:300]
    assert error in response.content.decode()
    assert (Category.objects.count(), list(StackingRules.objects.values()), Export.objects.count()) == before


def test_a_category_posted_as_a_plain_form_is_created_and_says_so(admin):
    from stacking.models import Category

    body = {"name": "Flash", "hierarchy": "3", "stacking_rules_type": "", "discount_calculation": "DEFAULT"}
    response = admin.post("/redemptions/stacking-rules/categories/new/", body, follow=True)
    assert response.redirect_chain == [("/redemptions/stacking-rules/", 302)]
    assert "Category Flash created." in response.content.decode()
    assert Category.objects.get().name == "Flash"
