"""The platform's older single-voucher calls (the JavaScript SDK's validations.validate(code) and
redemptions.redeem(code)), answered by the stacked engine: what an invalid code says, and bad bodies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from redemptions.models import Redemption
from tests.factories import make_voucher

pytestmark = pytest.mark.django_db


def test_an_invalid_code_says_why_and_a_valid_one_gives_its_discount(api):
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))
    make_voucher(code="TEN", percent_off=10)

    expired = api.post("/v1/vouchers/OLD/validate", {"order": {"amount": 1_000}}).json()
    assert expired["valid"] is False and expired["code"] == "OLD"
    assert expired["error"]["key"] == "voucher_expired" and expired["reason"]

    ten = api.post("/v1/vouchers/TEN/validate", {"order": {"amount": 1_000}, "customer": {"source_id": "a"}}).json()
    assert ten["valid"] is True and ten["discount"]["percent_off"] == 10
    assert ten["order"]["total_applied_discount_amount"] == 100


def test_a_refused_single_redemption_is_an_error_and_kept_as_a_failed_attempt(api):
    make_voucher(code="OLD", expiration_date=timezone.now() - timedelta(days=1))
    answer = api.post("/v1/vouchers/OLD/redemption", {"order": {"amount": 1_000}})
    assert answer.status_code == 400 and answer.json()["key"] == "voucher_expired"
    assert Redemption.objects.filter(voucher_code="OLD", result="FAILURE").exists()


@pytest.mark.parametrize("body", [[], "text", {"order": {"amount": "ten"}}, {"gift": {"credits": -1}, "order": 5}])
def test_a_bad_body_is_a_400_in_the_error_shape(api, body):
    make_voucher(code="TEN")
    for path in ("/v1/vouchers/TEN/validate", "/v1/vouchers/TEN/redemption"):
        answer = api.post(path, body)
        assert answer.status_code == 400 and answer.json()["key"] == "invalid_payload", (path, answer.json())
