"""Custom events through the official SDK (EventsApi.track_custom_event): the event is in the customer's
activity, and earns the points the loyalty programs' rules on its name give (fixed, or proportional to a
number in the event's metadata), on the card it names or every card of such a program the customer holds;
an event no rule names earns nothing; a malformed event is refused and writes nothing. Entering a segment
(a customer's metadata coming to match an auto-update segment, or a new static segment listing them) earns
by the rules on customer.segment.entered for it, once per entry."""

import json

import pytest
import voucherify as V

from auditlog.models import Event
from campaigns.models import Customer
from loyalty.models import LoyaltyCard, PointsTransaction

from .test_sdk_loyalty_cards import join, program
from .test_sdk_loyalty_earning import rules

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW = {"event": "review.written", "loyalty": {"type": "FIXED", "points": 30}, "source": {"banner": "A review"}}
PER_STAR = {
    "event": "review.written",
    "loyalty": {
        "type": "PROPORTIONAL",
        "calculation_type": "CUSTOM_EVENT_METADATA",
        "custom_event": {"metadata": {"every": 1, "points": 10, "property": "stars"}},
    },
    "source": {"banner": "Ten a star"},
}


def track(sdk, body: dict):
    return V.EventsApi(sdk).track_custom_event(V.EventsCreateRequestBody.from_dict(body))


def balance(code: str) -> int:
    return LoyaltyCard.objects.get(voucher__code=code).balance


def test_a_custom_event_earns_by_the_rules_on_its_name_and_shows_in_the_activity(sdk):
    club = program(sdk, points=0)
    other = program(sdk, name="Other club", points=0)
    rules(sdk, club.id, REVIEW, PER_STAR)
    ann, ann_other = join(sdk, club.id, "ann"), join(sdk, other.id, "ann")

    tracked = track(sdk, {"event": "review.written", "customer": {"source_id": "ann"}, "metadata": {"stars": 4}})
    assert (tracked.object, tracked.type, tracked.customer.source_id) == ("event", "review.written", "ann")
    assert balance(ann.code) == 30 + 40 and balance(ann_other.code) == 0  # the other program has no such rule
    earned = PointsTransaction.objects.filter(card__voucher__code=ann.code, type="POINTS_ACCRUAL")
    assert sorted((e.points, e.reason, e.event) for e in earned) == [
        (30, "A review", "review.written"),
        (40, "Ten a star", "review.written"),
    ]
    activity = V.CustomersApi(sdk).list_customer_activity(tracked.customer.id)
    assert "customer.custom_event" in [a.type for a in activity.data]

    track(sdk, {"event": "newsletter.read", "customer": {"source_id": "ann"}})  # no rule: no points
    assert balance(ann.code) == 70
    track(sdk, {"event": "review.written", "customer": {"source_id": "bob", "name": "Bob"}})
    assert Customer.objects.get(source_id="bob").name == "Bob"  # created on first sight; no card: no points


def test_an_event_naming_a_card_earns_on_that_card_only(sdk):
    club, other = program(sdk, points=0), program(sdk, name="Other club", points=0)
    rules(sdk, club.id, REVIEW)
    rules(sdk, other.id, REVIEW)
    first, second = join(sdk, club.id, "ann"), join(sdk, other.id, "ann")  # a card in each program
    track(sdk, {"event": "review.written", "customer": {"source_id": "ann"}, "loyalty": {"code": second.code}})
    assert (balance(first.code), balance(second.code)) == (0, 30)


@pytest.mark.parametrize(
    "body, says",
    [
        ({"event": "x"}, "customer"),
        ({"event": "x", "customer": {"name": "Nobody"}}, "customer needs an id or a source_id"),
        ({"event": "", "customer": {"source_id": "ann"}}, "event"),
        ({"event": "x", "customer": {"source_id": "ann"}, "referral": {}}, "referral needs a code or a referrer_id"),
    ],
)
def test_a_malformed_event_is_refused_and_writes_nothing(api, body, says):
    response = api.post("/v1/events", body)
    assert response.status_code == 400, response.content
    error = json.loads(response.content)
    assert error["code"] == 400 and says in error["details"]
    assert not Event.objects.filter(type="customer.custom_event").exists()


SEGMENT_RULE = {"event": "customer.segment.entered", "loyalty": {"type": "FIXED", "points": 25}}


def test_entering_a_segment_earns_by_the_rules_on_it_once_per_entry(sdk):
    club = program(sdk, points=0)
    customers = V.CustomersApi(sdk)
    ann = customers.create_customer(V.CustomersCreateRequestBody(source_id="ann"))
    card = join(sdk, club.id, "ann")
    segments = V.SegmentsApi(sdk)
    vip = segments.create_segment(
        V.SegmentsCreateRequestBody.from_dict({"name": "VIP", "type": "auto-update", "filter": {"tier": "vip"}})
    )
    rules(sdk, club.id, {**SEGMENT_RULE, "segment": {"id": vip.id}, "source": {"banner": "Welcome, VIP"}})

    update = V.CustomersUpdateRequestBody.from_dict({"metadata": {"tier": "vip"}})
    customers.update_customer(ann.id, update)  # enters VIP
    assert balance(card.code) == 25
    customers.update_customer(ann.id, V.CustomersUpdateRequestBody.from_dict({"metadata": {"city": "Oslo"}}))
    assert balance(card.code) == 25  # still in VIP: no new entry
    customers.update_customer(ann.id, V.CustomersUpdateRequestBody.from_dict({"metadata": {"tier": "basic"}}))
    customers.update_customer(ann.id, update)  # left and entered again
    assert balance(card.code) == 50
    entries = Event.objects.filter(type="customer.segment.entered", customer_id=ann.id)
    assert [e.resource_id for e in entries] == [vip.id, vip.id]
    activity = customers.list_customer_activity(ann.id)
    assert "customer.segment.entered" in [a.type for a in activity.data]

    static = segments.create_segment(
        V.SegmentsCreateRequestBody.from_dict({"name": "Beta", "type": "static", "customers": [ann.id]})
    )
    assert Event.objects.filter(type="customer.segment.entered", resource_id=static.id).count() == 1
    assert balance(card.code) == 50  # listed in a new static segment: entered, but no rule is on it
