"""A dashboard export reads its date filters in the zone of whoever asked, as their list did, even though a
worker that knows nothing of their browser builds it; its money columns say they hold minor units.
(An API export keeps the platform's field names and UTC days: tests/exports/test_api.py.)"""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from conftest import wait_for
from exports import services
from exports.models import Export, ExportStatus
from tests.exports.factories import export_csv
from tests.redemptions.factories import make_redemption

# March 10th 03:30 UTC is the evening of March 9th in New York (EDT, UTC-4).
LATE_EVENING = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def requested_from_new_york(client, user) -> Export:
    client.force_login(user)
    client.cookies["vh_tz"] = "America/New_York"
    response = client.post(
        reverse("exports:create"),
        {
            "exported_object": "redemption",
            "fields": ["voucher_code", "order_amount", "amount"],
            "created_to": "2026-03-09",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.content.decode()
    return Export.objects.get()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reads_the_requesters_dates_in_the_requesters_zone(client, role_user, live_worker):
    make_redemption(voucher_code="MARCH-9-NY", created_at=LATE_EVENING, order_amount=10_678_600, amount=500)
    make_redemption(voucher_code="MARCH-10-NY", created_at=NEXT_MORNING, order_amount=100, amount=100)

    export = requested_from_new_york(client, role_user("Staff"))
    assert export.time_zone == "America/New_York"
    assert wait_for(lambda: Export.objects.get(pk=export.pk).status == ExportStatus.DONE, timeout=60)
    export.refresh_from_db()

    table = export_csv(export)
    # "To March 9th" in New York includes 03:30 UTC on the 10th (a UTC reading would include neither row).
    assert table == [["voucher_code", "order_amount_minor", "amount_minor"], ["MARCH-9-NY", "10678600", "500"]]


@pytest.mark.django_db
def test_an_export_asked_in_an_unknown_zone_reads_utc(role_user, django_capture_on_commit_callbacks):
    make_redemption(voucher_code="MARCH-10-UTC", created_at=LATE_EVENING)
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(
            exported_object="redemption",
            fields=["voucher_code"],
            filters={"created_from": "2026-03-10"},
            channel="WEBSITE",
            user=role_user("Staff"),
            time_zone="Mars/Olympus_Mons",
        )
    export.refresh_from_db()
    assert export.time_zone == "UTC"
    assert export_csv(export) == [["voucher_code"], ["MARCH-10-UTC"]]


@pytest.mark.django_db
def test_the_export_dialog_names_columns_in_words_and_says_money_is_in_minor_units(client, role_user):
    client.force_login(role_user("Staff"))
    html = client.get(reverse("exports:dialog"), headers={"HX-Request": "true"}).content.decode()
    assert ">Order amount</label>" in html and ">Discount amount</label>" in html and ">Campaign ID</label>" in html
    assert "(minor units)" not in html
    assert "smallest unit (12.50 as 1250), under headers ending in _minor" in html


@pytest.mark.django_db
def test_an_api_export_keeps_the_platforms_field_names_for_money(django_capture_on_commit_callbacks):
    from voucherhub.services import create_api_key

    make_redemption(voucher_code="API-1", order_amount=2_000, amount=500)
    key, _ = create_api_key(name="Shop")
    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(
            exported_object="redemption", fields=["voucher_code", "order_amount", "amount"], filters={},
            channel="API", api_key=key,
        )  # fmt: skip
    export.refresh_from_db()
    assert export_csv(export) == [["voucher_code", "order_amount", "amount"], ["API-1", "2000", "500"]]
