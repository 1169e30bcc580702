"""The machinery of the hand-written SQL every ``POST /v1/redemptions`` runs, built from the models' metadata.

Model-agnostic: selecting a model's columns and building its instances, row locks, INSERTs, one round trip
for a call's writes. The statements themselves live beside the tables they touch (``campaigns.statements``:
the voucher and customer locks, the rule flags, the voucher counters), each compared with its ORM twin by
the tests.

The ORM compiles each query anew: ~0.2 ms of Python for an INSERT, ~0.4 ms for a one-table SELECT, ~0.8 ms
for the voucher lock with its three joins, against ~0.1-0.15 ms to run one (measured, 2026-11-24). These
helpers write the same statements directly and build the same model instances (``Model.from_db``, the
database converters applied), so callers keep working with models. Only for hot paths; everything else
uses the ORM. The database constraints stay the guard: nothing here checks more or less than the ORM would.
"""

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
)
from django.db.models.expressions import Col

# Fields whose ``get_db_prep_save`` hands back a value of this exact type unchanged (and whose ``pre_save``
# is the attribute itself): :func:`insert` skips the field machinery for them, ~5 µs a value.
_PLAIN_TYPES: dict[type[Field], type] = {
    AutoField: int,
    BigAutoField: int,
    CharField: str,
    TextField: str,
    IntegerField: int,
    BigIntegerField: int,
    SmallIntegerField: int,
    PositiveIntegerField: int,
    PositiveBigIntegerField: int,
    PositiveSmallIntegerField: int,
    BooleanField: bool,
}


def table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


def columns(model: type[Model], alias: str) -> list[str]:
    """``alias."column"`` for each concrete field of ``model``, in the order :func:`instance` reads them."""
    return [f'{alias}."{field.column}"' for field in model._meta.concrete_fields]


def for_update(db: BaseDatabaseWrapper, of: str = "") -> str:
    """The row-lock clause, empty on SQLite (no row locks: one writer at a time)."""
    if not db.features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and db.features.has_select_for_update_of else " FOR UPDATE"


def converted(value: Any, expression: Any, db: BaseDatabaseWrapper) -> Any:
    """``value`` as read from the database, turned into what the ORM gives for ``expression``."""
    for converter in db.ops.get_db_converters(expression) + expression.get_db_converters(db):
        value = converter(value, expression, db)
    return value


@functools.cache
def _conversions(model: type[Model], vendor: str) -> list[tuple[int, Col]]:
    """The concrete fields of ``model`` (by position) whose values need converting on ``vendor``."""
    db = transaction.get_connection()
    cols = [(i, field.get_col("")) for i, field in enumerate(model._meta.concrete_fields)]
    return [(i, col) for i, col in cols if db.ops.get_db_converters(col) + col.get_db_converters(db)]


def instance(model: type[Model], values: Iterator[Any], db: BaseDatabaseWrapper) -> Model | None:
    """The next ``model`` in ``values`` (its :func:`columns`, in order); None when its primary key is NULL
    (a LEFT JOIN that found nothing)."""
    fields = model._meta.concrete_fields
    row = [next(values) for _ in fields]
    if row[fields.index(model._meta.pk)] is None:
        return None
    for i, col in _conversions(model, db.vendor):
        row[i] = converted(row[i], col, db)
    return model.from_db(db.alias, None, row)


def locked_one(model: type[Model], column: str, value: Any) -> Model | None:
    """``SELECT ... FOR UPDATE`` the row of ``model`` whose unique ``column`` equals ``value``, or None."""
    db = transaction.get_connection()
    sql = f'SELECT {", ".join(columns(model, table(model)))} FROM {table(model)} WHERE {table(model)}."{column}" = %s'
    with db.cursor() as cursor:
        cursor.execute(sql + for_update(db), [value])
        row = cursor.fetchone()
    return instance(model, iter(row), db) if row is not None else None


@functools.cache
def _save_plan(model: type[Model]) -> list[tuple[Field, type | None]]:
    """Each concrete field of ``model`` with the type its value passes through unprepared (or None)."""
    plan = []
    for field in model._meta.concrete_fields:
        target = field.target_field if isinstance(field, ForeignKey) else field
        plain = _PLAIN_TYPES.get(type(target))
        plan.append((field, plain if type(field) in _PLAIN_TYPES or isinstance(field, ForeignKey) else None))
    return plan


def _save_value(field: Field, plain: type | None, obj: Model, db: BaseDatabaseWrapper) -> Any:
    """What ``bulk_create`` sends for ``field`` of ``obj``: ``get_db_prep_save(pre_save(...))``, skipped
    when the value is None or already of the exact type the field would hand back unchanged."""
    if plain is not None:
        value = getattr(obj, field.attname)
        if value is None or type(value) is plain:
            return value
    return field.get_db_prep_save(field.pre_save(obj, True), connection=db)


def insert(objs: Sequence[Model]) -> None:
    """INSERT unsaved instances of one model in one statement, as ``bulk_create`` would (field defaults and
    ``auto_now`` applied, values prepared by each field; no signals). Their primary keys must be set."""
    if not objs:
        return
    model = type(objs[0])
    db = transaction.get_connection()
    fields = model._meta.concrete_fields
    plan = _save_plan(model)
    params = []
    for obj in objs:
        if obj.pk is None:
            raise ValueError(f"hotsql.insert needs primary keys: {model.__name__} without one")
        params += [_save_value(field, plain, obj, db) for field, plain in plan]
        obj._state.adding, obj._state.db = False, db.alias
    row = f"({', '.join(['%s'] * len(fields))})"
    names = ", ".join(f'"{field.column}"' for field in fields)
    execute(f"INSERT INTO {table(model)} ({names}) VALUES {', '.join([row] * len(objs))}", params)


def execute(sql: str, params: Sequence[Any]) -> None:
    """Run a statement that returns nothing, or queue it when a :func:`batch` is open."""
    db = transaction.get_connection()
    state = getattr(db, "hotsql_batch", None)
    if state is not None:
        depth, pending = state
        if len(db.savepoint_ids) == depth:
            pending.append((sql, params))
            return
        # Inside an atomic block opened within the batch: that block must see its own statement fail, so
        # it runs at once. Sending the queue first would put it inside the block's savepoint (undone if
        # the block fails) and running it ahead of the queue would reorder the writes: neither is allowed.
        if pending:
            raise RuntimeError("hotsql: a statement inside an atomic block after a batch queued others")
    _send(db, [(sql, params)])


@contextmanager
def batch() -> Iterator[None]:
    """Send the :func:`insert` and :func:`execute` statements of the block together when it ends, in order,
    as one round trip on PostgreSQL (one by one elsewhere): a redemption's writes cost one round trip
    instead of one each. Nothing in the block may read what they write (they have not run yet), and an
    error they raise (a constraint refusing a row) surfaces when the block ends, inside the caller's
    transaction (a batch is opened inside one). A statement inside an atomic block opened within the
    batch runs at once, so that block sees its own errors; it must come before anything is queued.
    Blocks do not nest: an inner one joins the outer. On an exception nothing is sent."""
    db = transaction.get_connection()
    if getattr(db, "hotsql_batch", None) is not None:
        yield
        return
    if not db.in_atomic_block:
        # Outside a transaction the queue would be sent in autocommit, after (and apart from) the writes
        # of an atomic block opened inside the batch.
        raise RuntimeError("hotsql.batch() needs a transaction: open it inside transaction.atomic()")
    pending: list[tuple[str, Sequence[Any]]] = []
    db.hotsql_batch = (len(db.savepoint_ids), pending)
    try:
        yield
    finally:
        db.hotsql_batch = None
    _send(db, pending)


def _send(db: BaseDatabaseWrapper, statements: list[tuple[str, Sequence[Any]]]) -> None:
    with db.cursor() as cursor:
        if len(statements) > 1 and db.vendor == "postgresql":
            # psycopg's client-side cursor (Django's default) sends a query without parameters through the
            # simple protocol, which runs several statements separated by semicolons. Each statement is
            # merged with its values on its own: psycopg caches the parsing of short queries only.
            statements = [("; ".join(cursor.mogrify(sql, params) for sql, params in statements), None)]
        for sql, params in statements:
            cursor.execute(sql, params)
