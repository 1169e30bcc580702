"""CSV imports through the official SDK: standalone vouchers, a campaign's codes and customers, each file read
and checked at once (a bad row refuses the whole file, naming its line) and applied by a real worker as the
JSON imports are."""

import json

import pytest
import voucherify as V
from voucherify.exceptions import ApiException

from campaigns.models import AsyncAction, Customer, Voucher
from conftest import wait_for
from stacking.models import Category
from tests.factories import make_campaign, make_customer, make_voucher

pytestmark = pytest.mark.django_db(transaction=True)


def done(action_id: str) -> bool:
    return AsyncAction.objects.filter(pk=action_id, status="DONE").exists()


def refusal(call) -> dict:
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == 400
    return json.loads(refused.value.body)


VOUCHERS_CSV = (
    "\ufeffCode,Voucher Type,Value,Discount Type,Category,Start Date,Expiration Date,Redemption Limit,Active,Shelf\n"
    "CSV-10,DISCOUNT_VOUCHER,1000,AMOUNT,winter,2026-12-01,2027-01-31T23:59:59Z,2,true,top\n"
    "CSV-PCT,,12.5,PERCENT,,,,,,\n"
    "CSV-GIFT,GIFT_VOUCHER,5000,,,,,,false,bottom\n"
    "TAKEN,DISCOUNT_VOUCHER,100,AMOUNT,,,,,,\n"
)


def test_standalone_vouchers_are_imported_from_a_csv_file(sdk, live_worker):
    make_voucher(code="TAKEN")
    Category.objects.create(name="winter")
    scheduled = V.VouchersApi(sdk).import_vouchers_using_csv(file=VOUCHERS_CSV.encode())
    assert scheduled.async_action_id.startswith("aa_")
    assert wait_for(lambda: done(scheduled.async_action_id))

    amount = Voucher.objects.get(code="CSV-10")
    assert (amount.amount_off, amount.redemption_quantity, amount.active) == (1_000, 2, True)
    assert amount.metadata == {"Shelf": "top"} and amount.category.name == "winter"
    assert (amount.start_date.isoformat(), amount.expiration_date.isoformat()) == (
        "2026-12-01T00:00:00+00:00",
        "2027-01-31T23:59:59+00:00",
    )
    assert float(Voucher.objects.get(code="CSV-PCT").percent_off) == 12.5
    gift = Voucher.objects.get(code="CSV-GIFT")
    assert (gift.gift_balance, gift.active, gift.metadata) == (5_000, False, {"Shelf": "bottom"})
    result = V.AsyncActionsApi(sdk).get_async_action(scheduled.async_action_id).result
    assert result["message"] == "3 of 4 imported" and result["results"][3]["imported"] is False


def test_a_campaigns_codes_are_imported_from_a_csv_file_its_template_filling_the_rest(sdk, live_worker):
    template = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 15}, "code_config": {}}
    spring = make_campaign(name="Spring", voucher_template=template)
    csv_text = "code,redemption_limit,active,source\nSPRING-A,3,,shop\nSPRING-B,,no,\n"
    scheduled = V.CampaignsApi(sdk).import_vouchers_to_campaign_using_csv(spring.pk, file=csv_text.encode())
    assert wait_for(lambda: done(scheduled.async_action_id))
    first, second = Voucher.objects.get(code="SPRING-A"), Voucher.objects.get(code="SPRING-B")
    assert (first.campaign_id, first.percent_off, first.redemption_quantity, first.metadata) == (
        spring.pk,
        15,
        3,
        {"source": "shop"},
    )
    assert (second.campaign_id, second.active, second.metadata) == (spring.pk, False, {})


def test_customers_are_imported_and_updated_by_source_id_from_a_csv_file(sdk, live_worker):
    make_customer(source_id="ann", name="Ann", email="ann@old.example", metadata={"lang": "en"})
    csv_text = (
        "Id,Name,Email,Phone,Source_id,Description,Loyalty_tier\n"
        "cust_ignored,Ann Smith,ann@example.com,,ann,,gold\n"
        ",Bob,bob@example.com,+48 600 000 000,bob,Walk-in,\n"
    )
    scheduled = V.CustomersApi(sdk).import_customers_using_csv(file=csv_text.encode())
    assert wait_for(lambda: done(scheduled.async_action_id))
    ann, bob = Customer.objects.get(source_id="ann"), Customer.objects.get(source_id="bob")
    assert (ann.name, ann.email, ann.metadata) == (
        "Ann Smith",
        "ann@example.com",
        {"lang": "en", "Loyalty_tier": "gold"},
    )
    assert (bob.name, bob.description, bob.metadata) == ("Bob", "Walk-in", {"Phone": "+48 600 000 000"})


@pytest.mark.parametrize(
    "csv_text, details",
    [
        ("", "The file is empty: its first line names the columns."),
        ("Code,Value\n", "The file names its columns but holds no rows."),
        ("Value,Discount Type\n100,AMOUNT\n", "Line 1: the file needs a Code column."),
        ("Code,Code\nA,B\n", "Line 1: the column 'code' appears twice."),
        ("Code,Value,Discount Type\nOK,100,AMOUNT\nBAD,ten,AMOUNT\n", "Line 3: Value must be a whole number"),
        ("Code,Value,Discount Type\nA,10,HALF\n", "Line 2: Discount Type must be AMOUNT, PERCENT or FIXED"),
        ("Code,Value,Discount Type\nA,120,PERCENT\n", "Line 2: Property .discount.percent_off"),
        ("Code,Value\nA,100\n", "Line 2: a Value needs a Discount Type"),
        ("Code,Active\nA,maybe\n", "Line 2: Active must be true or false, not 'maybe'"),
        ("Code,Start Date\nA,next week\n", "Line 2: Start Date 'next week' is not an ISO 8601 date"),
        ("Code,Redeemed Quantity\nA,4\n", "Line 2: Redeemed Quantity must be empty or 0"),
        ("Code,Value,Discount Type\nA,1,AMOUNT,extra\n", "Line 2: 4 cells under 3 columns."),
        ("Code\nA\n", "Line 2: a voucher outside a campaign has a discount or a gift"),
    ],
)
def test_a_bad_voucher_file_is_refused_naming_its_line_and_schedules_nothing(api, csv_text, details):
    answer = api.client.post("/v1/vouchers/importCSV", {"file": _upload(csv_text.encode())}, headers=api.headers)
    assert answer.status_code == 400, answer.content
    error = answer.json()
    assert (error["key"], error["message"]) == ("invalid_csv", "Invalid CSV file")
    assert error["details"].startswith(details), error["details"]
    assert AsyncAction.objects.count() == 0 and not Voucher.objects.exists()


def test_a_file_that_is_not_utf8_text_or_has_no_source_ids_is_refused(sdk):
    assert refusal(lambda: V.VouchersApi(sdk).import_vouchers_using_csv(file=b"Code\n\xff\xfe\n"))["details"] == (
        "The file is not UTF-8 text; save it as CSV UTF-8."
    )
    no_source = refusal(lambda: V.CustomersApi(sdk).import_customers_using_csv(file=b"Name\nAnn\n"))
    assert no_source["details"] == "Line 1: the file needs a Source Id column."
    unknown = V.CampaignsApi(sdk)
    with pytest.raises(ApiException) as missing:
        unknown.import_vouchers_to_campaign_using_csv("camp_nope", file=b"Code\nA\n")
    assert missing.value.status == 404
    assert AsyncAction.objects.count() == 0


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("codes.csv", content, content_type="text/csv")


@pytest.mark.django_db  # in the test's transaction: the import is read and scheduled, never run
def test_a_file_above_djangos_body_limit_is_read_and_one_above_ten_megabytes_is_refused(api):
    note = "x" * 80
    rows = "".join(f"BIG-{n:06d},100,AMOUNT,{note}\n" for n in range(27_000))  # about 2.7 MB
    csv_bytes = f"Code,Value,Discount Type,Note\n{rows}".encode()
    assert len(csv_bytes) > 2.5 * 1024 * 1024  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = api.client.post("/v1/vouchers/importCSV", {"file": _upload(csv_bytes)}, headers=api.headers)
    assert answer.status_code == 200, answer.content
    assert len(AsyncAction.objects.get(pk=answer.json()["async_action_id"]).payload["items"]) == 27_000

    huge = _upload(b"Code\n" + b"A" * (11 * 1024 * 1024))
    answer = api.client.post("/v1/customers/importCSV", {"file": huge}, headers=api.headers)
    assert answer.status_code == 413 and answer.json()["key"] == "invalid_payload"
