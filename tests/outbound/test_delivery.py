"""Webhook deliveries end to end: a real Celery worker sends what a redemption wrote to its outbox to a real
HTTP receiver (pytest-httpserver), signed as Standard Webhooks' own verifier expects, retried with the same
event id, never to an inactive endpoint, never blocking the API's callers."""

import json
import re
import socket
import time

import pytest
from django.db import OperationalError
from standardwebhooks.webhooks import Webhook as Verifier
from werkzeug import Response

from conftest import wait_for
from outbound.models import Attempt, Delivery, DeliveryStatus
from outbound.services.webhooks import WebhookRequest, create_webhook
from tests.factories import api_call, make_voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = Caller.system("test")


def endpoint(url: str, events=("redemption.succeeded",), active=True):
    return create_webhook(WebhookRequest(target_url=url, events=list(events), active=active), caller=ADMIN)


def redeem(code: str) -> dict:
    return api_call("/v1/redemptions", {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 5_000}})


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settled(predicate):
    """``predicate`` for wait_for, read again later when SQLite's shared test database is busy with the
    worker's write (PostgreSQL never refuses a read)."""

    def check() -> bool:
        try:
            return predicate()
        except OperationalError:
            return False

    return check


def late(request) -> Response:
    """A receiver that answers after every time-out the tests set."""
    time.sleep(3)
    return Response("late")


def received(httpserver) -> list:
    return [request for request, _ in httpserver.log]


def test_a_redemption_reaches_the_receiver_signed_so_the_librarys_verifier_accepts_it(live_worker, httpserver):
    httpserver.expect_request("/hooks", method="POST").respond_with_data("thanks")
    webhook = endpoint(httpserver.url_for("/hooks"))
    make_voucher(code="HOOK-1")

    answer = redeem("HOOK-1")

    assert wait_for(lambda: len(received(httpserver)) == 1)
    request = received(httpserver)[0]
    body = Verifier(webhook.secret).verify(request.get_data(), dict(request.headers))
    assert body["type"] == "redemption.succeeded" and body["object"] == "event"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created_at"])  # as the API writes times
    assert body["id"] == request.headers["webhook-id"] and body["id"].startswith("evt_")
    assert body["webhook_id"] == webhook.pk and body["data"]["object"] == {
        "id": answer["redemptions"][0]["id"],
        "object": "redemption",
    }
    assert wait_for(settled(lambda: Delivery.objects.get().status == DeliveryStatus.SUCCEEDED))
    attempt = Attempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "thanks"


def test_a_receiver_answering_500_twice_gets_the_event_on_the_third_attempt_with_the_same_id(
    live_worker, httpserver, settings
):
    settings.WEBHOOK_RETRY_DELAYS = (0.2,)
    httpserver.expect_ordered_request("/hooks").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/hooks").respond_with_data("still down", status=500)
    httpserver.expect_ordered_request("/hooks").respond_with_data("ok")
    endpoint(httpserver.url_for("/hooks"))
    make_voucher(code="HOOK-500")

    redeem("HOOK-500")

    assert wait_for(settled(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists()), timeout=30)
    ids = {request.headers["webhook-id"] for request in received(httpserver)}
    assert len(received(httpserver)) == 3 and len(ids) == 1
    delivery = Delivery.objects.get()
    assert delivery.attempts == 3 and delivery.event_id in ids
    assert sorted(delivery.attempt_rows.values_list("status_code", flat=True)) == [200, 500, 500]


def test_an_inactive_webhook_gets_nothing(live_worker, httpserver):
    httpserver.expect_request("/on").respond_with_data("ok")
    httpserver.expect_request("/off").respond_with_data("ok")
    endpoint(httpserver.url_for("/on"))
    off = endpoint(httpserver.url_for("/off"), active=False)
    make_voucher(code="HOOK-OFF")

    redeem("HOOK-OFF")

    assert wait_for(lambda: len(received(httpserver)) == 1)
    assert received(httpserver)[0].path == "/on"
    assert not Delivery.objects.filter(webhook=off).exists()


def test_an_endpoint_that_is_down_or_hangs_changes_nothing_for_the_caller_and_its_attempts_say_why(
    live_worker, httpserver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_DELAYS = (30,)

    httpserver.expect_request("/slow").respond_with_handler(late)
    slow = endpoint(httpserver.url_for("/slow"))
    down = endpoint(f"http://127.0.0.1:{closed_port()}/nobody-listens")
    make_voucher(code="HOOK-SLOW")

    answer = redeem("HOOK-SLOW")

    assert answer["redemptions"][0]["result"] == "SUCCESS"
    assert wait_for(settled(lambda: Attempt.objects.count() == 2), timeout=30)
    assert Attempt.objects.get(delivery__webhook=slow).error == "No answer within 0.5 s"
    assert Attempt.objects.get(delivery__webhook=down).error == "Connection refused"
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}  # retried later


def test_a_redemption_rolled_back_with_its_transaction_sends_nothing(httpserver):
    """The outbox row is written in the change's transaction: a change that fails writes no delivery."""
    endpoint(httpserver.url_for("/hooks"), events=["redemption.failed", "redemption.succeeded"])
    make_voucher(code="HOOK-FAIL", active=False)

    api_call("/v1/redemptions", {"redeemables": [{"object": "voucher", "id": "HOOK-FAIL"}]}, status=400)

    assert list(Delivery.objects.values_list("event_type", flat=True)) == ["redemption.failed"]
    assert json.loads(json.dumps(list(Delivery.objects.values("status"))))[0]["status"] == "PENDING"


@pytest.mark.postgres  # the worker writes while the test redeems: SQLite's shared test database refuses that
def test_a_hung_receiver_does_not_hold_up_an_export_on_the_same_worker(live_worker, httpserver, settings, role_user):
    """One worker (the test's, a single thread) serves both queues: the deliveries to a receiver that never
    answers in time give way after one time-out, and the export requested behind them is built."""
    from exports.models import Export, ExportStatus
    from exports.services import request_export

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_DELAYS = (0.5,)

    httpserver.expect_request("/hung").respond_with_handler(late)
    endpoint(httpserver.url_for("/hung"))
    for n in range(5):
        make_voucher(code=f"HUNG-{n}")
        redeem(f"HUNG-{n}")

    export = request_export(
        exported_object="redemption",
        fields=["id", "voucher_code"],
        filters={},
        channel="WEBSITE",
        user=role_user("Staff"),
    )

    assert wait_for(settled(lambda: Export.objects.get(pk=export.pk).status == ExportStatus.DONE), timeout=30)
    assert Export.objects.get(pk=export.pk).rows == 5
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 0
    Delivery.objects.update(status=DeliveryStatus.FAILED)  # nothing left to retry: the worker can stop
