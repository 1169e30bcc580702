"""Referral programs' export sources: a program's referrers (``referrer``: each with their count) and its
referees (``referee``: each conversion), by program through the API, or as the Referrers and Referees tabs
show them under their filters in the dashboard. Customers' ids and source ids are personal data: only for
those who may see customers."""

from django.db.models import QuerySet

from .sources import (
    CODE,
    DATETIME,
    INTEGER,
    TEXT,
    Column,
    ExportParamsError,
    as_querydict,
    campaign_in_words,
    checked_rows,
    describe_platform,
    filters_in_words,
    is_dashboard,
    platform_filtered,
    source,
)

_CUSTOMER = "redemptions.view_customer"

REFERRER_COLUMNS = {
    "id": Column("id", CODE),
    "campaign_id": Column("campaign_id", CODE),
    "customer_id": Column("customer_id", CODE, permission=_CUSTOMER),
    "customer_source_id": Column("customer__source_id", TEXT, permission=_CUSTOMER),
    "referrals": Column("referrals", INTEGER),
    "created_at": Column("created_at", DATETIME),
    "updated_at": Column("updated_at", DATETIME),
}

REFEREE_COLUMNS = {
    "id": Column("id", CODE),
    "campaign_id": Column("campaign_id", CODE),
    "code": Column("voucher__code", TEXT),
    "referee_id": Column("referee_id", CODE, permission=_CUSTOMER),
    "referee_source_id": Column("referee__source_id", TEXT, permission=_CUSTOMER),
    "referrer_id": Column("referrer_id", CODE, permission=_CUSTOMER),
    "referrer_source_id": Column("referrer__source_id", TEXT, permission=_CUSTOMER),
    "source": Column("source", CODE),
    "related_object_id": Column("related_object_id", CODE),
    "created_at": Column("created_at", DATETIME),
}


def _filterset(export, tab: str):
    """The ``tab``'s FilterSet (referrals.filters: ``referrers`` or ``referees``) over the program a
    dashboard export names."""
    from referrals.filters import RefereeFilter, ReferrerFilter

    params = export.parameters.get("filters") or {}
    if not isinstance(params, dict):
        raise ExportParamsError("The filters cannot be read")
    filterset = ReferrerFilter if tab == "referrers" else RefereeFilter
    rows = filterset._meta.model.objects.filter(campaign_id=str(params.get("campaign") or ""))
    list_filters = {name: value for name, value in params.items() if name != "campaign"}
    return filterset(as_querydict(list_filters), queryset=rows)


def _describe(export, tab: str) -> list[str]:
    if not is_dashboard(export):
        return describe_platform(export)
    filterset = _filterset(export, tab)
    return campaign_in_words(export) + (filters_in_words(filterset) if filterset.is_valid() else [])


@source(
    "referrer",
    label="Referrers",
    permission="referrals.view_referrer",
    columns=REFERRER_COLUMNS,
    default_fields=("id", "campaign_id", "customer_id", "customer_source_id", "referrals", "created_at"),
    describe=lambda export: _describe(export, "referrers"),
    metadata_field=None,
    filter_params=("campaign", "customer", "min_referrals"),
    order_fields=("referrals", "created_at", "id"),
    default_order="-referrals",
)
def referrer_rows(export) -> QuerySet:
    from referrals.models import Referrer

    if is_dashboard(export):
        return checked_rows(_filterset(export, "referrers"))
    rows = Referrer.objects.all()
    return platform_filtered(rows, export, {"campaign_id": "campaign_id", "created_at": "created_at"}, "referrers")


@source(
    "referee",
    label="Referees",
    permission="referrals.view_referral",
    columns=REFEREE_COLUMNS,
    default_fields=("id", "campaign_id", "code", "referee_id", "referrer_id", "source", "created_at"),
    describe=lambda export: _describe(export, "referees"),
    metadata_field=None,
    filter_params=("campaign", "referee", "referrer", "code", "source"),
    order_fields=("created_at", "id"),
    default_order="-created_at",
)
def referee_rows(export) -> QuerySet:
    from referrals.models import Referral

    if is_dashboard(export):
        return checked_rows(_filterset(export, "referees"))
    lookups = {"campaign_id": "campaign_id", "referrer_id": "referrer_id", "created_at": "created_at"}
    return platform_filtered(Referral.objects.all(), export, lookups, "referees")
