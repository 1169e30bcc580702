"""What can be exported: one ``Source`` per ``exported_object``.

A source names its columns (the platform's field names, which are also the CSV header), says which rows
an export's parameters select, and who may export it. The CSV writer (``exports.writer``) turns any source's
rows into a file, so adding a source is one function decorated with ``@source(...)``: the redemptions and
card transactions below, the catalogue's objects (vouchers, customers, orders, publications) in
``exports.catalogue`` and loyalty programs' points expiration in ``exports.loyalty_sources``, registered when
the app is ready.

Filters come in two dialects, told apart by the export's channel: the dashboard posts its filter panel's
query parameters (``WEBSITE``), the API sends the platform's conditions (``API``:
``{"junction": "and", "<field>": {"conditions": {"$is": ...}}}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.http import QueryDict

from voucherhub.wire import CREDITS_ADDITION, CREDITS_REMOVAL, GIFT_TRANSACTION_TYPES

TEXT, CODE, INTEGER, DATETIME, JSON = "text", "code", "integer", "datetime", "json"
METADATA_PREFIX = "metadata."
METADATA_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")  # the same rule as the Redemptions tab's metadata filter
ORDER_FIELDS = ("created_at", "id")
MINOR_SUFFIX = "_minor"  # a dashboard export's money columns: integer minor units of the installation currency


class ExportParamsError(Exception):
    """The request cannot be exported as asked; ``key`` is the platform's error key."""

    def __init__(self, message: str, key: str = "invalid_export_params"):
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass(frozen=True)
class Column:
    expression: Any  # a field path or a Django expression on the source's queryset
    # How the writer formats it: TEXT (anything a person or a shop typed) is escaped; CODE is an id or an
    # enum value the system wrote (``r_...``, ``SUCCESS``), which never starts with a formula character, so
    # it is written as is; DATETIME is UTC ISO 8601; JSON is the document's text.
    kind: str = TEXT
    permission: str = ""  # a dashboard user needs this to export the column (customer data)
    minor_units: bool = False  # money: an integer of the currency's minor units (2000 = 20.00)


@dataclass(frozen=True)
class Also:
    """Rows of a second model written into the same file (a redemption export's rollbacks, as
    ``GET /v1/redemptions`` lists both): each of the source's columns on that model, and its rows for an
    export (None when the export wants none)."""

    columns: dict[str, Column]
    select: Callable[[Any], QuerySet | None]


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    permission: str  # what a dashboard user needs besides exports.add_export
    columns: dict[str, Column]
    default_fields: tuple[str, ...]
    select: Callable[[Any], QuerySet]  # (an Export, saved or not) -> its rows, unordered
    describe: Callable[[Any], list[str]]  # (an Export) -> its filters in words, for people
    metadata_field: str | None = "metadata"  # the JSON field behind ``metadata.<key>`` columns
    filter_params: tuple[str, ...] = field(default=())  # the dashboard's filter parameter names
    dialog_fields: tuple[str, ...] = ()  # ticked when the Export dialog opens (default: default_fields)
    order_fields: tuple[str, ...] = ORDER_FIELDS  # what ``parameters.order`` may name
    default_order: str = "-created_at"
    also: Also | None = None

    def standard_fields(self, user=None) -> list[str]:
        """The columns ``user`` may choose (all of them for an API key: ``user`` None)."""
        return [name for name, col in self.columns.items() if not col.permission or _allowed(user, col.permission)]

    def clean_fields(self, fields: list[str] | None, user=None) -> list[str]:
        """The requested fields, checked; the source's defaults when none are given."""
        if not fields:
            return [f for f in self.default_fields if f in self.standard_fields(user)]
        allowed = set(self.standard_fields(user))
        cleaned: list[str] = []
        for name in fields:
            if not isinstance(name, str):
                raise ExportParamsError("Each field must be a string", "invalid_export_fields")
            if name.startswith(METADATA_PREFIX) and self.metadata_field:
                if not METADATA_KEY.fullmatch(name[len(METADATA_PREFIX) :]):
                    raise ExportParamsError(
                        f"Metadata key in {name!r} may use letters, digits, _ and - only", "invalid_export_fields"
                    )
            elif name not in allowed:
                raise ExportParamsError(f"Unknown field {name!r} for {self.name} exports", "invalid_export_fields")
            if name not in cleaned:
                cleaned.append(name)
        return cleaned

    def header_names(self, fields: list[str], *, dashboard: bool) -> list[str]:
        """The CSV's header: the fields' names, money columns ending ``_minor`` in a dashboard export, so a
        spreadsheet says what its integers are (``order_amount_minor``). An API export keeps the
        platform's field names, its wire contract."""
        if not dashboard:
            return list(fields)
        return [f"{name}{MINOR_SUFFIX}" if self.column(name).minor_units else name for name in fields]

    def column(self, name: str, columns: dict[str, Column] | None = None) -> Column:
        """The column ``name`` (of ``columns``, the source's own by default; of ``also``'s for its rows)."""
        if name.startswith(METADATA_PREFIX) and self.metadata_field:
            return Column(KeyTextTransform(name[len(METADATA_PREFIX) :], self.metadata_field), TEXT)
        return (columns or self.columns)[name]

    def order(self, export) -> tuple[str, bool]:
        """The field ``parameters.order`` names (newest first by default) and whether it is descending."""
        order = export.parameters.get("order") or self.default_order
        field_name = order.lstrip("-")
        if field_name not in self.order_fields or order.count("-") > 1:
            raise ExportParamsError(f"Cannot order an export by {order!r}")
        return field_name, order.startswith("-")

    def also_rows(self, export) -> QuerySet | None:
        """The second model's rows of ``export`` (see Also), unordered; None when there are none."""
        return self.also.select(export) if self.also is not None else None

    def rows(self, export) -> QuerySet:
        """The rows of ``export`` in its order (``parameters.order``, newest first by default)."""
        field_name, descending = self.order(export)
        direction = "-" if descending else ""
        return self.select(export).order_by(f"{direction}{field_name}", f"{direction}id")


SOURCES: dict[str, Source] = {}


def source(name: str, *, label: str, permission: str, columns: dict[str, Column], default_fields, **options):
    """Register the decorated ``select(export) -> QuerySet`` as the source ``name``."""

    def register(select):
        SOURCES[name] = Source(
            name=name,
            label=label,
            permission=permission,
            columns=columns,
            default_fields=tuple(default_fields),
            select=select,
            **options,
        )
        return select

    return register


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except (KeyError, TypeError):
        raise ExportParamsError(f"Cannot export {name!r}: choose one of {', '.join(sorted(SOURCES))}") from None


def _allowed(user, permission: str) -> bool:
    return user is None or user.has_perm(permission)


def is_dashboard(export) -> bool:
    return export.channel == "WEBSITE"


def as_querydict(params: dict) -> QueryDict:
    """Stored dashboard filters (``{name: value or [values]}``) as the QueryDict a FilterSet reads."""
    query = QueryDict(mutable=True)
    for name, value in (params or {}).items():
        query.setlist(str(name), [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return query


LIST_OPERATORS = ("$in", "$not_in")


def platform_conditions(filters: Any) -> list[tuple[str, str, Any]]:
    """``{"junction", "<field>": {"conditions": {"$op": value}}}`` as (field, op, value) triples."""
    if filters in (None, {}):
        return []
    if not isinstance(filters, dict):
        raise ExportParamsError("parameters.filters must be an object")
    triples = []
    for name, spec in filters.items():
        if name == "junction":
            if not isinstance(spec, str) or spec.lower() not in ("and", "or"):
                raise ExportParamsError("parameters.filters.junction must be and or or")
            continue
        conditions = spec.get("conditions") if isinstance(spec, dict) else None
        if not isinstance(conditions, dict) or not conditions:
            raise ExportParamsError(
                f'parameters.filters.{name} needs conditions, e.g. {{"conditions": {{"$is": ...}}}}'
            )
        for op, value in conditions.items():
            if isinstance(value, list | dict) and op not in LIST_OPERATORS:
                raise ExportParamsError(f"parameters.filters.{name}.conditions.{op} takes one value, not a list")
            triples.append((str(name), str(op), value))
    return triples


def _moment(raw: str):
    """An ISO 8601 date or date-time (UTC when naive), as GET /v1/redemptions reads them."""
    from redemptions.queries import _moment as parse
    from voucherhub.errors import DomainError

    try:
        return parse("created_at", raw)
    except DomainError as error:
        raise ExportParamsError(error.details) from None


def checked_rows(filterset) -> QuerySet:
    """A dashboard list's rows for its FilterSet; a filter the list could not read is an error (the list
    shows none of its rows then, never all of them)."""
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        raise ExportParamsError(f"The filters cannot be read ({problems})")
    return filterset.qs


def describe_platform(export) -> list[str]:
    filters = export.parameters.get("filters")
    junction = filters.get("junction", "and") if isinstance(filters, dict) else "and"
    parts = [f"{name} {op} {json.dumps(value, ensure_ascii=False)}" for name, op, value in platform_conditions(filters)]
    return [f" {junction} ".join(parts)] if parts else []


# --- Redemptions (the Redemptions tab, POST /v1/exports with exported_object "redemption") ----------------

_CUSTOMER = "redemptions.view_customer"

REDEMPTION_COLUMNS = {
    "id": Column("id", CODE),
    "object": Column(Value("redemption"), CODE),
    "date": Column("created_at", DATETIME),
    "voucher_code": Column("voucher_code"),
    "campaign": Column("campaign__name"),
    "campaign_id": Column("campaign_id", CODE),
    "promotion_tier_id": Column("promotion_tier_id", CODE),
    "promotion_tier": Column("promotion_tier__name"),  # the tier's name: what the Voucher column shows for it
    "customer_id": Column("customer_id", CODE, permission=_CUSTOMER),  # cust_...: follows one person
    "customer_source_id": Column("customer__source_id", permission=_CUSTOMER),
    "customer_name": Column("customer__name", permission=_CUSTOMER),
    "tracking_id": Column("tracking_id", permission=_CUSTOMER),  # stands for the customer (voucherhub.privacy)
    "order_id": Column("order_id", CODE),
    "order_amount": Column("order_amount", INTEGER, minor_units=True),
    "amount": Column("amount", INTEGER, minor_units=True),
    "discount_amount": Column("discount_amount", INTEGER, minor_units=True),
    "gift_amount": Column("gift_amount", INTEGER, minor_units=True),
    "loyalty_points": Column(Value(None, output_field=IntegerField()), INTEGER),
    "result": Column("result", CODE),
    "status": Column("status", CODE),
    "failure_code": Column("failure_code", CODE),
    "failure_message": Column("failure_message"),
    "channel": Column("channel_type", CODE),
    "metadata": Column("metadata", JSON),
}


def _redemption_filterset(export):
    from redemptions.filters import RedemptionFilter
    from redemptions.models import Redemption

    return RedemptionFilter(
        as_querydict(export.parameters.get("filters")), queryset=Redemption.objects.all(), user=export.user
    )


def _describe_redemptions(export) -> list[str]:
    if not is_dashboard(export):
        return describe_platform(export)
    filterset = _redemption_filterset(export)
    return filters_in_words(filterset) if filterset.is_valid() else []


def _platform_list_query(filters):
    """The API's conditions through the same parser as ``GET /v1/redemptions`` (redemptions.queries): its
    conditions on redemptions and on rollbacks, and which of the two objects it wants."""
    from redemptions.queries import parse_list_query
    from voucherhub.errors import DomainError

    query = QueryDict(mutable=True)
    if isinstance(filters, dict) and filters.get("junction"):
        query["filters[junction]"] = str(filters["junction"])
    for name, op, value in platform_conditions(filters):
        if name == "created_at" and op in ("$after", "$before"):
            query[f"created_at[{op[1:]}]"] = str(value)
            continue
        name = {"campaign_id": "related_object_parent_id", "voucher_id": "related_object_id"}.get(name, name)
        query[f"filters[{name}][conditions][{op}]"] = json.dumps(value) if isinstance(value, list) else str(value)
    try:
        return parse_list_query(query)
    except DomainError as error:
        raise ExportParamsError(error.details or error.message) from None


def _redemption_platform_q(filters) -> QuerySet:
    from redemptions.models import Redemption
    from redemptions.queries import _annotated

    parsed = _platform_list_query(filters)
    if "redemption" not in parsed.objects:
        return Redemption.objects.none()
    return _annotated(Redemption.objects.all(), rollback=False).filter(parsed.redemption_q)


def rollback_rows(export) -> QuerySet | None:
    """An API export's rollbacks (``object`` redemption_rollback), by the same conditions as
    ``GET /v1/redemptions``. The dashboard's Redemptions tab lists redemptions only, and so do its exports."""
    from redemptions.models import Rollback
    from redemptions.queries import _annotated

    if is_dashboard(export):
        return None
    parsed = _platform_list_query(export.parameters.get("filters"))
    if "redemption_rollback" not in parsed.objects:
        return None
    return _annotated(Rollback.objects.all(), rollback=True).filter(parsed.rollback_q)


_OF_REDEMPTION = {
    "voucher_code", "campaign", "campaign_id", "promotion_tier_id", "promotion_tier", "customer_id",
    "customer_source_id", "customer_name", "order_id", "order_amount",
}  # fmt: skip
# A rollback's row: its own id, date, amount, result, status, failure and channel; the rest is its redemption's.
ROLLBACK_COLUMNS = {
    **{
        name: replace(column, expression=f"redemption__{column.expression}") if name in _OF_REDEMPTION else column
        for name, column in REDEMPTION_COLUMNS.items()
    },
    "object": Column(Value("redemption_rollback"), CODE),
    "discount_amount": Column(Value(None, output_field=IntegerField()), INTEGER, minor_units=True),
    "gift_amount": Column(Value(None, output_field=IntegerField()), INTEGER, minor_units=True),
}


@source(
    "redemption",
    label="Redemptions",
    permission="redemptions.view_redemption",
    columns=REDEMPTION_COLUMNS,
    default_fields=("id", "object", "voucher_code", "customer_id", "date", "result"),  # the platform's
    # The dialog also ticks the tier: a promotion tier's redemption has no voucher code.
    dialog_fields=("id", "object", "voucher_code", "promotion_tier", "customer_id", "date", "result"),
    describe=_describe_redemptions,
    also=Also(ROLLBACK_COLUMNS, rollback_rows),
    filter_params=(
        "campaign", "voucher_code", "customer", "created_from", "created_to", "result", "status", "failure_code",
        "channel", "order", "metadata_key", "metadata_value",
    ),
)  # fmt: skip
def redemption_rows(export) -> QuerySet:
    if not is_dashboard(export):
        return _redemption_platform_q(export.parameters.get("filters"))
    return checked_rows(_redemption_filterset(export))


# --- Card transactions: a gift campaign's Transactions tab, a loyalty program's Points tab ---------------

_TRANSACTION_TYPE = Case(  # voucherhub.wire.gift_transaction_type, in SQL
    *(When(source=source, then=Value(kind)) for source, kind in GIFT_TRANSACTION_TYPES.items()),
    When(amount__lt=0, then=Value(CREDITS_REMOVAL)),
    default=Value(CREDITS_ADDITION),
)

TRANSACTION_COLUMNS = {
    "id": Column("id", CODE),
    "type": Column(_TRANSACTION_TYPE, CODE),
    "source_id": Column("related_object_id", CODE),
    "reason": Column("reason"),
    "source": Column("source", CODE),
    "balance": Column("balance_after", INTEGER, minor_units=True),
    "amount": Column("amount", INTEGER, minor_units=True),
    "created_at": Column("created_at", DATETIME),
    "voucher_id": Column("voucher_id", CODE),
    "campaign_id": Column(F("voucher__campaign_id"), CODE),
}


# A loyalty card's points changes (loyalty.PointsTransaction) in the same file: the platform's
# voucher_transactions cover gift cards and loyalty cards alike. Points are no money: the same columns hold
# points for these rows (an API export's header keeps the platform's names).
POINTS_COLUMNS = {
    "id": Column("id", CODE),
    "type": Column("type", CODE),
    "source_id": Column("source_id"),
    "reason": Column("reason"),
    "source": Column("source", CODE),
    "balance": Column("balance", INTEGER),
    "amount": Column("points", INTEGER),
    "created_at": Column("created_at", DATETIME),
    "voucher_id": Column("card_id", CODE),
    "campaign_id": Column("campaign_id", CODE),
}
_POINTS_LOOKUPS = {"campaign_id": "campaign_id", "voucher_id": "card_id", "created_at": "created_at"}


def points_rows(export) -> QuerySet | None:
    """An export's loyalty points changes: an API export's by the same conditions as its gift-card rows; a
    dashboard export's are a program's Points tab under its filters (a gift campaign's Transactions tab has
    none)."""
    from loyalty.models import PointsTransaction

    if is_dashboard(export):
        filterset = _points_filterset(export)
        return None if filterset is None else checked_rows(filterset)
    return platform_filtered(PointsTransaction.objects.all(), export, _POINTS_LOOKUPS, "transactions")


def in_points(export) -> bool:
    """Whether a dashboard export's amounts are loyalty points (a program's Points tab), not money."""
    return _points_filterset(export) is not None


def _points_filterset(export):
    """The Points tab's FilterSet (loyalty.filters) over the program a dashboard export names, or None when
    the export is not of a loyalty program's Points tab."""
    from campaigns.models import Campaign, CampaignType
    from loyalty.filters import PointsFilter
    from loyalty.queries import program_transactions

    filters = export.parameters.get("filters") or {}
    if not is_dashboard(export) or not isinstance(filters, dict) or not filters.get("campaign"):
        return None
    program = Campaign.objects.filter(pk=str(filters["campaign"]), campaign_type=CampaignType.LOYALTY_PROGRAM)
    if not program.exists():
        return None
    list_filters = {name: value for name, value in filters.items() if name != "campaign"}
    return PointsFilter(as_querydict(list_filters), queryset=program_transactions(program.get()))


def _transaction_filterset(export):
    """The Transactions tab's own FilterSet (campaigns.filters) over the campaign's balance changes: the
    export selects exactly the rows the tab shows."""
    from campaigns.filters import TransactionFilter
    from campaigns.models import VoucherTransaction

    filters = export.parameters.get("filters") or {}
    if not isinstance(filters, dict):
        raise ExportParamsError("The filters cannot be read")
    rows = VoucherTransaction.objects.all()
    if filters.get("campaign"):
        rows = rows.filter(voucher__campaign_id=str(filters["campaign"]))
    list_filters = {name: value for name, value in filters.items() if name != "campaign"}
    return TransactionFilter(as_querydict(list_filters), queryset=rows)


def campaign_in_words(export) -> list[str]:
    """A dashboard export's campaign (a campaign tab's export), as "Campaign: name"."""
    from campaigns.models import Campaign

    filters = export.parameters.get("filters") or {}
    if not isinstance(filters, dict) or not filters.get("campaign"):
        return []
    campaign = Campaign.objects.filter(pk=str(filters["campaign"])).values_list("name", flat=True).first()
    return [f"Campaign: {campaign or filters['campaign']}"]


def _describe_transactions(export) -> list[str]:
    if not is_dashboard(export):
        return describe_platform(export)
    filterset = _points_filterset(export)
    filterset = _transaction_filterset(export) if filterset is None else filterset
    return campaign_in_words(export) + (filters_in_words(filterset) if filterset.is_valid() else [])


def filters_in_words(filterset) -> list[str]:
    """A valid FilterSet's applied filters as "Label: value", a choice by its label."""
    words = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "") or name not in filterset.filters:
            continue
        field = filterset.form.fields[name]
        # A choice by its label (a status as the lists show it); a model (a campaign) by its name.
        choices = () if isinstance(field, forms.ModelChoiceField) else getattr(field, "choices", ())
        shown = dict(choices).get(value, value)
        words.append(f"{field.label or name}: {shown}")
    return words


@source(
    "voucher_transactions",
    label="Card transactions",  # a gift card's balance changes and a loyalty card's points changes
    permission="campaigns.view_vouchertransaction",
    columns=TRANSACTION_COLUMNS,
    default_fields=("id", "type", "source_id", "amount", "balance", "created_at", "voucher_id", "campaign_id"),
    describe=_describe_transactions,
    metadata_field=None,
    filter_params=("campaign", "voucher", "source", "code", "type"),  # the last two: a program's Points tab
    also=Also(POINTS_COLUMNS, points_rows),
)
def transaction_rows(export) -> QuerySet:
    from campaigns.models import VoucherTransaction

    if is_dashboard(export):
        filterset = _transaction_filterset(export)
        return checked_rows(filterset)
    lookups = {"campaign_id": "voucher__campaign_id", "voucher_id": "voucher_id", "created_at": "created_at"}
    return platform_filtered(VoucherTransaction.objects.all(), export, lookups, "transactions")


def platform_filtered(rows: QuerySet, export, lookups: dict[str, str], noun: str) -> QuerySet:
    """``rows`` narrowed by an API export's conditions (``$is``, ``$in``; ``$after`` and ``$before`` on a
    ``created_at``), each on a field of ``lookups`` (its name on the wire: its ORM path)."""
    filters = export.parameters.get("filters") or {}
    for name, op, value in platform_conditions(filters):
        lookup = lookups.get(name)
        if lookup is None:
            raise ExportParamsError(f"Cannot filter {noun} by {name!r}")
        if op == "$is":
            rows = rows.filter(**{lookup: str(value)})
        elif op == "$in" and isinstance(value, list):
            rows = rows.filter(**{f"{lookup}__in": [str(v) for v in value]})
        elif name.endswith("created_at") and op in ("$after", "$before"):
            rows = rows.filter(**{f"{lookup}__{'gt' if op == '$after' else 'lt'}": _moment(str(value))})
        else:
            raise ExportParamsError(f"Unsupported condition {op!r} on {name!r}")
    return rows
