"""Copies of the template's history, made by the server: one ``INSERT ... SELECT`` a table writes every copy.

The template's rows, as every copy shows them, wait in temporary tables (:func:`demo.bulk.template.stage`);
``_bulk_copies`` has a row per copy: its number, how far it is moved back and the suffix of its unique
values. A copy's column is the template's, except:

- the id of a cloned row (a primary key, a foreign key to a cloned table, a session key, a gift-card
  transaction's related object): the same id at the shifted time (``bulk_id``: the 12 hex digits of
  milliseconds moved back, the 10 random ones kept), so ids keep sorting by time and references follow.
  The ids of shared rows (campaigns, tiers, rules, categories, segments, users, API keys) stay;
- a time or a day (a loyalty bucket's expiry, pending points' activation): moved back by the copy's shift,
  so that a copy's points expire and activate as long after they were added as the template's (the beat
  expires and activates what a copy has due on its next runs);
- a voucher code, a customer's or an order's source id (and the codes of vouchers a redemption or a
  validation recorded, the order source id a points ledger row recorded; unknown codes stay): suffixed
  ``-L<load>C<copy>``;
- ``request_log_id``: empty. Request logs and events are not cloned; integer keys are the database's.

A copy keeps only the validations its shift leaves within the retention period.
"""

from __future__ import annotations

from django.db import connection, models

from demo.bulk.template import CLONED, staged
from redemptions.models import Validation

COPIES = "_bulk_copies"
ID_COLUMNS = {"session_key", "related_object_id", "redemption_id"}  # text columns holding a cloned row's id
UNIQUE_COLUMNS = {"code", "source_id"}  # a voucher's code, a customer's or an order's source id
FUNCTIONS = (
    # prefix + 12 hex digits of milliseconds + 10 random ones (voucherhub.ids.new_id); "" and NULL stay
    """
    CREATE FUNCTION pg_temp.bulk_id(old text, shift_ms bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN old = '' THEN old ELSE left(old, -22)
        || lpad(to_hex(('x' || substr(old, length(old) - 21, 12))::bit(48)::bigint - shift_ms), 12, '0')
        || right(old, 10) END
    $$
    """,
    """
    CREATE FUNCTION pg_temp.bulk_redeemables(redeemables jsonb, suffix text) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT CASE WHEN jsonb_typeof(redeemables) <> 'array' THEN redeemables ELSE (
        SELECT coalesce(jsonb_agg(CASE WHEN e ->> 'object' = 'voucher' AND e ? 'campaign_id'
          THEN jsonb_set(e, '{id}', to_jsonb((e ->> 'id') || suffix)) ELSE e END ORDER BY n), '[]')
        FROM jsonb_array_elements(redeemables) WITH ORDINALITY AS r(e, n)
      ) END
    $$
    """,
)


def prepare(cursor, load: int, shifts: list[int]) -> None:
    """The helper functions and ``_bulk_copies``: copy ``j`` (from 1) moved back ``shifts[j - 1]`` seconds."""
    for name in ("bulk_id(text, bigint)", "bulk_redeemables(jsonb, text)"):
        cursor.execute(f"DROP FUNCTION IF EXISTS pg_temp.{name}")  # an earlier load in the same transaction
    for statement in FUNCTIONS:
        cursor.execute(statement)
    cursor.execute(f'DROP TABLE IF EXISTS "{COPIES}"')
    cursor.execute(
        f'CREATE TEMPORARY TABLE "{COPIES}" (copy int, shift interval, shift_ms bigint, suffix text) ON COMMIT DROP'
    )
    rows = [(j, f"{seconds} seconds", seconds * 1000, f"-L{load}C{j}") for j, seconds in enumerate(shifts, start=1)]
    cursor.executemany(f'INSERT INTO "{COPIES}" VALUES (%s, %s::interval, %s, %s)', rows)


def copy_all(validations_from) -> dict[type[models.Model], int]:
    """Write every copy of every cloned table; returns the rows written by model. A copy keeps the
    validations that are, once moved back, not older than ``validations_from``."""
    written = {}
    with connection.cursor() as cursor:
        for model in CLONED:
            fields = [f for f in model._meta.concrete_fields if not _serial(f)]
            columns = ", ".join(f'"{f.column}"' for f in fields)
            values = ", ".join(_value(model, f) for f in fields)
            where = "WHERE t.created_at - c.shift >= %s" if model is Validation else ""
            cursor.execute(
                f'INSERT INTO "{model._meta.db_table}" ({columns}) SELECT {values} '
                f'FROM "{staged(model)}" t CROSS JOIN "{COPIES}" c {where}',
                [validations_from] if where else [],
            )
            written[model] = cursor.rowcount
    return written


def _value(model: type[models.Model], field: models.Field) -> str:
    """A copy's value of ``field``, from the template row ``t`` and the copy ``c``."""
    column = f't."{field.column}"'
    if field.column == "request_log_id":
        return "NULL"
    if isinstance(field, models.DateField):  # a DateTimeField too; a day minus the shift is cast back to a day
        return f"{column} - c.shift"
    if field.primary_key or field.column in ID_COLUMNS or (field.is_relation and field.related_model in CLONED):
        return f"pg_temp.bulk_id({column}, c.shift_ms)"
    if field.column in UNIQUE_COLUMNS:  # (a ledger row's order source id too; "" stays "")
        return f"CASE WHEN {column} = '' THEN {column} ELSE {column} || c.suffix END"
    if field.column == "voucher_code":  # an unknown code (no voucher) stays as it was sent
        return f"CASE WHEN t.voucher_id IS NULL THEN {column} ELSE {column} || c.suffix END"
    if field.column == "redeemables":
        return f"pg_temp.bulk_redeemables({column}, c.suffix)"
    return column


def _serial(field: models.Field) -> bool:
    """An integer primary key the database numbers (a copy gets a new one by leaving it out)."""
    return field.primary_key and isinstance(field, models.AutoField | models.BigAutoField)
