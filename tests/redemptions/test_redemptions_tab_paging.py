"""The Redemptions tab's paging: keyset cursors forward and back, sorted pages, deep pages, bad cursors and
the rows-per-page choice."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.keyset import SortKey, encode
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption, make_user

pytestmark = pytest.mark.django_db


# --- Keyset pagination -----------------------------------------------------------------------------


def _ids_on(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([^"]+)"', html)


def _link(html: str, testid: str) -> str:
    match = re.search(rf'href="([^"]+)"\s+data-testid="{testid}"', html)
    assert match, f"no {testid} link"
    return "/redemptions/" + unescape(match.group(1))


@pytest.fixture
def many():
    """25 redemptions a minute apart (newest first: many[0]); two share a timestamp, as bulk loads do."""
    now = timezone.now()
    made = [make_redemption(created_at=now - timedelta(minutes=i), amount=i * 10) for i in range(24)]
    made.insert(3, make_redemption(created_at=made[3].created_at, amount=5))
    return sorted(made, key=lambda r: (r.created_at, r.pk), reverse=True)


def test_next_and_previous_walk_the_list_by_cursor_without_gaps_or_repeats(client, role_user, many):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/?per_page=10").content.decode()
    seen = _ids_on(html)
    assert 'data-testid="page-previous"' not in html
    pages = [seen]
    while 'data-testid="page-next"' in html:
        url = _link(html, "page-next")
        assert "after=" in url and not re.search(r"[?&]page=", url)
        html = client.get(url).content.decode()
        pages.append(_ids_on(html))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sum(pages, []) == [r.pk for r in many]
    # Back from the last page: the second page, then the first (which has no previous link).
    html = client.get(_link(html, "page-previous")).content.decode()
    assert _ids_on(html) == pages[1]
    html = client.get(_link(html, "page-previous")).content.decode()
    assert _ids_on(html) == pages[0]
    assert 'data-testid="page-previous"' not in html


def test_a_sorted_list_pages_by_that_sort(client, role_user, many):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/?per_page=10&sort=amount").content.decode()
    first = _ids_on(html)
    second = _ids_on(client.get(_link(html, "page-next")).content.decode())
    expected = [r.pk for r in sorted(many, key=lambda r: (r.amount, r.created_at, r.pk))]
    assert first + second == expected[:20]


def test_a_deep_page_seeks_instead_of_skipping_rows(client, role_user, many):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/?per_page=10").content.decode()
    with CaptureQueriesContext(connection) as captured:
        client.get(_link(html, "page-next"))
    pages = [q["sql"] for q in captured if 'FROM "redemptions_redemption"' in q["sql"] and "COUNT(" not in q["sql"]]
    assert pages and all("OFFSET" not in sql.upper() for sql in pages)


@pytest.mark.parametrize(
    "cursor",
    [
        "after=%%%",
        "after=bm90IGpzb24",  # not JSON
        "before=WyItY3JlYXRlZF9hdCIsWzEsMl1d",  # ["-created_at",[1,2]]
        "after=WyItY3JlYXRlZF9hdCIsWyIyMDI2LTEzLTAxVDAwOjAwOjAwKzAwOjAwIiwicl94Il1d",  # no 13th month
        "after=WyItY3JlYXRlZF9hdCIsWyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIixudWxsXV0",
        "after=" + "A" * 3000,
    ],
)
def test_a_cursor_that_cannot_be_read_is_a_form_error_and_the_first_page(client, role_user, many, cursor):
    client.force_login(role_user("Marketer"))
    response = client.get(f"/redemptions/?per_page=10&{cursor}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="cursor-error"' in html
    assert _ids_on(html) == [r.pk for r in many[:10]]


def test_a_cursor_of_another_sort_starts_that_sort_at_its_first_page(client, role_user, many):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/?per_page=10").content.decode()
    after = _link(html, "page-next").split("after=")[1].split("&")[0]
    html = client.get(f"/redemptions/?per_page=10&sort=amount&after={after}").content.decode()
    assert 'data-testid="cursor-error"' not in html
    assert _ids_on(html)[0] == min(many, key=lambda r: (r.amount, r.created_at, r.pk)).pk


def test_a_cursor_page_runs_the_same_number_of_queries_for_10_and_50_rows(client, role_user):
    for i in range(120):
        make_redemption(voucher_code=f"K-{i}")
    client.force_login(role_user("Admin"))
    counts = []
    for size in (10, 50):
        html = client.get(f"/redemptions/?per_page={size}").content.decode()
        for testid in ("page-next", "page-previous"):
            url = _link(html, testid)
            with CaptureQueriesContext(connection) as captured:
                html = client.get(url).content.decode()
            counts.append((testid, len(captured)))
            if testid == "page-next":
                html = client.get(_link(html, "page-next")).content.decode()
    assert counts[:2] == counts[2:]


def test_a_cursor_value_out_of_the_columns_range_is_a_form_error(client, role_user, many):
    client.force_login(role_user("Marketer"))
    key = SortKey("amount", ("amount", "created_at", "id"), descending=False)
    huge = encode(key, [10**30, "2026-01-01T00:00:00+00:00", "r_x"])
    response = client.get(f"/redemptions/?sort=amount&after={huge}")
    assert response.status_code == 200
    assert 'data-testid="cursor-error"' in response.content.decode()


# --- Rows per page ----------------------------------------------------------------------------------


def _selected_page_size(html: str) -> str:
    select = re.search(r'<select name="per_page".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d+)" selected>', select)


@pytest.mark.parametrize(
    ("query", "size"),
    [("", 25), ("?status=SUCCEEDED", 25), ("?per_page=", 25), ("?per_page=7", 10), ("?per_page=abc", 25)],
)
def test_the_rows_per_page_select_shows_the_page_size_the_list_uses(client, role_user, query, size):
    """Without a size, or one that is no number, the default; a size not offered reads as the nearest one."""
    from dashboard.filters import DEFAULT_PAGE_SIZE

    campaign = make_campaign(name="Busy")
    for _ in range(DEFAULT_PAGE_SIZE + 3):
        make_redemption(voucher_code="BUSY-1", campaign=campaign)
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get(f"/redemptions/{query}").content.decode()
    assert _selected_page_size(html) == [str(size)]
    assert len(_ids_on(html)) == size
    campaign_html = client.get(f"/redemptions/?campaign={campaign.pk}").content.decode()
    assert _selected_page_size(campaign_html) == [str(DEFAULT_PAGE_SIZE)]
    assert len(_ids_on(campaign_html)) == DEFAULT_PAGE_SIZE
    ten = client.get("/redemptions/?per_page=10").content.decode()
    assert _selected_page_size(ten) == ["10"] and len(_ids_on(ten)) == 10


def _walk(client, url: str) -> tuple[list[list[str]], list[list[str]]]:
    """Every page from ``url`` by its Next links, then back by Previous: the ids on each page."""
    html = client.get(url).content.decode()
    forward = [_ids_on(html)]
    while 'data-testid="page-next"' in html:
        html = client.get(_link(html, "page-next")).content.decode()
        forward.append(_ids_on(html))
    backward = [_ids_on(html)]
    while 'data-testid="page-previous"' in html:
        html = client.get(_link(html, "page-previous")).content.decode()
        backward.append(_ids_on(html))
    return forward, backward


@pytest.mark.parametrize("sort", ["", "&sort=created_at", "&sort=-amount", "&sort=status"])
def test_rows_with_one_timestamp_page_by_id_in_the_sort_direction_without_repeats_or_gaps(client, role_user, sort):
    """A stacked call's rows and calls in the same millisecond share created_at: the id breaks the tie, in
    the same direction, so each row is on exactly one page and a reload shows the same order."""
    client.force_login(role_user("Marketer"))
    moment = timezone.now()
    rows = [make_redemption(created_at=moment, amount=100) for _ in range(23)]
    rows.append(make_redemption(created_at=moment - timedelta(seconds=1), amount=100))
    forward, backward = _walk(client, f"/redemptions/?per_page=10{sort}")

    listed = sum(forward, [])
    ascending = sort in ("&sort=created_at", "&sort=status")  # one status and one amount: the tie decides
    expected = sorted(rows, key=lambda r: (r.created_at, r.pk), reverse=not ascending)
    assert [len(page) for page in forward] == [10, 10, 4]
    assert listed == [r.pk for r in expected]
    assert backward == forward[::-1]
    assert _walk(client, f"/redemptions/?per_page=10{sort}")[0] == forward  # the same on every load
