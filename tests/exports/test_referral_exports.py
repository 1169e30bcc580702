"""A referral program's Referrers and Referees tabs export what they show: the tab's campaign and filters
select the rows, customers' ids only for those who may see customers, and the export names its filters in
words; an API export filters by program. Tasks run eagerly after the commit."""

import pytest

from campaigns.services.campaigns import create_campaign
from campaigns.services.publications import publish
from campaigns.services.requests import Discount, PublicationRequest, ReferralSettings, VoucherTemplate
from customers.services import CustomEvent, track_custom_event
from exports import services
from exports.models import ExportStatus
from exports.sources import SOURCES, ExportParamsError
from tests.exports.factories import export_csv
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")


def program(name: str) -> tuple[str, dict[str, str]]:
    """A program converting on "joined", with a code for each of ann and bob: (id, code by referrer)."""
    made = create_campaign(
        caller=CALLER, name=name, campaign_type="REFERRAL_PROGRAM", vouchers_count=2,
        voucher=VoucherTemplate(discount=Discount(type="PERCENT", percent_off=10)),
        referral=ReferralSettings(conversion_event_type="custom_event", custom_event="joined"),
    )  # fmt: skip
    codes = {}
    for referrer in ("ann", "bob"):
        request = PublicationRequest(customer={"source_id": f"{name}-{referrer}"}, campaign=made.pk)
        codes[referrer] = publish(request, caller=CALLER).vouchers[0].code
    return made.pk, codes


def refer(code: str, referee: str) -> None:
    track_custom_event(CustomEvent(name="joined", customer={"source_id": referee}, referral_code=code), caller=CALLER)


@pytest.fixture
def friends():
    """Ann referred carl and dan, bob referred eve; another program's referral besides."""
    pk, codes = program("Friends")
    for code, referee in ((codes["ann"], "carl"), (codes["ann"], "dan"), (codes["bob"], "eve")):
        refer(code, referee)
    _, others = program("Others")
    refer(others["ann"], "zed")
    return pk, codes


def build(user, capture, exported_object, fields, filters, channel="WEBSITE"):
    with capture(execute=True):
        export = services.request_export(
            exported_object=exported_object, fields=fields, filters=filters, channel=channel, user=user
        )
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.error
    return export


def test_the_referrers_tab_exports_the_programs_referrers_under_its_filters(
    role_user, django_capture_on_commit_callbacks, friends
):
    pk, _ = friends
    admin = role_user("Admin")
    fields = ["customer_source_id", "referrals"]
    everyone = build(admin, django_capture_on_commit_callbacks, "referrer", fields, {"campaign": pk})
    assert export_csv(everyone) == [fields, ["Friends-ann", "2"], ["Friends-bob", "1"]]  # most referrals first
    busy = build(admin, django_capture_on_commit_callbacks, "referrer", fields, {"campaign": pk, "min_referrals": "2"})
    assert export_csv(busy)[1:] == [["Friends-ann", "2"]]
    assert "At least: 2" in SOURCES["referrer"].describe(busy)


def test_the_referees_tab_exports_each_conversion_and_hides_customers_from_who_may_not_see_them(
    role_user, django_capture_on_commit_callbacks, friends
):
    pk, codes = friends
    admin = build(
        role_user("Admin"), django_capture_on_commit_callbacks, "referee", ["code", "referee_source_id", "source"],
        {"campaign": pk, "code": codes["ann"]},
    )  # fmt: skip
    assert sorted(export_csv(admin)[1:]) == [
        [codes["ann"], "carl", "custom_event"],
        [codes["ann"], "dan", "custom_event"],
    ]
    with pytest.raises(ExportParamsError):
        SOURCES["referee"].clean_fields(["referee_source_id"], role_user("Marketer"))
    assert SOURCES["referee"].standard_fields(role_user(None, username="nobody")) == [
        "id", "campaign_id", "code", "source", "related_object_id", "created_at",
    ]  # fmt: skip
