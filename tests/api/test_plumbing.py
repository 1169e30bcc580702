"""What every /v1/ call gets, whatever the endpoint: key auth, the error shape, a request id, a log."""

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voucherhub.api.auth
from auditlog.models import RequestLog
from auditlog.services import parse_body, redact
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


def test_a_key_in_use_is_refused_once_revoked_within_the_cache_time(api, credentials, monkeypatch):
    monkeypatch.setattr(voucherhub.api.auth, "KEY_CACHE_SECONDS", 0.3)
    assert api.get("/v1/stacking-rules").status_code == 200  # the key is now remembered by this process
    revoke_api_key(key=ApiKey.objects.get(app_id=credentials.app_id))
    time.sleep(0.35)
    assert_error_shape(api.get("/v1/stacking-rules"), 401, "unauthorized")


def test_a_remembered_key_still_needs_its_token(api, credentials):
    assert api.get("/v1/stacking-rules").status_code == 200
    wrong = {"X-App-Id": credentials.app_id, "X-App-Token": credentials.token[:-1] + "x"}
    assert_error_shape(api.get("/v1/stacking-rules", headers=wrong), 401, "unauthorized")


def test_an_unknown_path_answers_not_found_in_the_error_shape(api):
    error = assert_error_shape(api.get("/v1/no-such-thing"), 404, "not_found")
    assert error["details"] == "There is no GET /v1/no-such-thing in the API"


def test_the_import_calls_are_not_read_as_voucher_codes(api, django_capture_on_commit_callbacks):
    from campaigns.models import AsyncAction, Voucher

    error = assert_error_shape(api.post("/v1/vouchers/importCSV", [{"code": "A"}]), 400, "invalid_csv")
    assert error["details"] == "Send the CSV file as the multipart field 'file'."  # the CSV import, wanting its file
    answer = api.post("/v1/vouchers/import", [{"code": "A", "type": "GIFT_VOUCHER", "gift": {"amount": 100}}])
    assert answer.status_code == 200 and AsyncAction.objects.filter(pk=answer.json()["async_action_id"]).exists()
    assert not Voucher.objects.filter(code__in=["import", "importCSV"]).exists()
    assert_error_shape(api.post("/v1/customers/importCSV", {}), 400, "invalid_csv")
    assert_error_shape(api.post("/v1/orders/import", {}), 400, "invalid_payload")


@pytest.mark.parametrize("path", ["/management/v1/no/such/thing", "/management/v1/projects/p/stacking-rules"])
def test_an_unknown_management_path_answers_not_found_in_the_error_shape(api, path):
    error = assert_error_shape(api.get(path), 404, "not_found")
    assert error["details"] == f"There is no GET {path} in the API"


def test_a_method_an_endpoint_does_not_take_is_named_with_the_ones_it_does(api):
    response = api.client.delete("/v1/redemptions", headers=api.headers)
    error = assert_error_shape(response, 405, "method_not_allowed")
    assert error["details"].startswith("/v1/redemptions does not take DELETE; it takes ")


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


def test_secrets_in_bodies_are_removed_from_the_log_however_the_json_spells_them(api):
    spelled = '{"order": {"metadata": {"\\u0074oken": "t1", "api_\u212aey": "t2", "note": "x?token=t3"}}}'
    response = api.post("/v1/redemptions", raw=spelled.encode())
    entry = RequestLog.objects.get(pk=response["X-Request-Id"])
    logged = json.dumps(entry.request_body, ensure_ascii=False)
    assert "t1" not in logged and "t2" not in logged and "t3" not in logged
    assert entry.request_body["order"]["metadata"]["token"] == "[removed]"


_json_keys = st.one_of(st.text(max_size=8), st.sampled_from(["token", "Api-Key", "password", "api_\u212aey", "id"]))
_json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.sampled_from(["a&token=z", "\x00", "\ud800"])
)
_json_values = st.recursive(
    _json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_json_keys, inner, max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(value=_json_values, ascii_only=st.booleans())
def test_a_logged_body_is_always_the_redacted_json(value, ascii_only):
    try:
        raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    except UnicodeEncodeError:  # a lone surrogate can only travel escaped
        raw = json.dumps(value).encode()
    assert parse_body(raw, "application/json") == redact(json.loads(raw))


def test_the_api_key_token_is_stored_hashed(credentials):
    key = ApiKey.objects.get(app_id=credentials.app_id)
    assert credentials.token not in (key.token_hash, key.token_hint, key.app_id)
    assert key.token_matches(credentials.token)


@pytest.mark.parametrize("path", ["/v1/vouchers/A%00B", "/v1/stacking-rules?limit=1%00"], ids=["in path", "in query"])
def test_a_nul_character_in_the_url_is_refused_with_400_and_still_logged(api, path):
    response = api.get(path)
    assert_error_shape(response, 400, "invalid_query_params")
    assert RequestLog.objects.filter(pk=response["X-Request-Id"], response_status=400).exists()


def test_the_create_api_key_command_prints_exactly_two_lines_for_scripts():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_key", "Checkout", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    app_id, token = (line.split("=", 1) for line in lines)
    assert app_id[0] == "VOUCHERHUB_APP_ID" and token[0] == "VOUCHERHUB_APP_TOKEN"
    key = ApiKey.objects.get(app_id=app_id[1])
    assert key.name == "Checkout" and key.token_matches(token[1])


def test_every_schema_of_the_project_has_a_name_of_its_own():
    """The OpenAPI document names a body's schema by its class: two classes of one name would share one
    component, and the document would describe one call with another's body."""
    from collections import defaultdict
    from importlib import import_module

    from pydantic import BaseModel

    import_module("voucherhub.api.site")  # every router, and the schemas they use
    apps = {"campaigns", "redemptions", "loyalty", "customers", "exports", "sessions", "stacking", "insights"}
    modules: dict[str, set[str]] = defaultdict(set)

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in apps | {"voucherhub", "auditlog"}:
                modules[sub.__name__].add(sub.__module__)
            walk(sub)

    walk(BaseModel)
    assert {name: places for name, places in modules.items() if len(places) > 1} == {}
