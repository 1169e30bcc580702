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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper
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
    with prepared_cursor(db) as cursor:
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
    if len(statements) > 1 and _prepares(db):
        _pipeline(db, statements)
        return
    with prepared_cursor(db) as cursor:
        if len(statements) > 1 and db.vendor == "postgresql":
            # Not prepared: psycopg's client-side cursor (Django's) sends a query without parameters through
            # the simple protocol, which runs several statements separated by semicolons. Each statement is
            # merged with its values on its own: psycopg caches the parsing of short queries only.
            statements = [("; ".join(cursor.mogrify(sql, params) for sql, params in statements), None)]
        for sql, params in statements:
            cursor.execute(sql, params)


def _pipeline(db: BaseDatabaseWrapper, statements: list[tuple[str, Sequence[Any]]]) -> None:
    """Run ``statements`` in psycopg's pipeline mode: all sent (each prepared, see :func:`prepared_cursor`)
    before any answer is read, one round trip in all. A refused statement skips the rest and raises when the
    pipeline ends, as Django's error (IntegrityError...), inside the caller's transaction. Django's query log
    (DEBUG, tests) gets one entry for the round trip: its statements with their values, joined by ``; ``."""
    db.ensure_connection()
    db.validate_thread_sharing()
    started = time.monotonic()
    try:
        with db.wrap_database_errors, db.connection.pipeline(), _PreparingCursor(db.connection) as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    finally:
        if db.queries_logged:
            sent = "; ".join(_composed(db, sql, params) for sql, params in statements)
            db.queries_log.append({"sql": sent, "time": f"{time.monotonic() - started:.3f}"})


def _composed(db: BaseDatabaseWrapper, sql: str, params: Sequence[Any] | None) -> str:
    """``sql`` with its values written in, as Django logs a statement (as it is when psycopg cannot write one)."""
    if params is None:
        return sql
    try:
        return db.ops.compose_sql(sql, params)
    except Exception:
        return sql


def _prepares(db: BaseDatabaseWrapper) -> bool:
    return db.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS


@contextmanager
def prepared_cursor(db: BaseDatabaseWrapper) -> Iterator[Any]:
    """A cursor of ``db`` (Django's wrapper: its errors, its query log) whose statements PostgreSQL keeps
    prepared: psycopg binds the parameters server-side and prepares each statement text once per
    connection, so a hot statement is parsed and planned once instead of on every call (the voucher lock:
    ~1.2 ms of PostgreSQL's CPU a call planned each time, ~0.3 ms prepared; measured 2026-12-07). Django's
    own cursors bind client-side and never prepare. Elsewhere (SQLite, or DATABASE_PREPARED_STATEMENTS
    off for a PgBouncer without prepared-statement support) Django's cursor."""
    if not _prepares(db):
        with db.cursor() as cursor:
            yield cursor
        return
    db.ensure_connection()
    db.validate_thread_sharing()
    raw = _PreparingCursor(db.connection)
    wrapped = _LoggedCursor(raw, db) if db.queries_logged else db.make_cursor(raw)
    with wrapped:
        yield wrapped


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, each statement prepared on its first run (Django turns psycopg's
    automatic preparation off, and its cursor wrapper passes no ``prepare`` argument)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log (DEBUG, tests) of a prepared cursor: each statement with its values, as Django logs
    its own cursors' (it reads them from psycopg, which keeps no text of a prepared statement's run)."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        if use_last_executed_query and not many:
            sql = _composed(self.db, sql, params)
        return super().debug_sql(sql, params, use_last_executed_query=False, many=many)
