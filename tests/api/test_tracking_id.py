"""Issue 14: a redemption sent without a tracking id gets an opaque ``track_`` one, never the customer's
source id (the platform's example answer: ``"tracking_id": "track_zTa+v4d+mc0zjSO8sBo1vw=="``)."""

import re

from redemptions.models import Redemption, Validation
from tests.factories import make_voucher
from tests.redemptions.factories import body, voucher

EMAIL = "testcustomeremail@voucherify.io"
OPAQUE = re.compile(r"^track_[A-Za-z0-9+/]{22}==$")


def _redeem(api, payload):
    response = api.call("POST", "/v1/redemptions", payload)
    assert response.status_code == 200, response.content
    return response.json()["redemptions"][0]


def test_without_a_tracking_id_the_call_gets_an_opaque_one_stable_per_customer(api):
    make_voucher(code="A", percent_off=10)
    make_voucher(code="B", percent_off=10)
    first = _redeem(api, body(voucher("A"), customer=EMAIL))
    second = _redeem(api, body(voucher("B"), customer=EMAIL))

    assert OPAQUE.fullmatch(first["tracking_id"]) and EMAIL not in first["tracking_id"]
    assert second["tracking_id"] == first["tracking_id"]  # one customer, one tracking id
    assert Redemption.objects.get(pk=first["id"]).tracking_id == first["tracking_id"]

    validation = api.call("POST", "/v1/validations", body(voucher("B"), customer="someone-else")).json()
    assert validation["tracking_id"].startswith("track_") and validation["tracking_id"] != first["tracking_id"]
    assert Validation.objects.get(pk=validation["id"]).tracking_id == validation["tracking_id"]


def test_a_sent_tracking_id_is_kept_and_a_call_without_customer_gets_a_new_one(api):
    make_voucher(code="A", percent_off=10, redemption_quantity=None)
    assert _redeem(api, body(voucher("A"), customer=EMAIL, tracking_id="shop-42"))["tracking_id"] == "shop-42"
    anonymous = [_redeem(api, body(voucher("A"), customer=None))["tracking_id"] for _ in range(2)]
    assert all(t.startswith("track_") for t in anonymous) and anonymous[0] != anonymous[1]
