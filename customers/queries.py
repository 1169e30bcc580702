"""The read side of the Customers section and of /v1/customers: the list, a profile, a customer's activity.

A customer's activity is the audit trail's events that carry their id (``auditlog.models.Event.customer_id``:
their validations, redemptions, rollbacks and profile changes), newest first, read on the index
``event_customer_idx`` (customer, occurred_at, id). ``ACTIVITY_TYPES`` says each as the platform's customer
activity type (``customer.redemption.succeeded``), the one name the API answers and filters by.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from auditlog.models import Event
from campaigns.models import Campaign, Customer, Publication, Segment, Voucher
from campaigns.queries import customer_segments
from dashboard.lists import capped_count
from loyalty.models import LoyaltyCard
from redemptions.models import Redemption, RedemptionStatus
from voucherhub.errors import not_found

# The platform's customer activity type: (our event type, what its data must hold). A validation is one
# event type here, "voucher.validated", whose ``valid`` says which of the platform's two it is.
ACTIVITY_TYPES: dict[str, tuple[str, dict]] = {
    "customer.created": ("customer.created", {}),
    "customer.updated": ("customer.updated", {}),
    "customer.deleted": ("customer.deleted", {}),
    "customer.validation.succeeded": ("voucher.validated", {"valid": True}),
    "customer.validation.failed": ("voucher.validated", {"valid": False}),
    "customer.redemption.succeeded": ("redemption.succeeded", {}),
    "customer.redemption.failed": ("redemption.failed", {}),
    "customer.redemption.rollback.succeeded": ("redemption.rollback.succeeded", {}),
    "customer.redemption.rollback.failed": ("redemption.rollback.failed", {}),
    "customer.order.created": ("order.created", {}),
    "customer.order.updated": ("order.updated", {}),
    "customer.publication.succeeded": ("publication.succeeded", {}),
    "customer.publication.failed": ("publication.failed", {}),
    "customer.custom_event": ("customer.custom_event", {}),
    "customer.segment.entered": ("customer.segment.entered", {}),
}
# What the customer did (validations, redemptions, rollbacks) as against what happened to them (their profile
# changed, codes were published to them).
ACTION_TYPES = frozenset(
    name for name, (kind, _) in ACTIVITY_TYPES.items() if not kind.startswith(("customer.", "publication."))
)
EFFECT_TYPES = frozenset(ACTIVITY_TYPES) - ACTION_TYPES
EVENT_TYPES = sorted({event_type for event_type, _ in ACTIVITY_TYPES.values()})
VOUCHERS_SHOWN = 20  # the vouchers a profile lists; it says how many more the customer holds
PUBLICATIONS_SHOWN = 10  # the publications a profile lists, newest first


def activity_type(event: Event) -> str:
    """The platform's name of a customer's event (``ACTIVITY_TYPES``)."""
    for name, (event_type, data) in ACTIVITY_TYPES.items():
        if event.type == event_type and all(event.data.get(key) == value for key, value in data.items()):
            return name
    raise ValueError(f"{event.type} is not a customer activity")


def _of_types(names) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        event_type, data = ACTIVITY_TYPES[name]
        condition |= Q(type=event_type, **{f"data__{key}": value for key, value in data.items()})
    return condition


# --- the list and a profile --------------------------------------------------------------------------------


def dashboard_customers() -> QuerySet[Customer]:
    """Every customer; the list sorts and pages them by keyset (dashboard.keyset)."""
    return Customer.objects.all()


def find_customer_page(customer_id: str) -> Customer | None:
    """The customer a dashboard page is about (by its id), or None."""
    return Customer.objects.filter(pk=customer_id).first()


@dataclass
class Profile:
    segments: list[Segment]
    vouchers: list[Voucher]  # the first VOUCHERS_SHOWN, newest first
    vouchers_count: int
    vouchers_more: bool  # more than dashboard.lists.COUNT_CAP
    publications: list[Publication]  # the newest PUBLICATIONS_SHOWN
    loyalty: list[LoyaltyCard]  # the loyalty programs they are a member of, a card each
    redemptions: dict[str, tuple[int, bool]]  # status: (count, more than COUNT_CAP)
    last_redeemed_at: datetime | None


def customer_profile(customer: Customer) -> Profile:
    """What a customer's Overview shows: their segments, the vouchers they hold, the codes last published to
    them, their redemptions counted
    by status (each count capped, dashboard.lists.COUNT_CAP), and when they last redeemed."""
    held = Voucher.objects.filter(holder=customer).select_related("campaign", "loyalty").order_by("-created_at", "-id")
    vouchers_count, vouchers_more = capped_count(held)
    # One row per redeemable (a stacked call's parent row is left out), on redemption_customer_idx.
    theirs = Redemption.objects.filter(customer=customer).exclude(related_object_type="redemption")
    counts = {status: capped_count(theirs.filter(status=status)) for status in RedemptionStatus.values}
    succeeded = theirs.filter(status=RedemptionStatus.SUCCEEDED).order_by("-created_at")
    return Profile(
        segments=customer_segments(customer),
        vouchers=list(held[:VOUCHERS_SHOWN]),
        vouchers_count=vouchers_count,
        vouchers_more=vouchers_more,
        publications=list(
            customer.publications.select_related("campaign").order_by("-created_at", "-id")[:PUBLICATIONS_SHOWN]
        ),
        loyalty=list(
            LoyaltyCard.objects.filter(voucher__holder=customer, voucher__deleted_at__isnull=True)
            .select_related("voucher", "campaign")
            .order_by("-created_at", "-voucher_id")[:VOUCHERS_SHOWN]
        ),
        redemptions=counts,
        last_redeemed_at=succeeded.values_list("created_at", flat=True).first(),
    )


# --- activity ------------------------------------------------------------------------------------------------


def customer_events(customer: Customer) -> QuerySet[Event]:
    """The customer's activity, newest first (index ``event_customer_idx``)."""
    return Event.objects.filter(customer_id=customer.pk).select_related("user").order_by("-occurred_at", "-id")


def activity_page(
    customer: Customer,
    *,
    limit: int,
    order: str = "-created_at",
    starting_after_id: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    campaign_id: str | None = None,
    campaign_type: str | None = None,
    category: str | None = None,
    type: str | None = None,
) -> tuple[list[Event], bool]:
    """A page of ``GET /v1/customers/{id}/activity``: the customer's events of the platform's activity types
    in time order (``-created_at`` newest first), after the event ``starting_after_id`` (a keyset on
    occurred_at and id; ``not_found`` for an event not in this customer's activity), and whether more follow."""
    newest_first = order.startswith("-")
    names = [type] if type else ACTIVITY_TYPES
    if category:
        names = [name for name in names if name in (ACTION_TYPES if category == "ACTION" else EFFECT_TYPES)]
    rows = Event.objects.filter(_of_types(names), customer_id=customer.pk)
    if start_date:
        rows = rows.filter(occurred_at__gte=start_date)
    if end_date:
        rows = rows.filter(occurred_at__lte=end_date)
    if campaign_id:
        rows = rows.filter(campaign_id=campaign_id)
    if campaign_type:
        rows = rows.filter(campaign_id__in=Campaign.objects.filter(campaign_type=campaign_type).values("pk"))
    if starting_after_id:
        after = Event.objects.filter(pk=starting_after_id, customer_id=customer.pk).values_list("occurred_at", "id")
        if not after:
            raise not_found("event", starting_after_id, label="activity")
        seek = TupleLessThan if newest_first else TupleGreaterThan
        rows = rows.filter(seek(Tuple("occurred_at", "id"), list(after[0])))
    direction = "-" if newest_first else ""
    page = list(rows.order_by(f"{direction}occurred_at", f"{direction}id")[: limit + 1])
    return page[:limit], len(page) > limit


# --- redeemables -------------------------------------------------------------------------------------------


def customer_redeemables(
    customer: Customer, *, limit: int, order: str = "-id", starting_after_id: str | None = None
) -> tuple[list[Voucher], bool]:
    """A page of ``GET /v1/customers/{id}/redeemables``: the vouchers the customer holds, by id (ids sort by
    creation time; ``-id`` newest first), after the voucher ``starting_after_id``, and whether more follow."""
    rows = Voucher.objects.filter(holder=customer, deleted_at__isnull=True).select_related("campaign", "category")
    newest_first = order.startswith("-")
    if starting_after_id:
        rows = rows.filter(**{"pk__lt" if newest_first else "pk__gt": starting_after_id})
    page = list(rows.order_by("-id" if newest_first else "id")[: limit + 1])
    return page[:limit], len(page) > limit


def redeemable_status(voucher: Voucher, now: datetime) -> str:
    """A held voucher's state as the platform words it (CustomerRedeemable.redeemable.status)."""
    if not voucher.active:
        return "DISABLED"
    if voucher.start_date and voucher.start_date > now:
        return "NOT_ACTIVE_YET"
    if voucher.expiration_date and voucher.expiration_date < now:
        return "EXPIRED"
    if voucher.is_gift and not voucher.gift_balance:
        return "NO_BALANCE"
    if voucher.redemption_quantity is not None and voucher.redeemed_quantity >= voucher.redemption_quantity:
        return "USED"
    return "ACTIVE"
