"""/v1/customers, /v1/segments, /v1/validation-rules and /v1/categories as an API user sees them."""

import pytest
import voucherify as V

from auditlog.models import Event
from campaigns.models import Customer, Segment, ValidationRule, ValidationRuleAssignment
from stacking.models import Category
from tests.api.test_plumbing import assert_error_shape
from tests.factories import make_campaign, make_customer, make_voucher

pytestmark = pytest.mark.django_db

# --- customers -------------------------------------------------------------------------------------------


def test_creating_a_customer_answers_the_customer_object_and_upserts_by_source_id(api):
    response = api.post(
        "/v1/customers",
        {"source_id": "shop-42", "name": "Ada", "email": "ada@example.com", "metadata": {"tier": "gold"}, "phone": "1"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    V.CustomersCreateResponseBody.from_dict(body)
    assert body["id"].startswith("cust_") and body["object"] == "customer"
    assert {k: body[k] for k in ("source_id", "name", "email", "metadata", "description")} == {
        "source_id": "shop-42",
        "name": "Ada",
        "email": "ada@example.com",
        "metadata": {"tier": "gold"},
        "description": None,
    }
    assert "summary" not in body and body["created_at"].endswith("Z")

    again = api.post("/v1/customers", {"source_id": "shop-42", "metadata": {"city": "Paris"}}).json()
    assert again["id"] == body["id"] and again["name"] == "Ada"
    assert again["metadata"] == {"tier": "gold", "city": "Paris"}
    assert Customer.objects.count() == 1
    assert Event.objects.filter(type="customer.created", resource_id=body["id"]).count() == 1


def test_a_customer_without_source_id_is_created_anonymous(api):
    body = api.post("/v1/customers", {"name": "Walk-in"}).json()
    assert body["source_id"] is None and body["name"] == "Walk-in"


@pytest.mark.parametrize(
    "body",
    [{"source_id": 42}, {"source_id": "x", "metadata": "m"}, {"source_id": "x" * 201}, {"source_id": "a\u0000b"}],
)
def test_a_bad_customer_body_is_a_400(api, body):
    assert_error_shape(api.post("/v1/customers", body), 400, "invalid_payload")
    assert not Customer.objects.exists()


def test_getting_and_updating_a_customer_by_id_or_source_id(api):
    customer = make_customer(source_id="c-1", name="Old", metadata={"a": 1})
    assert api.get(f"/v1/customers/{customer.id}").json()["source_id"] == "c-1"
    got = api.get("/v1/customers/c-1").json()
    V.CustomersGetResponseBody.from_dict(got)
    assert got["id"] == customer.id
    updated = api.put("/v1/customers/c-1", {"name": "New", "metadata": {"b": 2}, "source_id": "ignored"}).json()
    V.CustomersUpdateResponseBody.from_dict(updated)
    assert updated["name"] == "New" and updated["metadata"] == {"a": 1, "b": 2} and updated["source_id"] == "c-1"
    assert_error_shape(api.get("/v1/customers/nobody"), 404, "not_found")
    assert_error_shape(api.put("/v1/customers/nobody", {"name": "x"}), 404, "not_found")


def test_listing_customers(api):
    for n in range(3):
        make_customer(source_id=f"s-{n}", email=f"p{n}@example.com")
    body = api.get("/v1/customers", {"limit": 2}).json()
    V.CustomersListResponseBody.from_dict(body)
    assert body["data_ref"] == "customers" and body["total"] == 3 and len(body["customers"]) == 2
    assert api.get("/v1/customers", {"email": "P1@example.com"}).json()["customers"][0]["source_id"] == "s-1"
    assert [c["source_id"] for c in api.get("/v1/customers", {"order": "source_id"}).json()["customers"]] == [
        "s-0",
        "s-1",
        "s-2",
    ]
    assert_error_shape(api.get("/v1/customers", {"page": -1}), 400, "invalid_query_params")


# --- segments --------------------------------------------------------------------------------------------


def test_creating_a_static_segment_with_its_customers(api):
    a, b = make_customer(source_id="a"), make_customer(source_id="b")
    response = api.post("/v1/segments", {"name": "Beta", "type": "static", "customers": [a.id, "b"]})
    assert response.status_code == 200, response.content
    body = response.json()
    V.SegmentsCreateResponseBody.from_dict(body)
    assert body["id"].startswith("seg_") and body["type"] == "static" and body["object"] == "segment"
    assert set(Segment.objects.get(pk=body["id"]).customers.values_list("pk", flat=True)) == {a.id, b.id}
    V.SegmentsGetResponseBody.from_dict(api.get(f"/v1/segments/{body['id']}").json())
    assert [c["source_id"] for c in api.get("/v1/customers", {"segment_id": body["id"]}).json()["customers"]] == [
        "b",
        "a",
    ]
    assert_error_shape(
        api.post("/v1/segments", {"name": "X", "type": "static", "customers": ["ghost"]}), 404, "not_found"
    )


def test_an_auto_update_segment_stores_its_metadata_filter(api):
    platform = {"junction": "and", "metadata.tier": {"conditions": {"$in": ["gold", "platinum"]}}}
    body = api.post("/v1/segments", {"name": "VIP", "type": "auto-update", "filter": platform}).json()
    assert body["filter"] == {"tier": ["gold", "platinum"]}
    simple = api.post("/v1/segments", {"name": "PL", "type": "auto-update", "filter": {"country": "PL"}}).json()
    assert Segment.objects.get(pk=simple["id"]).filter == {"country": "PL"}
    make_customer(source_id="g", metadata={"tier": "gold"})
    make_customer(source_id="s", metadata={"tier": "silver"})
    assert [c["source_id"] for c in api.get("/v1/customers", {"segment_id": body["id"]}).json()["customers"]] == ["g"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "type": "passive"},
        {"name": "X", "type": "auto-update"},
        {"name": "X", "type": "auto-update", "filter": {"junction": "or", "tier": "a"}},
        {"name": "X", "type": "auto-update", "filter": {"metadata.tier": {"conditions": {"$starts_with": "g"}}}},
        {"name": "X", "type": "auto-update", "filter": {"tier": {"nested": True}}},
    ],
)
def test_a_segment_the_engine_cannot_match_is_refused(api, body):
    assert_error_shape(api.post("/v1/segments", body), 400, "invalid_payload")
    assert not Segment.objects.exists()


def test_deleting_a_segment(api):
    segment = Segment.objects.create(name="Gone")
    assert api.delete(f"/v1/segments/{segment.id}").status_code == 204
    assert_error_shape(api.get(f"/v1/segments/{segment.id}"), 404, "not_found")


# --- validation rules ------------------------------------------------------------------------------------

MIN_ORDER = {
    "name": "Orders from 100.00",
    "error": {"message": "Spend 100.00 first"},
    "rules": {
        "1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [10000]}, "rules": {}},
        "2": {"name": "customer.metadata", "property": "tier", "conditions": {"$in": ["gold"]}, "rules": {}},
        "3": {"name": "order.items.any", "conditions": {"$is": [{"object": "product", "source_id": "p1"}]}},
        "logic": "1 and (2 or 3)",
    },
    "applicable_to": {"included": [{"object": "product", "id": "prod_1"}], "excluded": []},
    "type": "expression",
    "context_type": "global",
}


def test_creating_a_validation_rule_stores_its_rules_unchanged(api):
    response = api.post("/v1/validation-rules", MIN_ORDER)
    assert response.status_code == 200, response.content
    body = response.json()
    V.ValidationRulesCreateResponseBody.from_dict(body)
    assert body["id"].startswith("val_") and body["name"] == "Orders from 100.00"
    assert body["rules"] == MIN_ORDER["rules"] and ValidationRule.objects.get().rules == MIN_ORDER["rules"]
    assert body["error"] == {"message": "Spend 100.00 first"} and body["assignments_count"] == 0
    assert body["applicable_to"] == {
        "included": [{"object": "product", "id": "prod_1", "effect": "APPLY_TO_EVERY"}],
        "excluded": [],
        "included_all": False,
    }
    assert (body["type"], body["context_type"]) == ("expression", "global")
    assert Event.objects.filter(type="validation_rule.created", resource_id=body["id"]).exists()


def _rule(name: str, conditions: dict, **extra) -> dict:
    return {"name": "R", "rules": {"1": {"name": name, "conditions": conditions, **extra}, "logic": "1"}}


@pytest.mark.parametrize(
    "body",
    [
        _rule("order.total_weight", {"$is": [1]}),
        _rule("order.amount", {"$regex": [1]}),
        _rule("order.amount", {"$more_than": ["lots"]}),
        _rule("order.amount", {"$more_than": 100}),
        _rule("customer.metadata", {"$is": ["gold"]}),
        _rule("customer.segment", {"$is": ["seg_missing"]}),
        _rule("order.items.any", {"$is": [{"object": "category", "id": "x"}]}),
        _rule("redemption.count.per_customer", {"$less_than_or_equal": [-1]}),
        _rule("order.amount", {"$is": [1]}, rules={"1": {"name": "order.amount"}}),
        {"name": "R", "rules": {"1": {"name": "order.amount", "conditions": {"$is": [1]}}}},
        {"name": "R", "rules": {"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "1 and 2"}},
        {"name": "R", "rules": {"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "(1"}},
        {"name": "R", "rules": {"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "1; drop"}},
        {"name": "R", "rules": {"x": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "x"}},
    ],
    ids=lambda body: str(body["rules"])[:70],
)
def test_a_rule_the_engine_cannot_evaluate_is_refused(api, body):
    assert_error_shape(api.post("/v1/validation-rules", body), 400, "invalid_validation_rules")
    assert not ValidationRule.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"rules": {}},
        {"name": "R", "rules": []},
        {"name": "R", "error": "text"},
        {"name": "R", "applicable_to": {"included": [{"object": "product", "effect": "APPLY_TO_NONE"}]}},
    ],
)
def test_a_bad_rule_body_is_a_400_invalid_payload(api, body):
    assert_error_shape(api.post("/v1/validation-rules", body), 400, "invalid_payload")


def test_reading_updating_listing_and_deleting_rules(api):
    rule = api.post("/v1/validation-rules", MIN_ORDER).json()
    got = api.get(f"/v1/validation-rules/{rule['id']}").json()
    V.ValidationRulesGetResponseBody.from_dict(got)
    assert got == rule
    updated = api.put(f"/v1/validation-rules/{rule['id']}", {"name": "Renamed", "error": {"message": "Nope"}}).json()
    V.ValidationRulesUpdateResponseBody.from_dict(updated)
    assert updated["name"] == "Renamed" and updated["error"]["message"] == "Nope" and updated["rules"] == rule["rules"]
    bad = {"rules": {"1": {"name": "nope", "conditions": {"$is": [1]}}, "logic": "1"}}
    assert_error_shape(api.put(f"/v1/validation-rules/{rule['id']}", bad), 400, "invalid_validation_rules")

    api.post("/v1/validation-rules", {"name": "Second"})
    listed = api.get("/v1/validation-rules", {"order": "name"}).json()
    V.ValidationRulesListResponseBody.from_dict(listed)
    assert listed["data_ref"] == "data" and [r["name"] for r in listed["data"]] == ["Renamed", "Second"]

    assert api.delete(f"/v1/validation-rules/{rule['id']}").status_code == 204
    assert_error_shape(api.get(f"/v1/validation-rules/{rule['id']}"), 404, "not_found")
    assert_error_shape(api.delete(f"/v1/validation-rules/{rule['id']}"), 404, "not_found")


def test_assigning_a_rule_to_a_voucher_campaign_and_tier(api):
    rule = api.post("/v1/validation-rules", MIN_ORDER).json()
    voucher = make_voucher(code="RULED")
    campaign = make_campaign(name="Ruled campaign")
    url = f"/v1/validation-rules/{rule['id']}/assignments"

    response = api.post(url, {"related_object_type": "voucher", "related_object_id": "RULED"})
    assert response.status_code == 200, response.content
    body = response.json()
    V.ValidationRulesAssignmentsCreateResponseBody.from_dict(body)
    assert body["id"].startswith("asgm_") and body["rule_id"] == rule["id"]
    assert (body["related_object_type"], body["related_object_id"]) == ("voucher", voucher.id)
    assert body["object"] == "validation_rules_assignment"
    assert api.get("/v1/vouchers/RULED").json()["validation_rules_assignments"]["data"] == [body]

    on_campaign = api.post(url, {"related_object_type": "campaign", "related_object_id": "Ruled campaign"}).json()
    assert on_campaign["related_object_id"] == campaign.id
    assert_error_shape(
        api.post(url, {"related_object_type": "voucher", "related_object_id": "RULED"}), 409, "duplicate_found"
    )
    assert_error_shape(api.post(url, {"related_object_type": "voucher", "related_object_id": "NOPE"}), 404, "not_found")
    assert_error_shape(
        api.post(url, {"related_object_type": "earning_rule", "related_object_id": "x"}), 400, "invalid_payload"
    )
    assert_error_shape(
        api.post(
            "/v1/validation-rules/val_nope/assignments",
            {"related_object_type": "voucher", "related_object_id": "RULED"},
        ),
        404,
        "not_found",
    )
    assert api.get(f"/v1/validation-rules/{rule['id']}").json()["assignments_count"] == 2
    listed = api.get(url).json()
    V.ValidationRulesAssignmentsListResponseBody.from_dict(listed)
    assert listed["total"] == 2
    assert api.delete(f"{url}/{body['id']}").status_code == 204
    assert ValidationRuleAssignment.objects.count() == 1


def test_a_voucher_body_can_carry_its_rules(api):
    rule = api.post("/v1/validation-rules", MIN_ORDER).json()
    body = api.post(
        "/v1/vouchers/WITH-RULE", {"discount": {"type": "AMOUNT", "amount_off": 100}, "validation_rules": [rule["id"]]}
    ).json()
    assert [a["rule_id"] for a in body["validation_rules_assignments"]["data"]] == [rule["id"]]


# --- categories ------------------------------------------------------------------------------------------


def test_category_lifecycle(api):
    response = api.post("/v1/categories", {"name": "Seasonal", "hierarchy": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    V.CategoriesCreateResponseBody.from_dict(body)
    assert body["id"].startswith("cat_") and body["object"] == "category"
    assert (body["name"], body["hierarchy"]) == ("Seasonal", 3) and body["created_at"].endswith("Z")
    assert Event.objects.filter(type="category.created", resource_id=body["id"]).exists()

    assert_error_shape(api.post("/v1/categories", {"name": "Seasonal", "hierarchy": 1}), 409, "duplicate_found")
    api.post("/v1/categories", {"name": "First", "hierarchy": 0})
    listed = api.get("/v1/categories").json()
    V.CategoriesListResponseBody.from_dict(listed)
    assert listed["data_ref"] == "data" and [c["name"] for c in listed["data"]] == ["First", "Seasonal"]

    got = api.get(f"/v1/categories/{body['id']}").json()
    V.CategoriesGetResponseBody.from_dict(got)
    updated = api.put(f"/v1/categories/{body['id']}", {"hierarchy": 7}).json()
    V.CategoriesUpdateResponseBody.from_dict(updated)
    assert (updated["name"], updated["hierarchy"]) == ("Seasonal", 7)
    assert_error_shape(api.put(f"/v1/categories/{body['id']}", {"name": "First"}), 409, "duplicate_found")

    voucher = make_voucher(code="IN-CAT", category=Category.objects.get(pk=body["id"]))
    assert api.get("/v1/vouchers/IN-CAT").json()["categories"][0]["name"] == "Seasonal"
    assert api.delete(f"/v1/categories/{body['id']}").status_code == 204
    voucher.refresh_from_db()
    assert voucher.category is None
    assert_error_shape(api.get(f"/v1/categories/{body['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X"},
        {"hierarchy": 1},
        {"name": "X", "hierarchy": -1},
        {"name": "X", "hierarchy": "1"},
        {"name": "X" * 101, "hierarchy": 1},
    ],
)
def test_a_bad_category_body_is_a_400(api, body):
    assert_error_shape(api.post("/v1/categories", body), 400, "invalid_payload")
    assert not Category.objects.exists()
