"""One list behaviour everywhere (issue 14, gap 5): the same filter panel applied on change, 25 rows a page
until the person picks another size, the same empty states."""

import re
from html import unescape

import pytest
from django.http import QueryDict

from campaigns.models import CampaignType
from dashboard.filters import DEFAULT_PAGE_SIZE, nearest_page_size, page_size_form
from tests.factories import make_campaign, make_voucher
from tests.redemptions.test_dashboard_validations_sessions import validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift():
    return make_campaign(name="Gift cards", campaign_type=CampaignType.GIFT_VOUCHERS)


def list_urls(gift) -> dict[str, str]:
    return {
        "redemptions": "/redemptions/",
        "validations": "/redemptions/validations/",
        "sessions": "/redemptions/sessions/",
        "request logs": "/audit-log/",
        "events": "/audit-log/events/",
        "exports": "/audit-log/exports/",
        "campaigns": "/campaigns/",
        "vouchers": f"/campaigns/{gift.pk}/vouchers/",
        "transactions": f"/campaigns/{gift.pk}/transactions/",
        "activity": f"/campaigns/{gift.pk}/activity/",
    }


def selected_page_size(html: str) -> list[str]:
    select = re.search(r'<select name="per_page".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)" selected>', select)


def test_every_list_has_the_same_filter_panel_without_an_apply_button_and_25_rows_per_page(client, role_user, gift):
    client.force_login(role_user(None, superuser=True))
    for name, url in list_urls(gift).items():
        html = client.get(url).content.decode()
        assert 'id="filter-panel"' in html and 'id="list-filters"' in html, name
        form = re.search(r'<form id="list-filters".*?</form>', html, re.S).group(0)
        assert 'hx-trigger="change, submit"' in form and 'hx-push-url="true"' in form, name
        assert "Apply" not in re.sub(r"<noscript>.*?</noscript>", "", form, flags=re.S), name
        assert "<noscript><button" in form, name  # Apply only without JavaScript
        assert selected_page_size(html) == [str(DEFAULT_PAGE_SIZE)] == ["25"], name


def test_a_list_shows_25_rows_then_the_next_page(client, role_user):
    for n in range(DEFAULT_PAGE_SIZE + 3):
        make_campaign(name=f"Bulk {n:02d}")
    client.force_login(role_user("Marketer"))
    html = client.get("/campaigns/").content.decode()
    assert len(re.findall(r">Bulk \d\d<", html)) == DEFAULT_PAGE_SIZE
    assert 'data-testid="page-next"' in html
    assert len(re.findall(r">Bulk \d\d<", client.get("/campaigns/?per_page=50").content.decode())) == 28
    # a size the select does not offer reads as the nearest one offered, said above the table, not as a
    # filter error; a value that is no number as the default
    odd = client.get("/campaigns/?per_page=7").content.decode()
    assert len(re.findall(r">Bulk \d\d<", odd)) == 10 and "Some filters could not be read" not in odd
    assert "“7” rows per page is not offered (10, 25, 50, 100): showing 10." in odd
    assert re.search(r'<option value="10" selected>', odd)
    word = client.get("/campaigns/?per_page=lots").content.decode()
    assert len(re.findall(r">Bulk \d\d<", word)) == DEFAULT_PAGE_SIZE
    assert "“lots” rows per page is not offered (10, 25, 50, 100): showing 25." in word
    assert "rows per page is not offered" not in client.get("/campaigns/?per_page=50").content.decode()


def test_the_validations_tab_shows_25_rows_per_page(client, role_user):
    make_voucher(code="MANY")
    for _ in range(DEFAULT_PAGE_SIZE + 2):
        validate("MANY")
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/validations/").content.decode()
    assert len(set(re.findall(r'href="/redemptions/validations/(valid_\w+)/', html))) == DEFAULT_PAGE_SIZE
    assert selected_page_size(html) == ["25"]


def test_a_filtered_empty_list_says_no_rows_match_these_filters_with_clear_filters(client, role_user, gift):
    client.force_login(role_user(None, superuser=True))
    for url, params, noun in [
        ("/redemptions/sessions/", "status=RELEASED", "sessions"),
        ("/redemptions/validations/", "session_key=ssn_none", "validations"),
        ("/audit-log/", "method=DELETE", "request logs"),
        ("/campaigns/", "type=PROMOTION", "campaigns"),
        (f"/campaigns/{gift.pk}/vouchers/", "code=NOPE", "vouchers"),
    ]:
        html = unescape(client.get(f"{url}?{params}").content.decode())
        assert f"No {noun} match these filters" in html, url
        assert re.search(rf'<a href="{re.escape(url)}"[^>]*>Clear filters</a>', html), url


def test_a_list_without_any_row_says_so_in_one_line(client, role_user, gift):
    client.force_login(role_user(None, superuser=True))
    html = unescape(client.get("/redemptions/sessions/").content.decode())
    assert "No sessions yet — one opens when a shop holds vouchers for a customer while they check out." in html
    assert "match these filters" not in html and "Clear filters" not in html
    html = unescape(client.get(f"/campaigns/{gift.pk}/vouchers/").content.decode())
    assert "This campaign has no vouchers yet." in html and "Clear filters" not in html


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("7", 10),
        ("0", 10),
        ("-3", 10),
        ("17", 10),
        ("18", 25),
        ("30", 25),
        ("38", 50),
        ("75", 50),
        ("76", 100),
        ("1000", 100),
    ],
)
def test_a_page_size_not_offered_reads_as_the_nearest_offered(asked, shown):
    assert nearest_page_size(asked) == shown
    form = page_size_form(QueryDict(f"per_page={asked}"))
    assert form.page_size() == shown and form.note.endswith(f"showing {shown}.")


def test_a_page_size_that_is_no_number_reads_as_the_default_and_an_offered_one_says_nothing():
    assert page_size_form(QueryDict("per_page=lots")).page_size() == DEFAULT_PAGE_SIZE
    assert page_size_form(QueryDict("per_page=50")).note == "" and page_size_form(QueryDict("")).note == ""
