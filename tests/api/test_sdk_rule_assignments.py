"""ValidationRulesApi.list_validation_rules_assignments through the official SDK: every assignment, or those
of one object or one rule, paged."""

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException

from tests.factories import make_campaign, make_voucher
from tests.redemptions.factories import make_rule

pytestmark = pytest.mark.django_db(transaction=True)


def test_rule_assignments_are_listed_by_object_and_by_rule(sdk):
    rules = V.ValidationRulesApi(sdk)
    voucher, campaign = make_voucher(code="RULED"), make_campaign(name="Ruled")
    first = make_rule({"name": "order.amount", "conditions": {"$more_than": [1000]}}, voucher=voucher)
    second = make_rule({"name": "order.amount", "conditions": {"$less_than": [9000]}}, campaign=campaign)
    make_rule({"name": "order.amount", "conditions": {"$more_than": [1]}}, voucher=voucher)

    everything = rules.list_validation_rules_assignments(order="created_at")
    assert (everything.object, everything.data_ref, everything.total) == ("list", "data", 3)
    assert everything.data[0].rule_id == first.pk and everything.data[0].related_object_type == "voucher"

    of_voucher = rules.list_validation_rules_assignments(related_object_id=voucher.pk)
    assert of_voucher.total == 2 and {a.related_object_id for a in of_voucher.data} == {voucher.pk}
    of_rule = rules.list_validation_rules_assignments(rule=second.pk)
    assert [(a.related_object_id, a.related_object_type) for a in of_rule.data] == [(campaign.pk, "campaign")]
    assert rules.list_validation_rules_assignments(limit=1, page=3).data[0].object == "validation_rules_assignment"

    with pytest.raises(BadRequestException):
        rules.list_validation_rules_assignments(order="name")
