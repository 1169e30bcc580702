"""The SDK's ManagementApi webhook calls against VoucherHub: the project, and each webhook call."""

import json

import pytest
from django.test import Client
from voucherify import ApiException
from voucherify.models import ManagementProjectsWebhooksCreateRequestBody as CreateBody
from voucherify.models import ManagementProjectsWebhooksUpdateRequestBody as UpdateBody

from outbound.models import Webhook
from voucherhub.services import create_api_key

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVER = "http://127.0.0.1:9/hooks"


def test_the_installation_is_one_project(management):
    projects = management.list_projects()
    assert projects.total == 1
    assert projects.data[0].id.startswith("proj_")
    assert projects.data[0].webhook_version == "v2024-01-01"


def test_a_webhook_is_created_with_its_secret_once_then_read_listed_updated_and_deleted(management, project_id):
    created = management.create_webhook(
        project_id, CreateBody(target_url=RECEIVER, events=["redemption.succeeded", "voucher.gift.balance_aded"])
    )
    assert created.id.startswith("wh_") and created.active is True
    assert created.events == ["redemption.succeeded", "voucher.gift.balance_aded"]
    stored = Webhook.objects.get(pk=created.id)
    assert stored.secret.startswith("whsec_")
    raw = management.create_webhook_with_http_info(
        project_id, CreateBody(target_url=RECEIVER, events=["voucher.created"])
    )
    assert b'"secret": "whsec_' in raw.raw_data or b'"secret":"whsec_' in raw.raw_data

    fetched = management.get_webhook_with_http_info(project_id, created.id)
    assert fetched.data.target_url == RECEIVER and b"whsec_" not in fetched.raw_data

    listed = management.list_webhooks(project_id)
    assert listed.total == 2 and {webhook.id for webhook in listed.data} >= {created.id}

    updated = management.update_webhook(project_id, created.id, UpdateBody(events=["redemption.failed"], active=False))
    assert updated.events == ["redemption.failed"] and updated.active is False
    assert list(Webhook.objects.get(pk=created.id).subscriptions.values_list("event_type", flat=True)) == [
        "redemption.failed"
    ]

    management.delete_webhook(project_id, created.id)
    with pytest.raises(ApiException) as missing:
        management.get_webhook(project_id, created.id)
    assert missing.value.status == 404 and '"key": "not_found"' in missing.value.body.replace('":"', '": "')


def test_an_unknown_event_or_an_internal_address_is_refused_in_the_error_shape(management, project_id, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = frozenset()
    key, token = create_api_key(name="Ops raw", can_manage=True)
    client = Client(headers={"X-Management-Id": key.app_id, "X-Management-Token": token})
    for body, expected in (
        ({"target_url": "https://hooks.example.com/x", "events": ["redemption.done"]}, "unknown event"),
        ({"target_url": "https://hooks.example.com/x", "events": []}, "events"),
        ({"target_url": "https://127.0.0.1/x", "events": ["redemption.succeeded"]}, "internal address"),
        ({"target_url": "https://10.1.2.3/x", "events": ["redemption.succeeded"]}, "internal address"),
        ({"target_url": "https://[::ffff:169.254.169.254]/x", "events": ["redemption.succeeded"]}, "internal address"),
        ({"target_url": "https://localhost:8443/x", "events": ["redemption.succeeded"]}, "internal address"),
        ({"target_url": "http://hooks.example.com/x", "events": ["redemption.succeeded"]}, "https"),
        ({"target_url": "ftp://hooks.example.com/x", "events": ["redemption.succeeded"]}, "https://"),
        ({"target_url": 42, "events": ["redemption.succeeded"]}, "target_url"),
    ):
        answer = client.post(
            f"/management/v1/projects/{project_id}/webhooks", json.dumps(body), content_type="application/json"
        )
        assert answer.status_code == 400, body
        error = answer.json()
        assert error["key"] == "invalid_payload" and expected in error["details"], (body, error)
    assert Webhook.objects.count() == 0
    other = client.get("/management/v1/projects/proj_other/webhooks")
    assert other.status_code == 404 and other.json()["details"] == "Cannot find project with id proj_other"


def test_a_key_without_management_rights_is_refused(live_server):
    import voucherify

    key, token = create_api_key(name="Shop")
    configuration = voucherify.Configuration(
        host=live_server.url, api_key={"X-Management-Id": key.app_id, "X-Management-Token": token}
    )
    with voucherify.ApiClient(configuration) as client, pytest.raises(ApiException) as refused:
        voucherify.ManagementApi(client).list_projects()
    assert refused.value.status == 401
