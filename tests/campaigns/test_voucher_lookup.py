"""One look-up for "a voucher by code or id" (campaigns.queries.find_voucher), with the same rules
everywhere a code or an id is taken: codes win, binned vouchers are not found unless asked, NUL never
reaches the database."""

import pytest

from campaigns.queries import find_voucher
from tests.campaigns.row_locks import locked_rows
from tests.factories import make_campaign, make_voucher, now
from voucherhub.errors import DomainError

pytestmark = pytest.mark.django_db


def not_found(ref: str, **options) -> DomainError:
    with pytest.raises(DomainError) as raised:
        find_voucher(ref, **options)
    assert raised.value.key == "not_found" and raised.value.resource_type == "voucher"
    return raised.value


def test_a_voucher_is_found_by_its_code_else_by_its_id():
    voucher = make_voucher(code="SPRING")
    assert find_voucher("SPRING") == voucher
    assert find_voucher(voucher.pk) == voucher
    assert not_found("spring").details == "Cannot find voucher with id spring"  # codes are case-sensitive


def test_a_code_wins_over_another_voucher_s_id():
    target = make_voucher()
    lookalike = make_voucher(code=target.pk)
    assert find_voucher(target.pk) == lookalike


def test_a_binned_voucher_is_found_only_when_asked_and_its_code_hides_nothing():
    live = make_voucher()
    binned = make_voucher(code=live.pk, deleted_at=now())
    assert find_voucher(live.pk) == live  # the binned code does not shadow the live id
    assert find_voucher(live.pk, include_deleted=True) == binned
    gone = make_voucher(code="GONE", deleted_at=now())
    for ref in ("GONE", gone.pk):
        assert not_found(ref).resource_id == ref
        assert find_voucher(ref, include_deleted=True) == gone


def test_a_reference_holding_nul_is_not_found_without_asking_the_database(django_assert_num_queries):
    make_voucher(code="AB")
    with django_assert_num_queries(0):
        error = not_found("A\x00B")
    assert (error.resource_id, error.details) == ("AB", "Cannot find voucher with id AB")
    with django_assert_num_queries(0):
        not_found("v_\x00")


def test_a_reference_that_cannot_be_an_id_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        not_found("NOT-AN-ID")
    with django_assert_num_queries(2):
        not_found("v_not_there")


def test_the_voucher_comes_with_its_campaign_and_category_in_the_same_query(django_assert_num_queries):
    voucher = make_voucher(code="WITH", campaign=make_campaign())
    with django_assert_num_queries(1):
        found = find_voucher("WITH")
        assert (found.campaign.pk, found.category) == (voucher.campaign_id, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_for_update_locks_the_voucher_but_not_its_campaign():
    campaign = make_campaign()
    voucher = make_voucher(code="LOCK-ME", campaign=campaign)
    rows = {"voucher": voucher, "campaign": campaign, "other": make_voucher()}
    assert locked_rows(lambda: find_voucher("LOCK-ME", for_update=True), rows) == {"voucher"}
    assert locked_rows(lambda: find_voucher(voucher.pk, for_update=True), rows) == {"voucher"}
    assert locked_rows(lambda: find_voucher("LOCK-ME"), rows) == set()
