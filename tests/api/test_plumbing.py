"""What every /v1/ call gets, whatever the endpoint: key auth, the error shape, a request id, a log."""

import pytest

from auditlog.models import RequestLog
from voucherhub.models import ApiKey
from voucherhub.services import revoke_api_key

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, key: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == status and body["key"] == key
    assert isinstance(body["message"], str) and isinstance(body["details"], str)
    assert body["request_id"] == response["X-Request-Id"]
    return body


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-App-Id": "nope", "X-App-Token": "nope"}],
    ids=["no key", "wrong key"],
)
def test_a_call_without_a_valid_key_gets_401_in_the_error_shape(client, headers):
    response = client.get("/v1/stacking-rules", headers=headers)
    assert_error_shape(response, 401, "unauthorized")


def test_a_revoked_key_is_refused(api, credentials):
    revoke_api_key(key=ApiKey.objects.get(app_id=credentials.app_id))
    assert_error_shape(api.get("/v1/stacking-rules"), 401, "unauthorized")


def test_an_unknown_path_answers_not_found_in_the_error_shape(api):
    assert_error_shape(api.get("/v1/no-such-thing"), 404, "not_found")


def test_the_openapi_document_is_published_without_a_key(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_every_call_is_logged_with_its_request_id_and_without_the_token(api, credentials):
    response = api.get("/v1/no-such-thing", params={"token": "secret-in-query", "limit": "5"})
    entry = RequestLog.objects.get(pk=response["X-Request-Id"])
    assert entry.method == "GET" and entry.path == "/v1/no-such-thing" and entry.response_status == 404
    assert entry.query == {"token": "[removed]", "limit": ["5"]}
    assert credentials.token not in str(entry.__dict__)
    assert entry.response_body["key"] == "not_found"


def test_the_api_key_token_is_stored_hashed(credentials):
    key = ApiKey.objects.get(app_id=credentials.app_id)
    assert credentials.token not in (key.token_hash, key.token_hint, key.app_id)
    assert key.token_matches(credentials.token)
