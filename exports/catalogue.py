"""Exports of the catalogue's objects through ``POST /v1/exports`` (and ``POST /v1/orders/export``):
vouchers, customers, orders and publications, with the platform's field names.

Each is an API source: its rows are narrowed by the platform's conditions (``exports.sources.
platform_filtered``) on the fields listed for it. Customer data keeps its permission, as in the
redemption export: a dashboard user needs ``redemptions.view_customer`` for those columns, and for the
customer export as a whole.
"""

from django.db.models import CharField, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from .sources import CODE, DATETIME, INTEGER, JSON, TEXT, Column, describe_platform, platform_filtered, source

_CUSTOMER = "redemptions.view_customer"

VOUCHER_COLUMNS = {
    "id": Column("id", CODE),
    "code": Column("code"),
    "voucher_type": Column("type", CODE),
    "discount_type": Column("discount_type", CODE),
    "value": Column(Coalesce("amount_off", "fixed_amount", "gift_amount"), INTEGER, minor_units=True),
    "campaign": Column("campaign__name"),
    "campaign_id": Column("campaign_id", CODE),
    "category": Column("category__name"),
    "start_date": Column("start_date", DATETIME),
    "expiration_date": Column("expiration_date", DATETIME),
    "gift_balance": Column("gift_balance", INTEGER, minor_units=True),
    "redemption_quantity": Column("redemption_quantity", INTEGER),
    "redemption_count": Column("redeemed_quantity", INTEGER),
    "active": Column("active", CODE),
    "is_referral_code": Column(Value(False), CODE),
    "customer_id": Column("holder_id", CODE, permission=_CUSTOMER),
    "customer_source_id": Column("holder__source_id", permission=_CUSTOMER),
    "metadata": Column("metadata", JSON),
    "created_at": Column("created_at", DATETIME),
    "updated_at": Column("updated_at", DATETIME),
}


@source(
    "voucher",
    label="Vouchers",
    permission="campaigns.view_voucher",
    columns=VOUCHER_COLUMNS,
    default_fields=("code", "voucher_type", "value", "discount_type"),
    describe=describe_platform,
    order_fields=("created_at", "updated_at", "code", "id"),
)
def voucher_rows(export) -> QuerySet:
    from campaigns.models import Voucher

    lookups = {"campaign_id": "campaign_id", "code": "code", "id": "id", "created_at": "created_at",
               "customer_id": "holder_id", "active": "active"}  # fmt: skip
    rows = Voucher.objects.filter(deleted_at__isnull=True)
    if export.parameters.get("campaign_id"):
        rows = rows.filter(campaign_id=str(export.parameters["campaign_id"]))
    return platform_filtered(rows, export, lookups, "vouchers")


CUSTOMER_COLUMNS = {
    "id": Column("id", CODE),
    "name": Column("name"),
    "email": Column("email"),
    "source_id": Column("source_id"),
    "description": Column("description"),
    "metadata": Column("metadata", JSON),
    "created_at": Column("created_at", DATETIME),
    "updated_at": Column("updated_at", DATETIME),
}


@source(
    "customer",
    label="Customers",
    permission=_CUSTOMER,
    columns=CUSTOMER_COLUMNS,
    default_fields=("name", "source_id"),
    describe=describe_platform,
    order_fields=("created_at", "updated_at", "id"),
)
def customer_rows(export) -> QuerySet:
    from campaigns.models import Customer

    lookups = {"id": "id", "source_id": "source_id", "email": "email", "created_at": "created_at"}
    return platform_filtered(Customer.objects.all(), export, lookups, "customers")


ORDER_COLUMNS = {
    "id": Column("id", CODE),
    "source_id": Column("source_id"),
    "created_at": Column("created_at", DATETIME),
    "updated_at": Column("updated_at", DATETIME),
    "status": Column("status", CODE),
    "amount": Column("amount", INTEGER, minor_units=True),
    "discount_amount": Column("discount_amount", INTEGER, minor_units=True),
    "items_discount_amount": Column("items_discount_amount", INTEGER, minor_units=True),
    "total_discount_amount": Column("total_discount_amount", INTEGER, minor_units=True),
    "total_amount": Column("total_amount", INTEGER, minor_units=True),
    "customer_id": Column("customer_id", CODE, permission=_CUSTOMER),
    "referrer_id": Column(Value(None, output_field=CharField()), CODE),
    "metadata": Column("metadata", JSON),
}


@source(
    "order",
    label="Orders",
    permission="campaigns.view_order",
    columns=ORDER_COLUMNS,
    default_fields=("id", "source_id", "status"),
    describe=describe_platform,
    order_fields=("created_at", "updated_at", "status", "id"),
)
def order_rows(export) -> QuerySet:
    from campaigns.models import Order

    lookups = {"id": "id", "source_id": "source_id", "status": "status", "customer_id": "customer_id",
               "created_at": "created_at"}  # fmt: skip
    return platform_filtered(Order.objects.all(), export, lookups, "orders")


PUBLICATION_COLUMNS = {
    "id": Column("id", CODE),
    "voucher_code": Column(KeyTextTransform("0", "codes"), TEXT),
    "customer_id": Column("customer_id", CODE, permission=_CUSTOMER),
    "customer_source_id": Column("customer__source_id", permission=_CUSTOMER),
    "date": Column("created_at", DATETIME),
    "channel": Column("channel"),
    "campaign": Column("campaign__name"),
    "campaign_id": Column("campaign_id", CODE),
    "result": Column("result", CODE),
    "failure_code": Column("failure_code", CODE),
    "is_winner": Column(Value(False), CODE),
    "metadata": Column("metadata", JSON),
}


@source(
    "publication",
    label="Publications",
    permission="campaigns.view_publication",
    columns=PUBLICATION_COLUMNS,
    default_fields=("voucher_code", "customer_id", "date", "channel"),
    describe=describe_platform,
)
def publication_rows(export) -> QuerySet:
    from campaigns.models import Publication

    lookups = {"campaign_id": "campaign_id", "customer_id": "customer_id", "result": "result",
               "voucher_code": "vouchers__code", "created_at": "created_at"}  # fmt: skip
    return platform_filtered(Publication.objects.all(), export, lookups, "publications")
