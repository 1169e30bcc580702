"""Who sees a customer's identifiers (voucherhub.privacy): JSON, paths, ids and IP addresses, by permission."""

from types import SimpleNamespace

import pytest

from voucherhub.privacy import HIDDEN, hide_customer_data, shown_identifier, shown_path, shown_resource_id

pytestmark = pytest.mark.django_db


def test_a_customers_id_is_hidden_with_the_rest_of_their_data():
    body = {
        "customer": {"id": "cust_1", "object": "customer", "source_id": "ann@x.io", "name": "Ann"},
        "customer_id": "cust_1",
        "ip": "203.0.113.7",
        "voucher": {"id": "v_1", "code": "TEN"},
    }
    assert hide_customer_data(body) == {
        "customer": {"id": HIDDEN, "object": "customer", "source_id": HIDDEN, "name": HIDDEN},
        "customer_id": HIDDEN,
        "ip": HIDDEN,
        "voucher": {"id": "v_1", "code": "TEN"},  # ids of anything else stay
    }
    assert hide_customer_data({"customer": "cust_1"}) == {"customer": HIDDEN}


def test_ids_paths_and_addresses_by_permission(role_user):
    marketer, admin = role_user("Marketer"), role_user("Admin")
    assert shown_identifier("203.0.113.7", marketer) == HIDDEN
    assert shown_identifier("203.0.113.7", admin) == "203.0.113.7"
    assert shown_identifier(None, marketer) == ""
    assert shown_path("/v1/customers/cust_1", marketer) == f"/v1/customers/{HIDDEN}"
    assert shown_path("/v1/customers/cust_1", admin) == "/v1/customers/cust_1"
    customer_event = SimpleNamespace(resource_type="customer", resource_id="cust_1")
    voucher_event = SimpleNamespace(resource_type="voucher", resource_id="v_1")
    assert shown_resource_id(customer_event, marketer) == HIDDEN
    assert shown_resource_id(customer_event, admin) == "cust_1"
    assert shown_resource_id(voucher_event, marketer) == "v_1"
