"""What happens to an endpoint over time, driven through the delivery service with a real receiver: an
address refused at delivery, an endpoint turned off after a day of failures (and its admins told), a
replay, a rotated secret, and secrets kept out of the audit trail."""

import json

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook as Verifier

from auditlog.models import Event, RequestLog
from exports.models import Notification
from outbound.models import Attempt, Delivery, DeliveryStatus, Webhook
from outbound.services import delivery
from outbound.services.webhooks import WebhookRequest, create_webhook, replay, rotate_secret, send_test_event
from voucherhub.caller import Caller
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = Caller.system("test")


def endpoint(url: str) -> Webhook:
    return create_webhook(WebhookRequest(target_url=url, events=["redemption.succeeded"]), caller=ADMIN)


def test_a_host_allowed_when_saved_but_not_at_delivery_time_is_never_called(httpserver, settings):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    webhook = endpoint(httpserver.url_for("/hooks"))
    settings.WEBHOOK_ALLOWED_HOSTS = frozenset()  # the operator no longer allows loopback
    settings.WEBHOOK_ALLOW_HTTP = True  # (http is not what refuses it here)

    send_test_event(webhook.pk, caller=ADMIN)  # sent once committed (tests run tasks at once)
    delivery.deliver_due()

    assert httpserver.log == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "internal address (127.0.0.1)" in attempt.error


def test_an_endpoint_failing_for_a_day_is_turned_off_and_its_admins_are_told(httpserver, settings, role_user):
    admin, marketer = role_user("Admin"), role_user("Marketer")
    settings.WEBHOOK_RETRY_DELAYS = (0,)
    httpserver.expect_request("/hooks").respond_with_data("broken", status=503)
    webhook = endpoint(httpserver.url_for("/hooks"))
    send_test_event(webhook.pk, caller=ADMIN)
    delivery.deliver_due()  # the first failure starts the streak
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=webhook.created_at.replace(year=2000))

    send_test_event(webhook.pk, caller=ADMIN)
    delivery.deliver_due(max_seconds=1)

    webhook.refresh_from_db()
    assert webhook.active is False and webhook.disabled_reason == "Every delivery failed for 24 hours."
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 0
    notice = Notification.objects.get(user=admin)
    assert webhook.target_url in notice.message and notice.link == f"/settings/webhooks/{webhook.pk}/"
    assert not Notification.objects.filter(user=marketer).exists()
    assert Event.objects.filter(type="webhook.disabled", resource_id=webhook.pk).exists()


def test_a_delivery_that_gave_up_is_replayed_with_the_same_event_id(httpserver, settings):
    settings.WEBHOOK_RETRY_HOURS = 0  # the first failure is the last
    httpserver.expect_ordered_request("/hooks").respond_with_data("no", status=500)
    httpserver.expect_ordered_request("/hooks").respond_with_data("yes")
    webhook = endpoint(httpserver.url_for("/hooks"))
    first = send_test_event(webhook.pk, caller=ADMIN)
    delivery.deliver_due()
    assert Delivery.objects.get().status == DeliveryStatus.FAILED

    settings.WEBHOOK_RETRY_HOURS = 24
    replay(first.pk, caller=ADMIN)
    delivery.deliver_due()

    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    ids = [request.headers["webhook-id"] for request, _ in httpserver.log]
    assert ids == [first.event_id, first.event_id]


def test_after_a_rotation_both_the_new_and_the_old_secret_verify_the_signature(httpserver):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    webhook = endpoint(httpserver.url_for("/hooks"))
    old = webhook.secret

    new = rotate_secret(webhook.pk, caller=ADMIN).secret
    send_test_event(webhook.pk, caller=ADMIN)
    delivery.deliver_due()

    request = httpserver.log[0][0]
    body = request.get_data()
    assert new != old
    for secret in (new, old):
        assert Verifier(secret).verify(body, dict(request.headers))["type"] == "webhook.test"


def test_the_secret_is_never_written_to_the_request_log_or_the_events(live_server):
    key, token = create_api_key(name="Ops", can_manage=True)
    client = Client(headers={"X-Management-Id": key.app_id, "X-Management-Token": token})
    body = '{"target_url": "http://127.0.0.1:9/x", "events": ["voucher.created"]}'

    created = client.post("/management/v1/projects/proj_voucherhub/webhooks", body, content_type="application/json")

    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert all(secret not in str(log.response_body) for log in RequestLog.objects.all())
    assert all(secret not in str(event.data) for event in Event.objects.all())


def test_a_gift_balance_added_reaches_voucher_gift_balance_aded_subscribers_and_a_removal_does_not(httpserver):
    from campaigns.services.vouchers import update_gift_balance
    from tests.factories import make_gift_card

    httpserver.expect_request("/hooks").respond_with_data("ok")
    create_webhook(
        WebhookRequest(target_url=httpserver.url_for("/hooks"), events=["voucher.gift.balance_aded"]), caller=ADMIN
    )
    make_gift_card(code="GIFT-HOOK", amount=1_000)

    update_gift_balance(caller=ADMIN, ref="GIFT-HOOK", amount=500)
    update_gift_balance(caller=ADMIN, ref="GIFT-HOOK", amount=-200)

    assert list(Delivery.objects.values_list("event_type", flat=True)) == ["voucher.gift.balance_aded"]
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["type"] == "voucher.gift.balance_aded" and body["data"]["details"]["amount"] == 500


def test_finished_deliveries_leave_the_log_after_its_days_and_waiting_ones_stay(httpserver, settings):
    from datetime import timedelta

    from django.utils import timezone

    httpserver.expect_request("/hooks").respond_with_data("ok")
    webhook = endpoint(httpserver.url_for("/hooks"))
    done = send_test_event(webhook.pk, caller=ADMIN)  # delivered at once (tests run tasks at once)
    waiting = Delivery.objects.create(
        webhook=webhook, event_id="evt_waiting", event_type="webhook.test", retry_until=timezone.now()
    )
    later = timezone.now() + timedelta(days=settings.WEBHOOK_LOG_DAYS, minutes=1)

    assert delivery.purge_deliveries(now=later) == 1

    assert list(Delivery.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not Attempt.objects.filter(delivery_id=done.pk).exists()


def test_webhook_changes_read_as_sentences_in_the_audit_log(httpserver):
    from auditlog.sentences import sentence

    webhook = endpoint(httpserver.url_for("/hooks"))
    rotate_secret(webhook.pk, caller=ADMIN)

    words = {event.type: sentence(event) for event in Event.objects.filter(resource_id=webhook.pk)}
    assert words["webhook.created"] == f"Webhook {webhook.target_url} created for 1 event."
    assert words["webhook.secret_rotated"] == f"Webhook {webhook.target_url}: signing secret rotated."
