"""An event's or a transaction's object id links to the object's page when it has one and the viewer may
open it; a rollback opens its redemption's page at its line."""

import pytest

from insights.tables import object_link
from redemptions.queries import rollback_redemption_ids


@pytest.mark.django_db
def test_ids_link_to_pages_the_viewer_may_open(role_user):
    marketer = role_user("Marketer")
    rollbacks = {"rr_1": "r_9"}
    assert (
        object_link("redemption", "r_1", "r_1", marketer, rollbacks)
        == '<a href="/redemptions/r_1/" aria-label="r_1">r_1</a>'
    )
    assert (
        object_link("campaign", "camp_1", "camp_1", marketer, {})
        == '<a href="/campaigns/camp_1/" aria-label="camp_1">camp_1</a>'
    )
    assert object_link("redemption_rollback", "rr_1", "rr_1", marketer, rollbacks) == (
        '<a href="/redemptions/r_9/#rr_1" aria-label="rr_1">rr_1</a>'
    )
    assert object_link("redemption_rollback", "rr_2", "rr_2", marketer, rollbacks) == "rr_2"  # not found
    assert object_link("voucher", "v_1", "v_1", marketer, {}) == "v_1"  # no page of its own
    assert object_link("redemption", "r_1", "r_1", role_user(None), {}) == "r_1"  # may not open it


@pytest.mark.django_db
def test_rollback_redemption_ids_reads_only_rollback_ids():
    assert rollback_redemption_ids(["r_1", "", "camp_1"]) == {}
    assert rollback_redemption_ids(["rr_missing"]) == {}
