"""VouchersApi.list_voucher_transactions through the official SDK: a gift card's balance changes, typed as
the platform types them, keyset-paged in either order."""

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException

from campaigns.services.vouchers import update_gift_balance
from redemptions.services.redemption import redeem
from tests.factories import make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = Caller.system("test")


def test_a_gift_cards_transactions_are_listed_and_paged_through_the_sdk(sdk):
    card = make_gift_card(code="TX-CARD", amount=5_000)
    update_gift_balance(caller=CALLER, ref="TX-CARD", amount=2_500, reason="Birthday top-up")
    order = {"amount": 3_000, "items": [{"sku_id": "s", "quantity": 1, "price": 3_000}]}
    redeemed = redeem(
        stack(redeemables=[{"object": "voucher", "id": "TX-CARD", "gift": {"credits": 3_000}}], order=order),
        caller=CALLER,
    )
    update_gift_balance(caller=CALLER, ref="TX-CARD", amount=-500)
    vouchers = V.VouchersApi(sdk)

    newest = vouchers.list_voucher_transactions("TX-CARD", limit=2)
    assert (newest.object, newest.data_ref, newest.has_more) == ("list", "data", True)
    assert [(t.type, t.details.balance.amount, t.details.balance.balance) for t in newest.data] == [
        ("CREDITS_REMOVAL", -500, 4_000),
        ("CREDITS_REDEMPTION", -3_000, 4_500),
    ]
    assert newest.data[1].details.redemption.id == redeemed.redemptions[0].id
    assert newest.data[1].details.balance.operation_type == "AUTOMATIC"
    assert newest.data[0].voucher_id == card.pk

    rest = vouchers.list_voucher_transactions("TX-CARD", limit=2, starting_after_id=newest.more_starting_after)
    assert [(t.type, t.reason) for t in rest.data] == [("CREDITS_ADDITION", "Birthday top-up")]
    assert rest.has_more is False and rest.data[0].details.balance.operation_type == "MANUAL"

    oldest = vouchers.list_voucher_transactions("TX-CARD", order=V.ParameterOrderListTransactions("id"))
    assert [t.type for t in oldest.data] == ["CREDITS_ADDITION", "CREDITS_REDEMPTION", "CREDITS_REMOVAL"]


def test_a_voucher_without_balance_has_no_transactions_and_a_foreign_cursor_is_404(sdk):
    make_voucher(code="PLAIN")
    assert V.VouchersApi(sdk).list_voucher_transactions("PLAIN").data == []
    with pytest.raises(NotFoundException):
        V.VouchersApi(sdk).list_voucher_transactions("PLAIN", starting_after_id="vtx_of_another_card")
    with pytest.raises(NotFoundException):
        V.VouchersApi(sdk).list_voucher_transactions("NO-SUCH-CODE")
