"""Every dashboard list counts its rows the same way: up to one cap (dashboard.lists.COUNT_CAP, 10,000),
then "10,000+", with a COUNT that stops at the cap whatever the table's size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog.models import Event
from dashboard import lists
from redemptions.models import Redemption, RedemptionResult, RedemptionStatus
from tests.factories import make_campaign
from tests.redemptions.factories import make_redemption
from voucherhub.ids import new_id

pytestmark = pytest.mark.django_db


def counts_of(captured, table: str) -> list[str]:
    """The row counts of ``table`` (not the counting subqueries of a page's own rows)."""
    return [q["sql"] for q in captured if q["sql"].upper().startswith("SELECT COUNT(") and table in q["sql"]]


def test_the_redemptions_tab_says_10_000_plus_beyond_ten_thousand_rows_and_never_counts_further(client, role_user):
    assert lists.COUNT_CAP == 10_000
    now = timezone.now()
    Redemption.objects.bulk_create(
        Redemption(
            id=new_id("r_"),
            created_at=now - timedelta(seconds=i),
            result=RedemptionResult.SUCCESS,
            status=RedemptionStatus.SUCCEEDED,
            related_object_type="voucher",
            voucher_code=f"BULK-{i}",
            amount=100,
        )
        for i in range(10_001)
    )
    client.force_login(role_user("Marketer"))
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/redemptions/").content.decode()
    assert "10,000+ redemptions" in html
    counts = counts_of(captured, "redemptions_redemption")
    assert len(counts) == 1 and "LIMIT 10001" in counts[0].upper()
    # Filtered down to 10,000 exactly: no "+".
    Redemption.objects.filter(voucher_code="BULK-0").delete()
    assert "10,000 redemptions" in client.get("/redemptions/").content.decode()


@pytest.mark.parametrize(
    ("url", "noun", "table", "make"),
    [
        ("/redemptions/", "redemptions", "redemptions_redemption", lambda: make_redemption()),
        ("/campaigns/", "campaigns", "campaigns_campaign", lambda: make_campaign()),
        (
            "/audit-log/events/",
            "events",
            "auditlog_event",
            lambda: Event.objects.create(type="test.happened", occurred_at=timezone.now()),
        ),
    ],
)
def test_every_list_stops_counting_at_the_same_cap(client, role_user, monkeypatch, url, noun, table, make):
    monkeypatch.setattr(lists, "COUNT_CAP", 2)
    for _ in range(3):
        make()
    client.force_login(role_user(None, superuser=True))
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()
    assert f"2+ {noun}" in html
    counts = counts_of(captured, table)
    assert counts and all("LIMIT 3" in sql.upper() for sql in counts)
