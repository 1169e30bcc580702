"""Gift-card and loyalty transactions through the official SDK: a card's and a campaign's balance changes, typed as the
platform types them, keyset-paged in either order, and exported by a worker."""

from urllib.parse import parse_qs, urlparse

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException

from campaigns.models import CampaignType
from campaigns.services.vouchers import update_gift_balance
from conftest import wait_for
from exports.models import Export, ExportStatus
from loyalty.services.points import PointsChange, change_balance
from redemptions.services.redemption import redeem
from tests.exports.factories import read_csv
from tests.factories import make_campaign, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

from .test_sdk_loyalty_cards import join, program

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


def test_a_campaigns_transactions_are_listed_across_its_cards(sdk):
    gifts = make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    make_gift_card(code="CARD-A", amount=1_000, campaign=gifts)
    make_gift_card(code="CARD-B", amount=1_000, campaign=gifts)
    make_gift_card(code="ELSEWHERE", amount=1_000)
    for code, amount in (("CARD-A", 100), ("CARD-B", 200), ("ELSEWHERE", 300), ("CARD-A", -50)):
        update_gift_balance(caller=CALLER, ref=code, amount=amount)
    campaigns = V.CampaignsApi(sdk)

    page = campaigns.list_campaign_transactions(gifts.pk, limit=2)
    assert [t.details.balance.amount for t in page.data] == [-50, 200] and page.has_more is True
    rest = campaigns.list_campaign_transactions("Gifts", starting_after_id=page.more_starting_after)
    assert [(t.details.balance.amount, t.campaign_id) for t in rest.data] == [(100, gifts.pk)]
    with pytest.raises(NotFoundException):
        campaigns.list_campaign_transactions("No such campaign")


def test_transactions_are_exported_for_a_campaign_and_for_a_card(sdk, live_worker):
    gifts = make_campaign(name="Gifts", campaign_type=CampaignType.GIFT_VOUCHERS)
    card = make_gift_card(code="CARD-A", amount=1_000, campaign=gifts)
    make_gift_card(code="CARD-B", amount=1_000, campaign=gifts)
    make_gift_card(code="ELSEWHERE", amount=1_000)
    for code, amount in (("CARD-A", 100), ("CARD-B", 200), ("ELSEWHERE", 300)):
        update_gift_balance(caller=CALLER, ref=code, amount=amount)
    fields = {"parameters": {"fields": ["amount", "voucher_id"], "order": "created_at"}}

    of_campaign = V.CampaignsApi(sdk).export_campaign_transactions(
        gifts.pk, V.CampaignsTransactionsExportCreateRequestBody.from_dict(fields)
    )
    of_card = V.VouchersApi(sdk).export_voucher_transactions(
        "CARD-A", V.VouchersTransactionsExportCreateRequestBody.from_dict(fields)
    )
    assert of_campaign.exported_object == of_card.exported_object == "voucher_transactions"
    assert wait_for(lambda: Export.objects.filter(status=ExportStatus.DONE).count() == 2)
    assert [row[0] for row in _csv(sdk, of_campaign.id)[1:]] == ["100", "200"]
    assert _csv(sdk, of_card.id) == [["amount", "voucher_id"], ["100", card.pk]]


def _csv(sdk, export_id: str) -> list[list[str]]:
    got = V.ExportsApi(sdk).get_export(export_id)
    token = parse_qs(urlparse(got.result.url).query)["token"][0]
    return read_csv(V.ExportsApi(sdk).download_export(export_id, token=token))


def test_a_loyalty_cards_points_changes_are_exported_by_card_and_by_program(sdk, live_worker):
    club = program(sdk, points=100)
    ann, bob = join(sdk, club.id, "ann"), join(sdk, club.id, "bob")
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(25, "Birthday"))
    make_gift_card(code="GIFT-ELSEWHERE", amount=1_000)
    update_gift_balance(caller=CALLER, ref="GIFT-ELSEWHERE", amount=300)
    fields = {"parameters": {"fields": ["type", "amount", "balance", "voucher_id", "reason"], "order": "created_at"}}

    loyalties = V.LoyaltiesApi(sdk)
    of_card = loyalties.export_loyalty_card_transactions(
        ann.code, V.LoyaltiesMembersTransactionsExportCreateRequestBody.from_dict(fields)
    )
    in_program = loyalties.export_loyalty_card_transactions1(
        club.id, bob.code, V.LoyaltiesMembersTransactionsExportCreateRequestBody.from_dict(fields)
    )
    of_program = loyalties.export_loyalty_campaign_transactions(
        club.id, V.LoyaltiesTransactionsExportCreateRequestBody.from_dict(fields)
    )
    assert of_card.exported_object == of_program.exported_object == "voucher_transactions"
    assert wait_for(lambda: Export.objects.filter(status=ExportStatus.DONE).count() == 3)
    assert _csv(sdk, of_card.id) == [
        ["type", "amount", "balance", "voucher_id", "reason"],
        ["POINTS_ADDITION", "100", "100", ann.id, "The program's starting points"],
        ["POINTS_ADDITION", "25", "125", ann.id, "Birthday"],
    ]
    assert [row[3] for row in _csv(sdk, in_program.id)[1:]] == [bob.id]
    assert sorted(row[1] for row in _csv(sdk, of_program.id)[1:]) == ["100", "100", "25"]  # no gift-card rows
