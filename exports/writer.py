"""Writing an export's rows as CSV into a local file, in constant memory.

PostgreSQL: one ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` through psycopg 3, with the formatting done
in SQL (UTC ISO 8601 dates, text cells that a spreadsheet would read as a formula prefixed with ``'``);
the bytes are streamed to the file as the server sends them. Anywhere else (SQLite): a streaming Python
pass over a chunked iterator, with the same formatting in Python. Both write the same header row first.

Integer columns are written as numbers: they come from integer columns, so they can never hold a formula,
and ``-500`` must stay a number in a spreadsheet. Ids and enum codes the system writes are not escaped
either (``sources.CODE``); every text a person or a shop typed is.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from django.db import connection
from django.db.models import F, QuerySet

from voucherhub.wire import iso

from .sources import CODE, DATETIME, INTEGER, JSON, Source

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2_000
PROGRESS_EVERY = 1.0  # seconds between progress (and heartbeat) writes


@dataclass
class Written:
    rows: int
    size: int


def utc_text(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the API writes dates: ``2026-01-17T08:03:25.029Z``."""
    return iso(value)


def escape(text: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Progress:
    """Counts rows and reports ``(rows, percent)`` through ``report`` at most once per PROGRESS_EVERY."""

    def __init__(self, expected: int, report: Callable[[int, int], None]):
        self.expected = max(expected, 1)
        self.report = report
        self.rows = 0
        self._last = time.monotonic()

    def add(self, rows: int) -> None:
        self.rows += rows
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY:
            self._last = now
            self.report(self.rows, min(99, self.rows * 100 // self.expected))


def selection(
    source: Source,
    fields: list[str],
    rows: QuerySet,
    also: QuerySet | None = None,
    order: tuple[str, bool] = ("", True),
) -> tuple[QuerySet, list[str]]:
    """``rows`` reduced to the chosen columns (aliases c0, c1, ...) and each column's kind. With ``also``
    (the second model's rows, Source.also), both in one ``UNION ALL`` in ``order`` (the field and whether
    descending, Source.order), sorted on two more aliases that the file leaves out."""
    values = _values(source, fields, rows, source.columns, order if also is not None else None)
    if also is not None:
        more = _values(source, fields, also, source.also.columns, order)
        direction = "-" if order[1] else ""
        keys = (f"{direction}s0", f"{direction}s1")
        # Each part in order on its own (PostgreSQL): the union is then a merge of two ordered reads, which
        # the index of the order gives (see INDEX_ORDER), instead of one sort of every row.
        ordered = connection.features.supports_slicing_ordering_in_compound
        first, second = (
            (values.order_by(*keys), more.order_by(*keys)) if ordered else (values.order_by(), more.order_by())
        )
        values = first.union(second, all=True).order_by(*keys)
    return values, [source.column(name).kind for name in fields]


def _values(source: Source, fields: list[str], rows: QuerySet, columns: dict, order: tuple[str, bool] | None):
    annotations = {}
    for i, name in enumerate(fields):
        expression = source.column(name, columns).expression
        annotations[f"c{i}"] = F(expression) if isinstance(expression, str) else expression
    if order is not None:
        annotations.update(s0=F(order[0]), s1=F("id"))
    return rows.annotate(**annotations).values_list(*annotations)


def header(fields: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(escape(name) for name in fields)
    return buffer.getvalue().encode()


def estimate_rows(values: QuerySet) -> int:
    """How many rows to expect, for the progress bar: the planner's estimate on PostgreSQL (no scan)."""
    if connection.vendor != "postgresql":
        return values.count()
    sql, params = values.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def write_csv(
    source: Source,
    fields: list[str],
    rows: QuerySet,
    out: BinaryIO,
    report: Callable,
    *,
    names: list[str] | None = None,
    also: QuerySet | None = None,
    order: tuple[str, bool] = ("", True),
) -> Written:
    """Write the header (``names``, the fields' own names by default) and every row to ``out`` (with
    ``also``'s, see selection), reporting ``(rows, percent)`` to ``report`` about once a second while it
    runs; returns the rows and bytes written."""
    values, kinds = selection(source, fields, rows, also, order)
    progress = Progress(estimate_rows(values), report)
    head = header(names or fields)
    out.write(head)
    if connection.vendor == "postgresql":
        count, size = _copy(values, kinds, out, progress, INDEX_ORDER if also is not None else ())
    else:
        count, size = _stream(values, kinds, out, progress)
    return Written(rows=count, size=len(head) + size)


# --- PostgreSQL: COPY ----------------------------------------------------------------------------------

_SQL_FORMULA_STARTS = "('=', '+', '-', '@', E'\\t', E'\\r')"


def _sql_cell(column: str, kind: str) -> str:
    """One column of the COPY, formatted as the Python path formats it, with cheap functions only (this
    runs for every cell of a million rows)."""
    if kind in (INTEGER, CODE):
        return column
    if kind == DATETIME:  # 2026-01-17T08:03:25.029Z, always 3 fraction digits (~0.13 s per million cells)
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    if kind == JSON:  # of all JSON values only a bare number can start with "-"
        return f"CASE WHEN jsonb_typeof({column}) = 'number' THEN '''' || {column}::text ELSE {column}::text END"
    return f"CASE WHEN left({column}, 1) IN {_SQL_FORMULA_STARTS} THEN '''' || {column} ELSE {column} END"


def copy_statement(values: QuerySet, kinds: list[str]) -> tuple[str, tuple]:
    """The ``COPY (SELECT ...) TO STDOUT`` that writes ``values`` formatted, and its parameters."""
    sql, params = values.query.sql_with_params()
    cells = ", ".join(_sql_cell(f'rows."c{i}"', kind) for i, kind in enumerate(kinds))
    return f"COPY (SELECT {cells} FROM ({sql}) AS rows) TO STDOUT (FORMAT csv)", params


# A two-part export (redemptions and their rollbacks) reads each part through the index of its order and
# merges them: not a parallel sequential scan and a sort of every row, which PostgreSQL picks for the newest
# million of many (its costs see a big sort as cheaper than reading through an index; here the table is in
# insertion order, so that read is not random, and the sort spills to disk): the export's time then follows
# its rows, not the table (bench/export.py). A part with no index of its order is still sorted.
INDEX_ORDER = (
    "SET LOCAL enable_seqscan = off",
    "SET LOCAL enable_bitmapscan = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
)


def _copy(
    values: QuerySet, kinds: list[str], out: BinaryIO, progress: Progress, settings: tuple[str, ...] = ()
) -> tuple[int, int]:
    statement, params = copy_statement(values, kinds)
    start = out.tell()
    write = out.write
    connection.ensure_connection()
    with connection.connection.transaction(), connection.connection.cursor() as cursor:
        for setting in settings:  # SET LOCAL: for this COPY's transaction only
            cursor.execute(setting)
        with cursor.copy(statement, params) as copy:
            # PostgreSQL sends one message per row: keep this loop to the write (it runs a million times).
            for messages, chunk in enumerate(copy, 1):
                write(chunk)
                if not messages % CHUNK_ROWS:
                    progress.add(CHUNK_ROWS)
        rows = cursor.rowcount  # exact, from the server's "COPY n"
    return rows, out.tell() - start


# --- Elsewhere: a streaming Python pass ----------------------------------------------------------------


def _python_cell(kind: str) -> Callable:
    def cell(value):
        if value is None:
            return ""
        if kind in (INTEGER, CODE):
            return str(value)
        if kind == DATETIME:
            return utc_text(value)
        if kind == JSON:
            return escape(json.dumps(value, ensure_ascii=False))
        return escape(str(value))

    return cell


def _stream(values: QuerySet, kinds: list[str], out: BinaryIO, progress: Progress) -> tuple[int, int]:
    cells = [_python_cell(kind) for kind in kinds]
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    # csv quotes a cell holding the line terminator but not a lone CR, which must be quoted too (as COPY does)
    quoting_writer = csv.writer(text, lineterminator="\n", quoting=csv.QUOTE_ALL)
    start = out.tell()
    rows = 0
    try:
        for row in values.iterator(chunk_size=CHUNK_ROWS):
            line = [cell(value) for cell, value in zip(cells, row[: len(cells)], strict=True)]
            (quoting_writer if any("\r" in value for value in line) else writer).writerow(line)
            rows += 1
            if rows % CHUNK_ROWS == 0:
                progress.add(CHUNK_ROWS)
        text.flush()
    finally:
        text.detach()  # leave ``out`` open for the caller
    return rows, out.tell() - start
