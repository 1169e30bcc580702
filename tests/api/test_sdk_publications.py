"""PublicationsApi through the official SDK: a voucher by its code, a campaign's next free codes, the list
and its filters, source_id and join_once, a campaign out of codes (a FAILURE kept in the list), and the
publication in the customer's activity."""

import pytest
import voucherify as V
from voucherify.exceptions import ApiException, NotFoundException

from campaigns.models import CampaignType, Publication, Voucher
from tests.factories import make_campaign, make_gift_card, make_voucher

pytestmark = pytest.mark.django_db(transaction=True)


def body(**fields) -> V.PublicationsCreateRequestBody:
    return V.PublicationsCreateRequestBody.from_dict(fields)


@pytest.fixture
def campaign():
    spring = make_campaign(name="Spring coupons")
    for i in range(3):
        make_voucher(code=f"SPRING-{i}", campaign=spring)
    return spring


def test_a_campaigns_next_free_code_goes_to_the_customer_and_the_list_shows_it(sdk, campaign):
    api = V.PublicationsApi(sdk)
    made = api.create_publication(
        publications_create_request_body=body(
            customer={"source_id": "ann", "email": "ann@example.com"},
            campaign={"name": "Spring coupons"},
            metadata={"crm": "x1"},
        )
    )

    assert made.object == "publication" and made.result == "SUCCESS" and made.channel == "API"
    assert made.voucher.code == "SPRING-0" and made.vouchers_id == [made.voucher.id]
    assert made.customer.source_id == "ann" and made.tracking_id == "ann" and made.metadata == {"crm": "x1"}
    assert Voucher.objects.get(code="SPRING-0").holder_id == made.customer_id

    two = api.create_publication(
        publications_create_request_body=body(customer={"source_id": "bob"}, campaign={"name": campaign.pk, "count": 2})
    )
    assert two.vouchers == ["SPRING-1", "SPRING-2"] and two.voucher is None

    listed = api.list_publications(campaign="Spring coupons")
    assert listed.object == "list" and listed.data_ref == "publications" and listed.total == 2
    assert [p.id for p in listed.publications] == [two.id, made.id]
    assert listed.publications[0].vouchers == ["SPRING-1", "SPRING-2"]
    assert listed.publications[1].voucher.code == "SPRING-0" and listed.publications[1].result == "SUCCESS"
    assert [p.id for p in api.list_publications(customer="ann").publications] == [made.id]
    assert [p.id for p in api.list_publications(voucher="SPRING-2").publications] == [two.id]
    oldest = api.list_publications(order=V.ParameterOrderListPublications("created_at")).publications
    assert [p.id for p in oldest] == [made.id, two.id]


def test_a_voucher_is_published_by_its_code_and_not_to_a_second_customer(sdk):
    make_gift_card(code="GIFT-1", amount=5_000)
    api = V.PublicationsApi(sdk)
    made = api.create_publication(
        publications_create_request_body=body(customer={"source_id": "ann"}, voucher="GIFT-1")
    )
    assert made.voucher.code == "GIFT-1" and made.voucher.gift.balance == 5_000
    with pytest.raises(ApiException) as refused:
        api.create_publication(publications_create_request_body=body(customer={"source_id": "bob"}, voucher="GIFT-1"))
    assert refused.value.status == 400 and "voucher_already_published" in refused.value.body
    with pytest.raises(NotFoundException):
        api.create_publication(publications_create_request_body=body(customer={"source_id": "bob"}, voucher="NOPE"))


def test_source_id_answers_the_same_publication_and_join_once_one_per_customer(sdk, campaign):
    api = V.PublicationsApi(sdk)
    first = api.create_publication(
        publications_create_request_body=body(
            customer={"source_id": "ann"}, campaign={"name": "Spring coupons"}, source_id="crm-1"
        )
    )
    again = api.create_publication(
        publications_create_request_body=body(
            customer={"source_id": "ann"}, campaign={"name": "Spring coupons"}, source_id="crm-1"
        )
    )
    assert again.id == first.id and again.voucher.code == first.voucher.code == "SPRING-0"

    once = api.create_publication(
        join_once=True,
        publications_create_request_body=body(customer={"source_id": "ann"}, campaign={"name": "Spring coupons"}),
    )
    assert once.id == first.id
    assert Publication.objects.count() == 1 and Voucher.objects.filter(holder__isnull=False).count() == 1


def test_a_campaign_out_of_codes_refuses_and_keeps_the_failure(sdk):
    make_campaign(name="Empty", campaign_type=CampaignType.DISCOUNT_COUPONS)
    api = V.PublicationsApi(sdk)
    with pytest.raises(ApiException) as refused:
        api.create_publication(
            publications_create_request_body=body(customer={"source_id": "ann"}, campaign={"name": "Empty"})
        )
    assert refused.value.status == 400 and "no_voucher_suitable_for_publication" in refused.value.body
    failed = api.list_publications(result=V.ParameterResultListPublications("FAILURE")).publications
    assert (
        len(failed) == 1 and failed[0].failure_code == "no_voucher_suitable_for_publication" and not failed[0].vouchers
    )


def test_a_body_with_both_or_neither_source_is_a_400(sdk, campaign):
    api = V.PublicationsApi(sdk)
    for wrong in (
        body(customer={"source_id": "ann"}),
        body(customer={"source_id": "ann"}, voucher="SPRING-0", campaign={"name": "Spring coupons"}),
        body(customer={"source_id": "ann"}, campaign={"name": "Spring coupons", "count": 2}, source_id="crm-2"),
        body(customer={"name": "No one"}, voucher="SPRING-0"),
    ):
        with pytest.raises(ApiException) as refused:
            api.create_publication(publications_create_request_body=wrong)
        assert refused.value.status == 400 and "invalid_payload" in refused.value.body
    assert Publication.objects.count() == 0


def test_a_publication_is_in_the_customers_activity(sdk, campaign):
    V.PublicationsApi(sdk).create_publication(
        publications_create_request_body=body(customer={"source_id": "ann"}, campaign={"name": "Spring coupons"})
    )
    activity = V.CustomersApi(sdk).list_customer_activity("ann")
    assert [a.type for a in activity.data] == ["customer.publication.succeeded", "customer.created"]
    assert activity.data[0].data["codes"] == ["SPRING-0"]
