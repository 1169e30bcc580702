"""/v1/customers: create (upsert by source_id), list, get, update, delete, a customer's segments, activity and
the codes they hold; /v1/events: a customer's custom event. voucherhub.api gives auth and the error shape; the
services are campaigns' (the engine creates customers too), the reads are campaigns.queries and this app's."""

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router

from campaigns import queries as catalogue
from campaigns.serializers import customer_full_json, customer_json
from campaigns.services import customers as customer_services
from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query
from voucherhub.api.rendering import offset_page
from voucherhub.ids import new_id
from voucherhub.wire import iso, list_json

from . import services
from .queries import activity_page, customer_redeemables
from .schemas import ActivityQuery, CustomerIn, CustomerListQuery, CustomerUpdateIn, EventIn, RedeemablesQuery
from .serializers import activity_json, redeemable_json
from .services import CustomEvent

router = Router(tags=["customers"])


def _body(payload) -> dict:
    return payload.model_dump(exclude_none=True) if payload is not None else {}


@router.post("/customers", summary="Create or update a customer (upsert by source_id)")
def create_customer(request, payload: CustomerIn):
    return customer_full_json(customer_services.create_customer(caller=caller_of(request), **_body(payload)))


@router.get("/customers", summary="List customers", openapi_extra=documented_query(CustomerListQuery))
def list_customers(request):
    query = parse_query(request, CustomerListQuery)
    qs = catalogue.customer_list(**query.model_dump(exclude={"limit", "page"}, exclude_none=True))
    items, total = offset_page(qs, offset=query.offset, limit=query.limit)
    return list_json("customers", [customer_full_json(c) for c in items], total)


@router.get("/customers/{customer_id}", summary="Get a customer by id or source_id")
def get_customer(request, customer_id: str):
    return customer_full_json(catalogue.find_customer(customer_id))


@router.put("/customers/{customer_id}", summary="Update a customer (by id or source_id)")
def update_customer(request, customer_id: str, payload: CustomerUpdateIn):
    customer = customer_services.update_customer(caller=caller_of(request), ref=customer_id, **_body(payload))
    return customer_full_json(customer)


@router.delete("/customers/{customer_id}", summary="Delete a customer (by id or source_id)")
def delete_customer(request, customer_id: str):
    customer_services.delete_customer(caller=caller_of(request), ref=customer_id)
    return HttpResponse(status=204)


@router.get("/customers/{customer_id}/segments", summary="List the segments a customer belongs to")
def list_customer_segments(request, customer_id: str):
    segments = catalogue.customer_segments(catalogue.find_customer(customer_id))
    data = [{"id": segment.id, "name": segment.name, "object": "segment"} for segment in segments]
    return {"object": "list", "data_ref": "data", "data": data, "total": len(data)}


@router.get("/customers/{customer_id}/activities", include_in_schema=False)  # the JavaScript SDK's older name
@router.get(
    "/customers/{customer_id}/activity",
    summary="List a customer's activity (validations, redemptions, rollbacks, profile changes)",
    openapi_extra=documented_query(ActivityQuery),
)
def list_customer_activity(request, customer_id: str):
    customer = catalogue.find_customer(customer_id)
    query = parse_query(request, ActivityQuery)
    events, has_more = activity_page(customer, **query.model_dump(exclude_none=True))
    body = {"object": "list", "data_ref": "data", "data": [activity_json(e) for e in events], "has_more": has_more}
    if has_more:
        body["more_starting_after"] = events[-1].id
    return body


@router.get(
    "/customers/{customer_id}/redeemables",
    summary="List the codes a customer holds (published to them, or created for them)",
    openapi_extra=documented_query(RedeemablesQuery),
)
def list_customer_redeemables(request, customer_id: str):
    customer = catalogue.find_customer(customer_id)
    query = parse_query(request, RedeemablesQuery)
    vouchers, has_more = customer_redeemables(customer, **query.model_dump(exclude_none=True))
    now = timezone.now()
    body = {
        "object": "list",
        "data_ref": "data",
        "data": [redeemable_json(v, now) for v in vouchers],
        "total": len(vouchers),
        "has_more": has_more,
    }
    if has_more:
        body["more_starting_after"] = vouchers[-1].id
    return body


@router.post(
    "/customers/{customer_id}/permanent-deletion",
    summary="Delete a customer and erase their personal data from their events and request logs",
)
def delete_customer_permanently(request, customer_id: str):
    erased = customer_services.delete_customer_permanently(caller=caller_of(request), ref=customer_id)
    return {
        "id": new_id("del_"),
        "created_at": iso(timezone.now()),
        "related_object_id": erased["customer_id"],
        "related_object": "customer",
        "status": "DONE",
        "data_json": {
            "events": erased["events"],
            "customer_events": erased["events"],
            "daily_events": 0,
            "segments": erased["segments"],
            "orders": erased["orders"],
            "order_events": 0,
            "customer": 1,
        },
        "object": "pernament_deletion",  # sic: the platform's (and its SDK's) spelling
    }


@router.post("/events", summary="Track a custom event of a customer (it earns the loyalty points rules give)")
def track_custom_event(request, payload: EventIn):
    event = CustomEvent(
        name=payload.event,
        customer=payload.customer.model_dump(exclude_none=True),
        loyalty_code=payload.loyalty.code if payload.loyalty is not None else None,
        referral_code=payload.referral.code if payload.referral is not None else None,
        referrer_id=payload.referral.referrer_id if payload.referral is not None else None,
        metadata=dict(payload.metadata or {}),
    )
    customer, _ = services.track_custom_event(event, caller=caller_of(request))
    return {"object": "event", "type": payload.event, "customer": customer_json(customer),
            "referral": None, "loyalty": None, "metadata": event.metadata}  # fmt: skip
