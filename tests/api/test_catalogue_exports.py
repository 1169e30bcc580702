"""POST /v1/exports of the catalogue's objects (vouchers, customers, orders, publications): the platform's
field names, their filters and orders, and refusals of what a source does not know."""

import pytest

from campaigns.services.publications import publish
from campaigns.services.requests import PublicationRequest
from tests.exports.factories import read_csv
from tests.factories import make_campaign, make_customer, make_gift_card, make_voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db


def exported(api, django_capture_on_commit_callbacks, body: dict) -> list[list[str]]:
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/v1/exports", body)
    assert answer.status_code == 200, answer.json()
    as_text = api.get(f"/v1/exports/{answer.json()['id']}", headers={"Accept": "text/plain"})
    return read_csv(b"".join(as_text.streaming_content))


@pytest.fixture
def catalogue():
    spring = make_campaign(name="Spring")
    ann = make_customer(source_id="ann", name="Ann", email="ann@example.com")
    make_voucher(code="SPRING-1", campaign=spring, amount_off=500, discount_type="AMOUNT", percent_off=None)
    make_voucher(code="SPRING-2", campaign=spring)
    make_gift_card(code="GIFT-1", amount=5_000)
    publish(PublicationRequest(customer={"id": ann.pk}, campaign=spring.pk), caller=Caller.system("t"))
    return {"spring": spring, "ann": ann}


def test_vouchers_are_exported_with_the_platforms_fields_of_one_campaign(
    api, django_capture_on_commit_callbacks, catalogue
):
    body = {
        "exported_object": "voucher",
        "parameters": {"fields": ["code", "voucher_type", "value", "campaign", "customer_source_id"], "order": "code"},
    }
    table = exported(api, django_capture_on_commit_callbacks, body)
    assert table == [
        ["code", "voucher_type", "value", "campaign", "customer_source_id"],
        ["GIFT-1", "GIFT_VOUCHER", "5000", "", ""],
        ["SPRING-1", "DISCOUNT_VOUCHER", "500", "Spring", "ann"],
        ["SPRING-2", "DISCOUNT_VOUCHER", "", "Spring", ""],
    ]
    of_spring = {"exported_object": "voucher", "parameters": {"fields": ["code"], "order": "-code",
                 "filters": {"campaign_id": {"conditions": {"$is": catalogue["spring"].pk}}}}}  # fmt: skip
    assert exported(api, django_capture_on_commit_callbacks, of_spring) == [["code"], ["SPRING-2"], ["SPRING-1"]]


def test_customers_and_publications_are_exported(api, django_capture_on_commit_callbacks, catalogue):
    customers = exported(api, django_capture_on_commit_callbacks, {"exported_object": "customer"})
    assert customers == [["name", "source_id"], ["Ann", "ann"]]
    body = {
        "exported_object": "publication",
        "parameters": {"fields": ["voucher_code", "customer_source_id", "result"]},
    }
    assert exported(api, django_capture_on_commit_callbacks, body) == [
        ["voucher_code", "customer_source_id", "result"],
        ["SPRING-1", "ann", "SUCCESS"],
    ]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"exported_object": "voucher", "parameters": {"fields": ["nope"]}}, "invalid_export_fields"),
        ({"exported_object": "customer", "parameters": {"order": "code"}}, "invalid_export_params"),
        (
            {"exported_object": "order", "parameters": {"filters": {"amount": {"conditions": {"$is": 1}}}}},
            "invalid_export_params",
        ),
    ],
)
def test_what_a_source_does_not_know_is_a_400(api, body, key):
    answer = api.post("/v1/exports", body)
    assert answer.status_code == 400 and answer.json()["key"] == key
