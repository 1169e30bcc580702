"""Loyalty programs' own export source: the points still to expire (``points_expiration``), by program or
card through the API, or as a program's Points expiration tab shows them in the dashboard. (A program's
points changes are ``voucher_transactions`` rows: exports.sources.)"""

from django.db.models import QuerySet

from .sources import (
    CODE,
    INTEGER,
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

# --- Loyalty points due to expire (a program's buckets) -----------------------------------------------

POINTS_EXPIRATION_COLUMNS = {
    "id": Column("id", CODE),
    "campaign_id": Column("campaign_id", CODE),
    "voucher_id": Column("card_id", CODE),
    "points": Column("remaining", INTEGER),
    "status": Column("status", CODE),
    "expires_at": Column("expires_at", CODE),  # a date: 2027-03-31
}


@source(
    "points_expiration",
    label="Loyalty points expiration",
    permission="loyalty.view_pointsbucket",
    columns=POINTS_EXPIRATION_COLUMNS,
    default_fields=("id", "campaign_id", "voucher_id", "points", "status", "expires_at"),
    describe=lambda export: _describe_buckets(export),  # defined below
    metadata_field=None,
    filter_params=("campaign", "code", "expires_by"),
    order_fields=("expires_at", "id"),
    default_order="expires_at",
)
def points_expiration_rows(export) -> QuerySet:
    """The points still to expire (ACTIVE buckets): an API export's by program or card, a dashboard export's
    those of a program's Points expiration tab under its filters."""
    from loyalty.models import BucketStatus, PointsBucket

    if is_dashboard(export):
        return checked_rows(_bucket_filterset(export))
    rows = PointsBucket.objects.filter(status=BucketStatus.ACTIVE)
    lookups = {"campaign_id": "campaign_id", "voucher_id": "card_id"}
    return platform_filtered(rows, export, lookups, "points expiration")


def _bucket_filterset(export):
    """The Points expiration tab's FilterSet (loyalty.filters) over the program a dashboard export names."""
    from loyalty.filters import BucketFilter
    from loyalty.models import BucketStatus, PointsBucket

    filters = export.parameters.get("filters") or {}
    if not isinstance(filters, dict):
        raise ExportParamsError("The filters cannot be read")
    rows = PointsBucket.objects.filter(status=BucketStatus.ACTIVE, campaign_id=str(filters.get("campaign") or ""))
    list_filters = {name: value for name, value in filters.items() if name != "campaign"}
    return BucketFilter(as_querydict(list_filters), queryset=rows)


def _describe_buckets(export) -> list[str]:
    if not is_dashboard(export):
        return describe_platform(export)
    filterset = _bucket_filterset(export)
    return campaign_in_words(export) + (filters_in_words(filterset) if filterset.is_valid() else [])
