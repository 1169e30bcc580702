"""The hand-written statements of the redemption path, on campaigns' tables: vouchers (with their campaign and
categories), their validation-rule assignments, customers.

Every ``POST /v1/redemptions`` runs them. The ORM compiles each query anew, and for these that cost more
Python than running them (measured: ~0.8 ms for the voucher lock with its joins, ~0.5 ms for the rule flags'
``Exists``, ~0.3 ms for the counter update); so they are written here as SQL built from the models' metadata,
with the model-agnostic machinery of :mod:`voucherhub.hotsql`. Each function names the ORM query it stands
for, and ``tests/campaigns/test_statements.py`` runs both on the same rows and compares the results field
by field. Everything that is not on the hot path uses the ORM. The database constraints stay the guard:
nothing here checks more or less than the ORM statement would.

Callers: ``sessions.services`` (locks), ``redemptions.services`` (evaluation, redemption, rollback) and
``campaigns.services.customers``.
"""

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from stacking.models import Category
from voucherhub import hotsql

from .models import Campaign, Customer, PromotionTier, ValidationRuleAssignment, Voucher

# --- reads and locks -------------------------------------------------------------------------------------


@functools.cache
def _rule_flags_sql(model: type[Voucher] | type[PromotionTier]) -> tuple[tuple[str, str], ...]:
    meta, assignments = model._meta, ValidationRuleAssignment._meta
    inner, outer = f'"{assignments.db_table}"', f'"{meta.db_table}"'

    def exists(column: str, outer_column: str) -> str:
        return f'EXISTS (SELECT 1 FROM {inner} WHERE {inner}."{column}" = {outer}."{outer_column}")'

    own = assignments.get_field("voucher" if model is Voucher else "promotion_tier").column
    campaign = assignments.get_field("campaign").column
    return (
        ("has_own_rules", exists(own, meta.pk.column)),
        ("has_campaign_rules", exists(campaign, meta.get_field("campaign").column)),
    )


def rule_flags(model: type[Voucher] | type[PromotionTier]) -> dict[str, RawSQL]:
    """Annotations ``has_own_rules`` / ``has_campaign_rules``: whether a voucher (or promotion tier) row, or its
    campaign, has validation rules assigned, read with the row so that most calls need no rules query.

    The ORM's twin: ``Exists(ValidationRuleAssignment.objects.filter(voucher=OuterRef("pk")))`` and
    ``Exists(ValidationRuleAssignment.objects.filter(campaign=OuterRef("campaign")))``. They name the row's
    table unaliased: use them on a queryset of ``model`` or with :func:`lock_vouchers`."""
    return {name: RawSQL(sql, (), output_field=BooleanField()) for name, sql in _rule_flags_sql(model)}


def lock_vouchers(
    ids: Iterable[str] = (),
    *,
    codes: Iterable[str] = (),
    annotations: Mapping[str, RawSQL] | None = None,
    for_update: bool = True,
) -> dict[str, Voucher]:
    """``SELECT ... FOR UPDATE`` vouchers by primary key and/or by code (not deleted ones), in primary-key
    order, with campaign and category (the voucher's and the campaign's) joined but not locked, and the
    given ``annotations`` as attributes. Keyed by primary key. ``for_update=False``: the same read, no locks.

    The ORM's twin: ``Voucher.objects.select_related("campaign", "category", "campaign__category")
    .annotate(**annotations).filter(Q(pk__in=ids) | Q(code__in=codes, deleted_at__isnull=True))
    .order_by("pk").select_for_update(of=("self",))``."""
    ids, codes = sorted(set(ids)), sorted(set(codes))
    if not ids and not codes:
        return {}
    annotations = annotations or {}
    voucher_table = hotsql.table(Voucher)  # not aliased: the annotations name it
    joined = [(Voucher, voucher_table), (Campaign, '"c"'), (Category, '"vc"'), (Category, '"cc"')]
    selected = [column for model, alias in joined for column in hotsql.columns(model, alias)]
    selected += [f'({expression.sql}) AS "{name}"' for name, expression in annotations.items()]
    conditions = []
    if ids:
        conditions.append(f'{voucher_table}."id" IN ({", ".join(["%s"] * len(ids))})')
    if codes:
        in_codes = ", ".join(["%s"] * len(codes))
        conditions.append(f'({voucher_table}."code" IN ({in_codes}) AND {voucher_table}."deleted_at" IS NULL)')
    db = transaction.get_connection()
    sql = (
        f"SELECT {', '.join(selected)} FROM {voucher_table}"
        f' LEFT JOIN {hotsql.table(Campaign)} "c" ON {voucher_table}."campaign_id" = "c"."id"'
        f' LEFT JOIN {hotsql.table(Category)} "vc" ON {voucher_table}."category_id" = "vc"."id"'
        f' LEFT JOIN {hotsql.table(Category)} "cc" ON "c"."category_id" = "cc"."id"'
        f' WHERE {" OR ".join(conditions)} ORDER BY {voucher_table}."id"'
    )
    if for_update:
        sql += hotsql.for_update(db, of=voucher_table)
    params = [p for expression in annotations.values() for p in expression.params] + ids + codes
    with hotsql.prepared_cursor(db) as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    vouchers = {}
    for row in found:
        values = iter(row)
        voucher, campaign, voucher_category, campaign_category = (hotsql.instance(m, values, db) for m, _ in joined)
        for name, expression in annotations.items():
            setattr(voucher, name, hotsql.converted(next(values), expression, db))
        if campaign is not None:
            campaign.category = campaign_category
        voucher.campaign, voucher.category = campaign, voucher_category
        vouchers[voucher.pk] = voucher
    return vouchers


def lock_customer(*, id: str | None = None, source_id: str | None = None) -> Customer | None:
    """``SELECT ... FOR UPDATE`` the customer with this ``id`` (when given), else with this ``source_id``;
    None when there is none. The ORM's twin: ``Customer.objects.select_for_update().filter(id=id).first()``
    (or ``source_id=source_id``)."""
    if id:
        return hotsql.locked_one(Customer, "id", id)
    return hotsql.locked_one(Customer, "source_id", source_id)


# --- counters --------------------------------------------------------------------------------------------


@functools.cache
def _counter_sql(use: int, with_credits: bool) -> str:
    """The counter UPDATE of a use taken (``use`` 1) or given back (-1), with or without gift credits."""
    uses, spent, balance, updated_at = (
        Voucher._meta.get_field(name).column
        for name in ("redeemed_quantity", "redeemed_amount", "gift_balance", "updated_at")
    )
    more, less = ("+", "-") if use > 0 else ("-", "+")
    changes = [f'"{uses}" = "{uses}" {more} 1', f'"{updated_at}" = %s']
    if with_credits:
        changes += [f'"{balance}" = "{balance}" {less} %s', f'"{spent}" = "{spent}" {more} %s']
    sql = f'UPDATE {hotsql.table(Voucher)} SET {", ".join(changes)} WHERE "{Voucher._meta.pk.column}" = %s'
    return sql if use > 0 else f'{sql} AND "{uses}" >= 1'


def _count(voucher: Voucher, use: int, credits: int, now: datetime) -> None:
    db = transaction.get_connection()
    with_credits = bool(voucher.is_gift and credits)
    params: list[Any] = [Voucher._meta.get_field("updated_at").get_db_prep_save(now, connection=db)]
    if with_credits:
        params += [credits, credits]
    hotsql.execute(_counter_sql(use, with_credits), [*params, voucher.pk])
    if use < 0 and voucher.redeemed_quantity < 1:
        return  # the guard refused it: the row is unchanged
    voucher.redeemed_quantity += use
    if with_credits:
        voucher.gift_balance = (voucher.gift_balance or 0) - use * credits
        voucher.redeemed_amount += use * credits


def count_redemption(voucher: Voucher, credits: int, now: datetime) -> None:
    """One use of ``voucher`` taken, and ``credits`` of a gift card's balance spent; ``updated_at`` set to
    ``now``. The caller holds the row locked (:func:`lock_vouchers`); the instance's counters are changed
    like the row's. Queued when a :func:`voucherhub.hotsql.batch` is open. The constraints (quantity, balance)
    refuse a use beyond the limits with an IntegrityError.

    The ORM's twin: ``Voucher.objects.filter(pk=voucher.pk).update(redeemed_quantity=F("redeemed_quantity") + 1,
    updated_at=now, gift_balance=F("gift_balance") - credits, redeemed_amount=F("redeemed_amount") + credits)``
    (the gift fields only for a gift card with credits)."""
    _count(voucher, 1, credits, now)


def count_rollback(voucher: Voucher, credits: int, now: datetime) -> None:
    """A rolled-back use given back to ``voucher``, and ``credits`` back on a gift card's balance; the mirror
    of :func:`count_redemption`. Changes nothing when the row counts no use (``redeemed_quantity >= 1``
    guard), so the books can never go negative through it.

    The ORM's twin: ``Voucher.objects.filter(pk=voucher.pk, redeemed_quantity__gte=1)
    .update(redeemed_quantity=F("redeemed_quantity") - 1, updated_at=now, gift_balance=F("gift_balance")
    + credits, redeemed_amount=F("redeemed_amount") - credits)``."""
    _count(voucher, -1, credits, now)
