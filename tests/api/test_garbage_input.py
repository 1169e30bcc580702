"""Garbage at the /v1/ API's edge, as an adversarial client sends it: each answer is a 4xx in the platform's
error shape saying what is wrong, and nothing is written. (Found by an adversarial run; each was a 500.)"""

import json
import re

import jsonschema_rs
import pytest

from auditlog.models import RequestLog
from campaigns.models import ValidationRule
from redemptions.models import Redemption
from tests.factories import make_voucher

from .test_plumbing import assert_error_shape

pytestmark = pytest.mark.django_db

BODY_PATHS = [
    "/v1/validations",
    "/v1/redemptions",
    "/v1/customers",
    "/v1/exports",
    "/v1/redemptions/r_0000000000000000000000/rollback",
]


def _nested(depth: int, *, array: bool = False) -> str:
    return "[" * depth + "1" + "]" * depth if array else '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("path", BODY_PATHS)
@pytest.mark.parametrize(
    "body",
    [
        '{"redeemables": [{"object": "voucher", "id": "X"}], "metadata": ' + _nested(400) + "}",
        _nested(1_000),
        _nested(10_000),
        _nested(10_000, array=True),
    ],
    ids=["metadata-400-deep", "object-1000-deep", "object-10000-deep", "array-10000-deep"],
)
def test_a_body_nested_too_deep_is_refused_before_anything_reads_it(api, path, body):
    response = api.post(path, raw=body)
    error = assert_error_shape(response, 400, "invalid_payload")
    assert error["details"] == "The JSON body nests deeper than 32 levels."
    assert not Redemption.objects.exists()
    logged = RequestLog.objects.get(id=response["X-Request-Id"])
    assert logged.response_status == 400
    assert logged.request_body == f"{len(body)} bytes nested too deep, not kept"


def test_a_body_at_the_nesting_limit_is_read(api):
    metadata = json.loads(_nested(31))  # inside the body's own object: 32 levels in all
    response = api.post("/v1/customers", {"source_id": "deep", "metadata": metadata})
    assert response.status_code == 200, response.content
    assert response.json()["metadata"] == metadata


def test_brackets_inside_strings_are_not_nesting(api):
    response = api.post(
        "/v1/customers", {"source_id": "brackets", "name": "[" * 50 + "{" * 50, "description": "]" * 60}
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "query, details",
    [
        (
            "created_at[after]=2026-13-45T99:99",
            "Query parameter created_at[after] must be an ISO 8601 date or date-time",
        ),
        ("created_at[before]=2026-02-30", "Query parameter created_at[before] must be an ISO 8601 date or date-time"),
        ("filters[voucher_code][conditions][$in]=['A',['A'", "Cannot read the list \"['A',['A'\""),
        ("filters[voucher_code][conditions][$in]=" + "[" * 1_000, "Cannot read the list '" + "[" * 100 + "'"),
        ("filters[voucher_code][conditions][$in]=['A',{}]", "Cannot read the list \"['A',{}]\""),
        ("filters[voucher_code][conditions][$in]=['A', B]", "Cannot read the list \"['A', B]\""),
    ],
    ids=["month-13", "february-30", "unbalanced-list", "1000-brackets", "object-in-list", "half-quoted"],
)
def test_a_malformed_list_query_value_is_invalid_query_params(api, query, details):
    error = assert_error_shape(
        api.client.get(f"/v1/redemptions?{query}", headers=api.headers), 400, "invalid_query_params"
    )
    assert error["details"] == details


def test_a_list_query_value_in_each_accepted_spelling_still_filters(api):
    for spelling in ("['A', 'B']", '["A","B"]', "A,B", "[A, B]"):
        response = api.client.get(
            f"/v1/redemptions?filters[voucher_code][conditions][$in]={spelling}", headers=api.headers
        )
        assert response.status_code == 200, (spelling, response.content)


def test_an_address_longer_than_the_api_reads_is_414_in_the_error_shape(api):
    response = api.client.get("/v1/redemptions?customer=" + "x" * 5_000, headers=api.headers)
    error = assert_error_shape(response, 414, "uri_too_long")
    assert error["message"] == "URI too long"
    assert error["details"] == "The address is longer than 4096 characters; send long lists in several calls."


@pytest.mark.parametrize(
    "logic",
    ["(" * 5_000 + "1" + ")" * 5_000, "not " * 5_000 + "1", "(" * 21 + "1" + ")" * 21],
    ids=["parentheses-5000", "not-5000", "parentheses-21"],
)
def test_a_rule_whose_logic_nests_too_deep_is_refused(api, logic):
    body = {"name": "Deep", "rules": {"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": logic}}
    error = assert_error_shape(api.post("/v1/validation-rules", body), 400, "invalid_validation_rules")
    assert "logic" in error["details"]
    assert not ValidationRule.objects.exists()


def test_a_query_parameter_without_a_name_or_given_twice_is_refused(api):
    error = assert_error_shape(api.client.get("/v1/campaigns?=false", headers=api.headers), 400, "invalid_query_params")
    assert error["details"] == "A query parameter has no name"
    response = api.client.get("/v1/campaigns?page=1&page=true", headers=api.headers)
    error = assert_error_shape(response, 400, "invalid_query_params")
    assert error["details"] == "Query parameter page is given 2 times; send it once"


@pytest.mark.parametrize("value", ["0.5", "1700000000"])
def test_a_date_given_as_a_number_is_refused(api, value):
    error = assert_error_shape(
        api.client.get(f"/v1/customers?updated_at[before]={value}", headers=api.headers), 400, "invalid_query_params"
    )
    assert "must be an ISO 8601 date-time" in error["details"]


def test_a_whole_number_written_with_a_decimal_point_is_an_integer(api):
    response = api.post("/v1/categories", {"name": "Seasonal", "hierarchy": 13.0})
    assert response.status_code == 200, response.content
    assert response.json()["hierarchy"] == 13
    assert_error_shape(api.post("/v1/categories", {"name": "Half", "hierarchy": 1.5}), 400, "invalid_payload")


def test_a_method_an_address_does_not_take_names_the_ones_it_does(api):
    response = api.client.generic("TRACE", "/v1/campaigns", headers=api.headers)
    assert_error_shape(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_the_document_names_every_refusal_with_the_error_body(api):
    document = api.client.get("/v1/openapi.json").json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "401", "404", "413", "414", "503"} | ({"409"} if method != "get" else set())
            assert expected <= set(operation["responses"]), (method, path)
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == error
            if path != "/v1/exports/{export_id}":  # a download link carries its own token instead
                assert {"AppKeyAuth": [], "AppIdAuth": []} in operation["security"], (method, path)
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "key", "message", "details", "request_id"]


def object_schemas(node):
    """Every schema of type object inside ``node``."""
    if isinstance(node, list):
        for item in node:
            yield from object_schemas(item)
    elif isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for child in node.values():
            yield from object_schemas(child)


def test_the_document_refuses_a_nul_character_wherever_the_server_does(api):
    """The server refuses NUL in any text of a body, keys included; a client validating against the document
    learns the same: every object's keys carry the storable pattern (keys pydantic bounds in length too), and
    a free-form value (a redeemable's gift) is a StorableValue."""
    document = api.client.get("/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    for schema in object_schemas([model for name, model in schemas.items() if name != "Error"]):  # an answer
        names = schema["propertyNames"]
        assert "enum" in names or re.search(names["pattern"], "name\x00") is None, schema
    nul_key = {"redeemables": [{"object": "voucher", "id": "GIFT", "gift": {"credits\x00": 1}}]}
    nul_tier = [{"name": "Gold", "points": {"from": 1}, "earning_rules": {"ern_\x00": {"type": "CUSTOM", "points": 1}}}]
    for path, body in (("/v1/validations", nul_key), ("/v1/loyalties/{campaign_id}/tiers", nul_tier)):
        schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})
        assert not validator.is_valid(body), path

    response = api.post("/v1/validations", nul_key)
    assert_error_shape(response, 400, "invalid_payload")


def test_an_unknown_query_parameter_is_refused_not_ignored(api):
    error = assert_error_shape(
        api.client.get("/v1/vouchers?campain=Summer", headers=api.headers), 400, "invalid_query_params"
    )
    assert error["details"] == "Unknown query parameter 'campain'"


@pytest.mark.parametrize(
    "session, details",
    [
        ({"type": "LOCK", "ttl": 36_501}, "Property .session.ttl is too large: a session lives at most 36,500 days"),
        (
            {"type": "LOCK", "ttl": 876_001, "ttl_unit": "HOURS"},
            "Property .session.ttl is too large: a session lives at most 36,500 days",
        ),
        ({"type": "LOCK", "ttl": 1e-10, "ttl_unit": "SECONDS"}, "Property .session.ttl: Input should be greater"),
    ],
    ids=["days", "hours", "below-precision"],
)
def test_a_session_ttl_out_of_bounds_for_its_unit_is_refused(api, session, details):
    body = {"redeemables": [{"object": "voucher", "id": "X"}], "session": session}
    error = assert_error_shape(api.post("/v1/validations", body), 400, "invalid_payload")
    assert error["details"].startswith(details)


def test_the_longest_session_in_each_unit_is_documented_and_accepted(api):
    document = api.client.get("/v1/openapi.json").json()
    bounds = document["components"]["schemas"]["SessionIn"]["allOf"]
    hours = next(rule for rule in bounds if rule["if"]["properties"]["ttl_unit"]["enum"] == ["HOURS"])
    assert hours["then"]["properties"]["ttl"]["anyOf"][1] == {"maximum": 876_000}
    make_voucher(code="LONG")
    body = {"redeemables": [{"object": "voucher", "id": "LONG"}], "session": {"type": "LOCK", "ttl": 876_000}}
    body["session"]["ttl_unit"] = "HOURS"
    assert api.post("/v1/validations", body).status_code == 200


def test_the_document_states_the_rules_that_span_fields(api):
    """A client generated from the document knows what a campaign, a voucher and a segment need."""
    schemas = api.client.get("/v1/openapi.json").json()["components"]["schemas"]
    most, discount, gift, promotion, *implied, referral, referral_only = schemas["CampaignIn"]["allOf"]
    assert referral["then"]["properties"]["voucher"]["required"] == ["discount"]
    assert referral_only["then"]["properties"]["referral_program"] == {"type": "null"}
    assert most["properties"]["vouchers_count"]["anyOf"][1] == {"maximum": 1_000_000}
    assert discount["if"]["properties"]["campaign_type"]["const"] == "DISCOUNT_COUPONS"
    assert discount["then"]["properties"]["voucher"]["required"] == ["discount"]
    assert promotion["then"]["properties"]["vouchers_count"]["enum"] == [0, None]
    assert gift["then"]["properties"]["voucher"]["required"] == ["gift"]
    assert [option["required"] for option in schemas["VoucherIn"]["then"]["oneOf"]] == [["discount"], ["gift"]]
    assert schemas["SegmentIn"]["then"]["properties"]["filter"]["not"] == {"required": ["junction"], "maxProperties": 1}
    names = [name for name in schemas if name.endswith("In")]
    assert "StackCustomerIn" in names and "CustomerIn" in names  # one component per model, none overwritten
