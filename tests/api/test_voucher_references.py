"""Every endpoint that takes a voucher's code (or id) in its path finds the same voucher, or answers the same
404 (campaigns.queries.find_voucher)."""

import pytest

from campaigns.queries import find_voucher
from sessions.models import ValidationSession
from tests.factories import make_voucher, now

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ref", ["by code", "by id", "binned", "unknown"])
def test_every_endpoint_taking_a_code_finds_the_same_voucher(api, ref):
    make_voucher(code="LIVE")
    binned = make_voucher(code="BINNED", deleted_at=now())
    live = find_voucher("LIVE")
    session = ValidationSession.objects.create(key="ssn_lookup", expires_at=now())
    path = {"by code": "LIVE", "by id": live.pk, "binned": binned.code, "unknown": "NOPE"}[ref]

    answers = [
        api.get(f"/v1/vouchers/{path}"),
        api.get(f"/v1/vouchers/{path}/redemption"),
        api.delete(f"/v1/vouchers/{path}/sessions/{session.key}"),  # the session holds no lock on it
    ]

    if ref in ("by code", "by id"):
        assert [a.status_code for a in answers[:2]] == [200, 200]
        assert answers[0].json()["id"] == live.pk and answers[1].json()["url"] == "/v1/vouchers/LIVE/redemption"
        assert answers[2].json()["resource_type"] == "session"
    else:
        for answer in answers:
            assert answer.status_code == 404
            assert {k: answer.json()[k] for k in ("key", "details", "resource_id", "resource_type")} == {
                "key": "not_found",
                "details": f"Cannot find voucher with id {path}",
                "resource_id": path,
                "resource_type": "voucher",
            }
