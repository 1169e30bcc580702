"""An API export of redemptions holds their rollbacks too, as GET /v1/redemptions lists both; a filter on
``object`` picks either. The dashboard's export, like the Redemptions tab, holds redemptions only."""

import pytest

from redemptions.services.redemption import redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from tests.exports.factories import read_csv
from tests.factories import make_customer, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("t")
FIELDS = ["id", "object", "voucher_code", "customer_source_id", "amount", "result", "status"]


@pytest.fixture
def history():
    make_customer(source_id="ann")
    make_voucher(code="TEN", percent_off=10)
    order = {"amount": 1_000, "items": [{"sku_id": "s", "quantity": 1, "price": 1_000}]}
    first = redeem(
        stack(redeemables=[{"object": "voucher", "id": "TEN"}], customer={"source_id": "ann"}, order=order),
        caller=CALLER,
    )
    second = redeem(stack(redeemables=[{"object": "voucher", "id": "TEN"}], order=order), caller=CALLER)
    rolled = rollback_redemption(RollbackRequest(first.redemptions[0].pk), caller=CALLER)
    return {"first": first.redemptions[0], "second": second.redemptions[0], "rollback": rolled.rollbacks[0]}


def exported(api, capture, parameters: dict) -> list[list[str]]:
    with capture(execute=True):
        answer = api.post("/v1/exports", {"exported_object": "redemption", "parameters": parameters})
    assert answer.status_code == 200, answer.json()
    return read_csv(
        b"".join(api.get(f"/v1/exports/{answer.json()['id']}", headers={"Accept": "text/plain"}).streaming_content)
    )


def test_an_export_of_redemptions_holds_their_rollbacks_in_date_order(api, django_capture_on_commit_callbacks, history):
    table = exported(api, django_capture_on_commit_callbacks, {"fields": FIELDS, "order": "created_at"})
    assert table[0] == FIELDS
    assert [row[:2] for row in table[1:]] == [
        [history["first"].pk, "redemption"],
        [history["second"].pk, "redemption"],
        [history["rollback"].pk, "redemption_rollback"],
    ]
    assert table[3][2:] == ["TEN", "ann", "0", "SUCCESS", "SUCCEEDED"]  # the redemption's code and customer
    newest_first = exported(api, django_capture_on_commit_callbacks, {"fields": ["id"]})
    assert [row[0] for row in newest_first[1:]] == [history["rollback"].pk, history["second"].pk, history["first"].pk]


def test_a_filter_on_object_picks_rollbacks_or_redemptions(api, django_capture_on_commit_callbacks, history):
    only_rollbacks = {
        "fields": ["id", "object"],
        "filters": {"object": {"conditions": {"$in": ["redemption_rollback"]}}},
    }
    assert exported(api, django_capture_on_commit_callbacks, only_rollbacks)[1:] == [
        [history["rollback"].pk, "redemption_rollback"]
    ]
    only_redemptions = {"fields": ["id"], "filters": {"object": {"conditions": {"$is": "redemption"}}}}
    assert {row[0] for row in exported(api, django_capture_on_commit_callbacks, only_redemptions)[1:]} == {
        history["first"].pk,
        history["second"].pk,
    }
