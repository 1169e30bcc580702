"""The hand-written statements of the redemption path, on campaigns' tables: vouchers (with their campaign and
categories), their validation-rule assignments.

Every ``POST /v1/redemptions`` runs them. The ORM compiles each query anew, and for these that cost more
Python than running them (measured: ~0.8 ms for the voucher lock with its joins, ~0.5 ms for the rule flags'
``Exists``); so they are written here as SQL built from the models' metadata,
with the model-agnostic machinery of :mod:`voucherhub.hotsql`. Each function names the ORM query it stands
for, and ``tests/campaigns/test_statements.py`` runs both on the same rows and compares the results field
by field. Everything that is not on the hot path uses the ORM. The database constraints stay the guard:
nothing here checks more or less than the ORM statement would.

Callers: ``sessions.services`` (locks), ``redemptions.services`` (evaluation, rollback).
"""

import functools
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from stacking.models import Category
from voucherhub import hotsql

from .models import Campaign, PromotionTier, ValidationRuleAssignment, Voucher

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
    with db.cursor() as cursor:
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
