"""/v1/exports through the official SDK (a real worker builds the file) and raw HTTP for the edges."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
import voucherify as V
from voucherify import models as M
from voucherify.exceptions import ApiException, NotFoundException, UnauthorizedException

from conftest import wait_for
from exports.models import Export, ExportStatus
from tests.api.conftest import JsonClient, api, credentials, sdk  # noqa: F401 - fixtures
from tests.exports.factories import FORMULA, export_rows, read_csv
from voucherhub.services import create_api_key


def test_a_shop_exports_failed_redemptions_through_the_sdk_and_downloads_the_csv(sdk, live_worker):  # noqa: F811
    _, rows = export_rows()
    exports = V.ExportsApi(sdk)

    created = exports.create_export(
        M.ExportsCreateRequestBody(
            exported_object="redemption",
            parameters=M.ExportsCreateRequestBodyParameters(
                fields=["id", "voucher_code", "result", "date"],
                order="-created_at",
                filters={"junction": "and", "result": {"conditions": {"$in": ["FAILURE"]}}},
            ),
        )
    )
    assert created.status == "SCHEDULED" and created.id.startswith("exp_") and created.channel == "API"
    assert created.result is None

    assert wait_for(lambda: Export.objects.get(pk=created.id).status == ExportStatus.DONE)
    got = exports.get_export(created.id)
    assert got.status == "DONE" and got.parameters.fields == ["id", "voucher_code", "result", "date"]
    token = parse_qs(urlparse(got.result.url).query)["token"][0]
    assert got.result.url.startswith(sdk.configuration.host + f"/v1/exports/{created.id}?token=")

    table = read_csv(exports.download_export(created.id, token=token))
    assert table[0] == ["id", "voucher_code", "result", "date"]
    assert [row[:3] for row in table[1:]] == [[rows["failed"].pk, "'-5 off", "FAILURE"]]

    listed = exports.list_exports(limit=10, page=1, order="-created_at")
    assert [e.id for e in listed.exports] == [created.id] and listed.total == 1

    with pytest.raises(UnauthorizedException):
        exports.download_export(created.id, token="not-the-token")
    exports.delete_export(created.id)
    with pytest.raises(NotFoundException):
        exports.get_export(created.id)


@pytest.mark.django_db
def test_metadata_fields_are_accepted_and_echoed_as_metadata(api, django_capture_on_commit_callbacks):  # noqa: F811
    export_rows()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/v1/exports",
            {"exported_object": "redemption", "parameters": {"fields": ["voucher_code", "metadata.note"]}},
        )
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "SCHEDULED" and body["parameters"]["fields"] == ["voucher_code", "metadata"]
    assert "order" not in body["parameters"]
    done = api.get(f"/v1/exports/{body['id']}").json()
    download = api.client.get(
        urlparse(done["result"]["url"]).path, {"token": parse_qs(urlparse(done["result"]["url"]).query)["token"][0]}
    )
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    table = read_csv(b"".join(download.streaming_content))
    assert ["SUMMER-1", "'" + FORMULA] in table


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"exported_object": "planets"}, "invalid_export_params"),
        ({"exported_object": "redemption", "parameters": {"fields": ["nope"]}}, "invalid_export_fields"),
        ({"exported_object": "redemption", "parameters": {"order": "amount"}}, "invalid_export_params"),
        ({"exported_object": "redemption", "parameters": {"filters": {"result": "FAILURE"}}}, "invalid_export_params"),
        (
            {"exported_object": "redemption", "parameters": {"filters": {"bogus": {"conditions": {"$is": "x"}}}}},
            "invalid_export_params",
        ),
        ({"parameters": {}}, "invalid_payload"),
    ],
)
def test_bad_requests_get_the_error_shape_and_create_nothing(api, body, key):  # noqa: F811
    response = api.post("/v1/exports", body)
    assert response.status_code == 400
    assert response.json()["key"] == key and response.json()["request_id"]
    assert not Export.objects.exists()


@pytest.mark.django_db
def test_a_key_sees_only_its_own_exports(api, credentials):  # noqa: F811
    export_id = api.post("/v1/exports", {"exported_object": "redemption"}).json()["id"]
    other_key, other_token = create_api_key(name="Other shop")
    other = JsonClient(credentials)
    other.headers = {"X-App-Id": other_key.app_id, "X-App-Token": other_token}

    assert other.get(f"/v1/exports/{export_id}").status_code == 404
    assert other.delete(f"/v1/exports/{export_id}").status_code == 404
    assert other.get("/v1/exports").json()["total"] == 0
    assert api.get("/v1/exports").json()["total"] == 1


@pytest.mark.django_db
def test_without_a_key_or_token_the_answer_is_401(api):  # noqa: F811
    export_id = api.post("/v1/exports", {"exported_object": "redemption"}).json()["id"]
    anonymous = api.client.get(f"/v1/exports/{export_id}")
    assert anonymous.status_code == 401 and anonymous.json()["key"] == "unauthorized"
    assert api.client.get(f"/v1/exports/{export_id}", {"token": "guess"}).status_code == 401


@pytest.mark.django_db
def test_an_export_without_a_file_yet_cannot_be_downloaded(api):  # noqa: F811
    export = Export.objects.create(parameters={"fields": ["id"]}, channel="API")
    response = api.client.get(f"/v1/exports/{export.pk}", {"token": export.token})
    assert response.status_code == 404 and json.loads(response.content)["key"] == "not_found"


def test_the_sdk_reads_an_unfinished_export(sdk, credentials):  # noqa: F811
    exports = V.ExportsApi(sdk)
    created = exports.create_export(M.ExportsCreateRequestBody(exported_object="redemption"))
    got = exports.get_export(created.id)
    assert got.status in ("SCHEDULED", "IN_PROGRESS", "DONE") and got.parameters.fields
    with pytest.raises(ApiException):
        exports.download_export(created.id, token="x" * 43)


@pytest.mark.django_db
def test_a_key_may_download_its_export_asking_for_text(api, django_capture_on_commit_callbacks):  # noqa: F811
    export_rows()
    body = {"exported_object": "redemption", "parameters": {"fields": ["id"]}}
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api.post("/v1/exports", body).json()["id"]

    as_text = api.get(f"/v1/exports/{export_id}", headers={"Accept": "text/plain"})

    assert as_text.status_code == 200 and as_text["Content-Type"] == "text/plain; charset=utf-8"
    table = read_csv(b"".join(as_text.streaming_content))
    assert table[0] == ["id"] and len(table) == 5  # the header and the four redemptions


@pytest.mark.django_db
def test_a_condition_that_takes_one_value_refuses_a_list_instead_of_an_empty_file(api):  # noqa: F811
    filters = {"voucher_code": {"conditions": {"$is": ["A", "B"]}}}
    response = api.post("/v1/exports", {"exported_object": "redemption", "parameters": {"filters": filters}})
    assert response.status_code == 400
    error = response.json()
    assert error["key"] == "invalid_export_params"
    assert error["details"] == "parameters.filters.voucher_code.conditions.$is takes one value, not a list"
    assert not Export.objects.exists()
