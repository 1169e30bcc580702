"""Read side of redemptions for /v1/: the list (redemptions and rollbacks together), one entry, a voucher's.

``GET /v1/redemptions`` takes the SDK's query parameters: ``limit``, ``page``,
``result`` (repeatable), ``campaign`` (name), ``customer`` (id or source_id), ``order`` (sort),
``created_at[before|after]`` and ``filters[<field>][conditions][<op>]=<value>`` with ``filters[junction]``.
List values are accepted as the SDK's Python repr (``['A', 'B']``), JSON, comma-separated text or repeated
parameters. A bad value raises an ``invalid_query_params`` DomainError.

Both tables are filtered and sorted in the database; the page is cut from the first ``page * limit`` rows
of each (ids and sort keys only), merged, and only that page is loaded with its relations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime

from campaigns.models import Campaign, Order
from voucherhub.errors import DomainError, invalid_query_params
from voucherhub.wire import query_list

from .models import Redemption, RedemptionResult, RelatedObjectType, Rollback

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_PAGE = 99  # as the platform (the SDK refuses more); page * limit ids are read from each table

SORTS = {
    "created_at": ("created_at", "created_at"),
    "id": ("id", "id"),
    "voucher_code": ("voucher_code", "redemption__voucher_code"),
    "tracking_id": ("tracking_id", "tracking_id"),
    "customer_id": ("customer_id", "redemption__customer_id"),
}

# filters[<field>] -> (lookup on Redemption, lookup on Rollback); None = not a column of that table.
FIELDS: dict[str, tuple[str | None, str | None]] = {
    "voucher_code": ("voucher_code", "redemption__voucher_code"),
    "related_object_id": ("_related_object_id", "_related_object_id"),
    "related_object_parent_id": ("campaign_id", "redemption__campaign_id"),
    "parent_redemption_id": ("parent_id", "redemption__parent_id"),
    "failure_code": ("failure_code", "failure_code"),
    "result": ("result", "result"),
    "customer_id": ("customer_id", "redemption__customer_id"),
    "campaign_name": ("campaign__name", "redemption__campaign__name"),
    "user_login": ("user__username", "user__username"),
    "order_id": ("order_id", "redemption__order_id"),
    "channel": ("channel_id", "channel_id"),  # also matches channel_type (API / USER): see _condition
    "status": ("status", "status"),
}
OPERATORS = (
    "$is",
    "$is_not",
    "$in",
    "$not_in",
    "$has_value",
    "$is_unknown",
    "$starts_with",
    "$ends_with",
    "$contains",
    "$not_contain",
)
_FILTER = re.compile(r"^filters\[([^\]]+)\](?:\[conditions\])?\[(\$[a-z_]+)\]$")


def bad_query(details: str) -> DomainError:
    return invalid_query_params(details)


@dataclass
class ListQuery:
    limit: int
    page: int
    sort_field: str
    descending: bool
    redemption_q: Q
    rollback_q: Q
    objects: set[str]  # "redemption", "redemption_rollback"


def _int(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_query(f"Query parameter {name} must be an integer") from None
    if not low <= value <= high:
        raise bad_query(f"Query parameter {name} must be between {low} and {high}")
    return value


def _moment(name: str, raw: str, *, end_of_day: bool = False) -> datetime:
    try:
        value = parse_datetime(raw.replace(" ", "+")) if "T" in raw or ":" in raw else None
        day = parse_date(raw) if raw and value is None else None
    except ValueError:  # well formed, but no such day or time: 2026-13-45T99:99
        value = day = None
    if value is None:
        if day is None:
            raise bad_query(f"Query parameter {name} must be an ISO 8601 date or date-time")
        value = datetime.combine(day, time.max if end_of_day else time.min)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _values(raw_values: list[str]) -> list[str]:
    """``['A', 'B']`` (the SDK's repr), ``["A","B"]``, ``A,B`` or repeated parameters -> ``["A", "B"]``."""
    values: list[str] = []
    for raw in raw_values:
        try:
            values.extend(query_list(raw))
        except ValueError as exc:
            raise bad_query(str(exc)) from None
    return values


def _condition(lookup: str, op: str, raw_values: list[str]) -> Q:
    if lookup == "channel_id" and op in ("$is", "$in", "$is_not", "$not_in"):
        values = _values(raw_values) if op in ("$in", "$not_in") else [raw_values[-1]]
        q = Q(channel_id__in=values) | Q(channel_type__in=values)
        return ~q if op in ("$is_not", "$not_in") else q
    if op in ("$in", "$not_in"):
        values = _values(raw_values)
        q = Q(**{f"{lookup}__in": values})
        return ~q if op == "$not_in" else q
    value = raw_values[-1]
    if op == "$is":
        return Q(**{lookup: value})
    if op == "$is_not":
        return ~Q(**{lookup: value})
    if op == "$has_value":
        return Q(**{f"{lookup}__isnull": False}) & ~Q(**{lookup: ""})
    if op == "$is_unknown":
        return Q(**{f"{lookup}__isnull": True}) | Q(**{lookup: ""})
    if op == "$starts_with":
        return Q(**{f"{lookup}__startswith": value})
    if op == "$ends_with":
        return Q(**{f"{lookup}__endswith": value})
    if op == "$contains":
        return Q(**{f"{lookup}__contains": value})
    return ~Q(**{f"{lookup}__contains": value})  # $not_contain


def _field_lookups(name: str) -> tuple[str | None, str | None]:
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith("metadata.") and len(name) > len("metadata."):
        key = name[len("metadata.") :]
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", key):
            raise bad_query(f"Unsupported metadata key {key!r}")
        return f"metadata__{key}", f"metadata__{key}"
    raise bad_query(f"Unknown filter field {name!r}")


def parse_list_query(params) -> ListQuery:
    """The list's query string (a Django QueryDict) as database conditions; a bad value raises
    ``invalid_query_params``."""
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists()):
        raise bad_query("Query parameters must not contain the NUL character")
    params = _without_unset_filters(params)
    limit = _int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    page = _int(params, "page", 1, 1, MAX_PAGE)
    sort = params.get("order") or "-created_at"
    descending = sort.startswith("-")
    sort_field = sort.lstrip("-")
    if sort_field not in SORTS or sort.count("-") > 1:
        raise bad_query(f"Unknown sort order {sort!r}")
    red_q, rb_q = _plain_conditions(params)
    junction = (params.get("filters[junction]") or "and").lower()
    if junction not in ("and", "or"):
        raise bad_query("filters[junction] must be and or or")
    red_parts, rb_parts, objects = _filters(params, junction)
    if red_parts:
        red_q &= _combine(red_parts, junction)
        rb_q &= _combine(rb_parts, junction)
    return ListQuery(limit, page, sort_field, descending, red_q, rb_q, objects)


# What the official Python SDK sends for every filter field left unset when a filter is built with
# ParameterFiltersListRedemptions.from_dict: the text of Python's None. Such a filter is no condition.
SDK_UNSET = "None"


def _without_unset_filters(params):
    """``params`` without the ``filters[...]`` whose every value is SDK_UNSET."""
    unset = [key for key, values in params.lists() if key.startswith("filters[") and set(values) == {SDK_UNSET}]
    if not unset:
        return params
    params = params.copy()
    for key in unset:
        del params[key]
    return params


def _plain_conditions(params) -> tuple[Q, Q]:
    """``result``, ``campaign``, ``customer`` and ``created_at[before|after]``, for redemptions and rollbacks."""
    red_q, rb_q = Q(), Q()
    results = _values(params.getlist("result"))
    for value in results:
        if value not in RedemptionResult.values:
            raise bad_query("Query parameter result must be SUCCESS or FAILURE")
    if results:
        red_q &= Q(result__in=results)
        rb_q &= Q(result__in=results)
    if campaign := params.get("campaign"):
        red_q &= Q(campaign__name=campaign)
        rb_q &= Q(redemption__campaign__name=campaign)
    if customer := params.get("customer"):
        red_q &= Q(customer_id=customer) | Q(customer__source_id=customer)
        rb_q &= Q(redemption__customer_id=customer) | Q(redemption__customer__source_id=customer)
    for bound, op in (("before", "lt"), ("after", "gt")):
        raw = params.get(f"created_at[{bound}]")
        if raw:
            moment = _moment(f"created_at[{bound}]", raw, end_of_day=bound == "after")
            red_q &= Q(**{f"created_at__{op}": moment})
            rb_q &= Q(**{f"created_at__{op}": moment})
    return red_q, rb_q


def _filters(params, junction: str) -> tuple[list[Q], list[Q], set[str]]:
    """``filters[field][conditions][$op]=...``: a condition each for redemptions and rollbacks, and the
    kinds of entries listed (``filters[object]``)."""
    red_parts: list[Q] = []
    rb_parts: list[Q] = []
    objects = {"redemption", "redemption_rollback"}
    for name in params:
        if not name.startswith("filters[") or name == "filters[junction]":
            continue
        match = _FILTER.match(name)
        if match is None:
            raise bad_query(f"Cannot read the filter {name!r}")
        field, op = match.groups()
        if op not in OPERATORS:
            raise bad_query(f"Unknown filter operator {op!r}")
        raw_values = params.getlist(name)
        if field == "object":
            chosen = _objects(op, raw_values)
            if junction == "and":
                objects &= chosen
            else:
                red_parts.append(Q() if "redemption" in chosen else Q(pk__in=[]))
                rb_parts.append(Q() if "redemption_rollback" in chosen else Q(pk__in=[]))
            continue
        red_lookup, rb_lookup = _field_lookups(field)
        red_parts.append(_condition(red_lookup, op, raw_values) if red_lookup else Q(pk__in=[]))
        rb_parts.append(_condition(rb_lookup, op, raw_values) if rb_lookup else Q(pk__in=[]))
    return red_parts, rb_parts, objects


def _objects(op: str, raw_values: list[str]) -> set[str]:
    """The kinds of entries a ``filters[object]`` condition keeps."""
    wanted = set(_values(raw_values)) if op in ("$in", "$not_in") else {raw_values[-1]}
    if not wanted <= {"redemption", "redemption_rollback"}:
        raise bad_query("filters[object] must be redemption or redemption_rollback")
    return wanted if op in ("$is", "$in") else {"redemption", "redemption_rollback"} - wanted


def _combine(parts: list[Q], junction: str) -> Q:
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined & part) if junction == "and" else (combined | part)
    return combined


def _annotated(queryset: QuerySet, *, rollback: bool) -> QuerySet:
    prefix = "redemption__" if rollback else ""
    return queryset.annotate(
        _related_object_id=Coalesce(f"{prefix}voucher_id", f"{prefix}promotion_tier_id", f"{prefix}id"),
    )


def redemption_rows() -> QuerySet:
    """Redemptions with what :func:`serializers.redemption_json` reads (a reward redemption's reward and the
    voucher it gave too: a page of rows is a few joins, not a query a row)."""
    return Redemption.objects.select_related(
        "voucher__campaign", "voucher__category", "promotion_tier__campaign", "promotion_tier__category",
        "customer", "order", "reward", "reward_voucher__campaign", "reward_voucher__category",
    ).prefetch_related(
        Prefetch("rollbacks", queryset=Rollback.objects.order_by("created_at", "id")),
        Prefetch("children", queryset=Redemption.objects.order_by("created_at", "id").only("created_at", "parent")),
    )  # fmt: skip


def rollback_rows() -> QuerySet:
    return Rollback.objects.select_related(
        "redemption__voucher__campaign", "redemption__voucher__category", "redemption__promotion_tier__campaign",
        "redemption__promotion_tier__category", "redemption__customer", "redemption__order",
    )  # fmt: skip


def list_entries(query: ListQuery) -> tuple[list[Redemption | Rollback], int]:
    """One page of redemptions and rollbacks, newest first unless sorted otherwise, and the total."""
    wanted = query.page * query.limit
    sources: list[tuple[str, QuerySet, Callable]] = []
    if "redemption" in query.objects:
        redemptions = _annotated(Redemption.objects.all(), rollback=False).filter(query.redemption_q)
        sources.append(("redemption", redemptions, redemption_rows))
    if "redemption_rollback" in query.objects:
        rollbacks = _annotated(Rollback.objects.all(), rollback=True).filter(query.rollback_q)
        sources.append(("redemption_rollback", rollbacks, rollback_rows))
    keyed: list[tuple[Any, str, str]] = []
    total = 0
    for kind, queryset, _ in sources:
        red_field, rb_field = SORTS[query.sort_field]
        column = rb_field if kind == "redemption_rollback" else red_field
        if query.descending:
            ordering = [F(column).desc(nulls_last=True), F("id").desc()]
        else:
            ordering = [F(column).asc(nulls_last=True), F("id").asc()]
        total += queryset.count()
        for pk, key in queryset.order_by(*ordering).values_list("id", column)[:wanted]:
            keyed.append((key, pk, kind))
    # None sorts last whichever the direction; ties break by id in the same direction.
    present = [k for k in keyed if k[0] is not None]
    missing = [k for k in keyed if k[0] is None]
    present.sort(key=lambda k: (k[0], k[1]), reverse=query.descending)
    missing.sort(key=lambda k: k[1], reverse=query.descending)
    page = (present + missing)[(query.page - 1) * query.limit : wanted]
    loaded: dict[str, Redemption | Rollback] = {}
    for kind, _, rows in sources:
        ids = [pk for _, pk, k in page if k == kind]
        if ids:
            loaded.update({obj.pk: obj for obj in rows().filter(pk__in=ids)})
    return [loaded[pk] for _, pk, _ in page if pk in loaded], total


def get_entry(entry_id: str) -> Redemption | Rollback | None:
    if "\x00" in entry_id:
        return None
    if entry_id.startswith(("rr_", "rrf_")):
        return rollback_rows().filter(pk=entry_id).first()
    return redemption_rows().filter(pk=entry_id).first()


def voucher_entries(voucher_id: str) -> list[Redemption | Rollback]:
    """A voucher's redemption attempts and their rollbacks, newest first."""
    redemptions = list(redemption_rows().filter(voucher_id=voucher_id).order_by("-created_at", "-id"))
    rollbacks = list(rollback_rows().filter(redemption__voucher_id=voucher_id).order_by("-created_at", "-id"))
    entries: list[Redemption | Rollback] = [*redemptions, *rollbacks]
    entries.sort(key=lambda e: (e.created_at, e.pk), reverse=True)
    return entries


# --- Dashboard (the Redemptions tab) -------------------------------------------------------------------

LIST_COLUMNS = (
    "id", "created_at", "result", "status", "failure_code", "failure_message", "voucher_code", "amount",
    "discount_amount", "gift_amount", "order_amount", "loyalty_points", "channel_type", "channel_id", "parent",
    "related_object_type",
    "campaign__id", "campaign__name", "campaign__campaign_type",
    "customer__id", "customer__name", "customer__email", "customer__source_id",
    "promotion_tier__id", "promotion_tier__name", "promotion_tier__campaign_id",
)  # fmt: skip


def dashboard_redemptions() -> QuerySet:
    """The Redemptions tab's rows: one query per page, only the columns the table shows."""
    return Redemption.objects.select_related("campaign", "customer", "promotion_tier").only(*LIST_COLUMNS)


def children_counts(parent_ids: list[str]) -> dict[str, int]:
    """{stacked parent id: its number of redemptions}, for a list page's parents (the partial parent index)."""
    if not parent_ids:
        return {}
    rows = Redemption.objects.filter(parent_id__in=parent_ids).order_by().values("parent_id").annotate(n=Count("id"))
    return {row["parent_id"]: row["n"] for row in rows}


def dashboard_redemption(redemption_id: str) -> Redemption | None:
    """One redemption with what its detail page shows: voucher, campaign, customer, order, parent, reward,
    children and rollbacks (oldest first)."""
    if "\x00" in redemption_id:
        return None
    return (
        Redemption.objects.select_related(
            "voucher", "campaign", "customer", "order", "parent", "promotion_tier", "reward"
        )
        .prefetch_related(
            Prefetch("rollbacks", queryset=Rollback.objects.select_related("user").order_by("created_at", "id")),
            Prefetch(
                "children",
                queryset=Redemption.objects.select_related("promotion_tier")
                .order_by("created_at", "id")
                .only(
                    "id",
                    "parent_id",
                    "status",
                    "failure_code",
                    "failure_message",
                    "voucher_code",
                    "amount",
                    "created_at",
                    "promotion_tier__id",
                    "promotion_tier__name",
                    "promotion_tier__campaign_id",
                ),
            ),
        )
        .filter(pk=redemption_id)
        .first()
    )


def redemption_events(redemption: Redemption) -> QuerySet:
    """Audit events about the redemption and its rollbacks, oldest first."""
    from auditlog.models import Event

    ids = [redemption.pk, *(rollback.pk for rollback in redemption.rollbacks.all())]
    return Event.objects.filter(resource_id__in=ids).order_by("occurred_at", "id")


def order_redemptions(order: Order) -> tuple[list[Redemption], dict[str, list[str]]]:
    """The order's successful top-level redemptions, and the ids of the children of its stacked ones (by
    parent id): what ``order.redemptions`` lists."""
    rows = list(
        Redemption.objects.filter(order=order, result=RedemptionResult.SUCCESS, parent__isnull=True)
        .only("id", "created_at", "related_object_type", "voucher_id", "promotion_tier_id", "campaign_id")
        .order_by("created_at", "id")
    )
    children: dict[str, list[str]] = {}
    parents = [r.id for r in rows if r.related_object_type == RelatedObjectType.REDEMPTION]
    if parents:
        for child_id, parent_id in (
            Redemption.objects.filter(parent_id__in=parents).order_by("created_at", "id").values_list("id", "parent")
        ):
            children.setdefault(parent_id, []).append(child_id)
    return rows, children


def campaign_names(ids) -> dict[str, str]:
    """{campaign id: name} of these campaigns, in one query (the Validations tab's page of rows)."""
    ids = {str(i) for i in ids if i}
    if not ids:
        return {}
    return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))


def rollback_redemption_ids(ids) -> dict[str, str]:
    """The redemption of each rollback among ``ids`` (others are left out), read once for a page that
    links a rollback to its redemption's page."""
    wanted = [i for i in dict.fromkeys(ids) if i and i.startswith(("rr_", "rrf_"))]
    return dict(Rollback.objects.filter(pk__in=wanted).values_list("id", "redemption_id")) if wanted else {}


# --- orders as objects (/v1/orders) ----------------------------------------------------------------------


def find_order(ref: str) -> Order:
    """The order with id ``ref``, else with source_id ``ref``."""
    order = Order.objects.filter(pk=ref).first() or Order.objects.filter(source_id=ref).first()
    if order is None:
        raise DomainError("not_found", "Resource not found", f"Cannot find order with id {ref}", resource_id=ref,
                          resource_type="order")  # fmt: skip
    return order


def order_list(*, order: str = "-created_at") -> QuerySet[Order]:
    """``GET /v1/orders``: every order, newest first unless ``order`` says otherwise."""
    direction = "-" if order.startswith("-") else ""
    return Order.objects.order_by(f"{direction}{order.lstrip('-')}", f"{direction}id")


def reward_redemptions(campaign) -> QuerySet:
    """A loyalty program's reward redemptions (its cards' points spent on rewards), for its Reward redemptions
    tab."""
    return Redemption.objects.filter(campaign=campaign, loyalty_points__isnull=False).select_related(
        "reward", "reward_voucher", "customer"
    )
