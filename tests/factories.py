"""Small factory functions for tests: each makes one valid row with sensible defaults."""

import itertools

from django.utils import timezone

from campaigns.models import Campaign, CampaignType, Customer, DiscountType, Voucher, VoucherType
from redemptions.schemas import StackIn
from redemptions.services.requests import StackRequest

_seq = itertools.count(1)


def make_campaign(**fields) -> Campaign:
    n = next(_seq)
    defaults = {"name": f"Campaign {n}", "campaign_type": CampaignType.DISCOUNT_COUPONS}
    return Campaign.objects.create(**{**defaults, **fields})


def make_voucher(**fields) -> Voucher:
    n = next(_seq)
    defaults = {
        "code": f"CODE-{n}",
        "type": VoucherType.DISCOUNT_VOUCHER,
        "discount_type": DiscountType.PERCENT,
        "percent_off": 10,
    }
    return Voucher.objects.create(**{**defaults, **fields})


def make_gift_card(amount: int = 10_000, **fields) -> Voucher:
    return make_voucher(
        type=VoucherType.GIFT_VOUCHER,
        discount_type="",
        percent_off=None,
        gift_amount=amount,
        gift_balance=amount,
        **fields,
    )


def make_customer(**fields) -> Customer:
    n = next(_seq)
    defaults = {"source_id": f"customer-{n}", "name": f"Customer {n}", "email": f"c{n}@example.com"}
    return Customer.objects.create(**{**defaults, **fields})


def now():
    return timezone.now()


def stack(**wire) -> StackRequest:
    """A validation or redemption request in the platform's words, read by the API's own schema."""
    return StackIn.model_validate(wire).to_request()


def api_call(path: str, payload: dict, status: int = 200, *, ip: str = "127.0.0.1") -> dict:
    """POST ``payload`` to the API as a new "Web shop" key, as a shop's client at ``ip`` would; its JSON
    answer."""
    import json

    from django.test import Client

    from voucherhub.services import create_api_key

    key, token = create_api_key(name="Web shop")
    response = Client(REMOTE_ADDR=ip).post(
        path,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"X-App-Id": key.app_id, "X-App-Token": token},
    )
    assert response.status_code == status, response.content
    return response.json()
