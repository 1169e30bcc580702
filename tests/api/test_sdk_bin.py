"""BinApi through the official SDK: campaigns and vouchers deleted without force are listed in the bin
(a campaign's vouchers with it), paged by entry id, and deleted for good from it; a campaign whose codes
were redeemed stays, so that its history keeps its links."""

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from campaigns.models import Campaign, Voucher
from redemptions.services.redemption import redeem
from tests.factories import make_campaign, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)


def test_binned_campaigns_and_vouchers_are_listed_and_purged(sdk):
    gone = make_campaign(name="Old campaign")
    make_voucher(code="OLD-1", campaign=gone)
    used = make_campaign(name="Used campaign")
    make_voucher(code="USED-1", campaign=used)
    order = {"amount": 1_000, "items": [{"sku_id": "s", "quantity": 1, "price": 1_000}]}
    redeem(stack(redeemables=[{"object": "voucher", "id": "USED-1"}], order=order), caller=Caller.system("t"))
    single = make_voucher(code="LONE-1")
    make_voucher(code="KEPT-1")
    campaigns, vouchers, trash = V.CampaignsApi(sdk), V.VouchersApi(sdk), V.BinApi(sdk)
    campaigns.delete_campaign(gone.pk)
    campaigns.delete_campaign(used.pk)
    vouchers.delete_voucher("LONE-1")

    listed = trash.list_bin_entries(limit=2)
    assert listed.object == "list" and listed.total == 3 and listed.has_more is True
    rest = trash.list_bin_entries(limit=2, starting_after_id=listed.more_starting_after)
    entries = listed.data + rest.data
    assert sorted((e.resource_type, e.resource_name) for e in entries) == [
        ("campaign", "Old campaign"),
        ("campaign", "Used campaign"),
        ("voucher", "LONE-1"),
    ]
    assert [e.id for e in entries] == sorted((e.id for e in entries), reverse=True)

    trash.delete_bin_entry(f"bin_{single.pk}")
    trash.delete_bin_entry(f"bin_{gone.pk}")
    assert not Voucher.objects.filter(code__in=["LONE-1", "OLD-1"]).exists()
    assert not Campaign.objects.filter(pk=gone.pk).exists()
    with pytest.raises(ApiException) as refused:
        trash.delete_bin_entry(f"bin_{used.pk}")
    assert refused.value.status == 400 and "resource_in_use" in refused.value.body
    assert [e.resource_name for e in trash.list_bin_entries().data] == ["Used campaign"]
    with pytest.raises(NotFoundException):
        trash.delete_bin_entry("bin_v_not_binned")
    assert Voucher.objects.filter(code="KEPT-1").exists()
