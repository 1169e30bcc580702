"""Copies of the template's history through COPY: fresh ids, shifted times, unique values made unique.

Each template row's COPY text is cut once into a ``%``-format string with a slot for every token a copy
changes; a copy then fills it from one list of values computed per copy. The tokens, wherever they are in
the line (a column, or inside stored JSON):

- the id of a cloned row (``r_``, ``v_``, ``cust_``, ``ssn_``...) and every tracking id (``track_``): a new
  id from :func:`voucherhub.ids.new_id` at the shifted time, so ids keep sorting by time and foreign keys,
  JSON references and ``related_object_id`` follow; ids of shared rows (campaigns, tiers, rules,
  categories, segments, users) stay;
- a time (``2026-12-05 16:11:29`` or ``2026-12-05T16:11:29``): moved back by the copy's shift in whole
  seconds (the fraction and the zone stay as they are);
- a voucher code or a customer's or order's source id: suffixed ``-L<load>C<copy>``.

``request_log_id`` is left empty: request logs and events are not cloned. A copy keeps only the
validations its shift leaves within the retention period. Columns no copy changes are, when wide (an
order's items), joined on the server from the template row instead of being sent again (``_join_plan``):
the server's parsing of that JSON was the slowest part of a load.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

from django.db import models

from campaigns.models import Customer, Order, Voucher
from redemptions.models import Validation
from voucherhub.ids import new_id

ID_HEX = 22  # 12 hex digits of milliseconds and 10 random ones (voucherhub.ids)
RENEWED_PREFIXES = ("track_",)  # ids of no row that are still one per call: new in every copy
JOINED_BYTES = 200  # unchanging bytes a row above which a copy joins them from the template row on the server
CHUNK_ROWS = 20_000  # rows per COPY statement (a few MB of text)
NULL_COLUMNS = {"request_log_id"}

_ID = rf"\b[a-z]+_[0-9a-f]{{{ID_HEX}}}\b"
_TIME = r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d"
_WORD = r"(?<![\w-])[\w-]+(?![\w-])"  # a candidate code or source id, looked up in the template's set
TOKEN = re.compile(rf"(?P<ids>{_ID})|(?P<times>{_TIME})|(?P<uniques>{_WORD})")


@dataclass
class _Row:
    fmt: str
    slots: tuple[int, ...]
    seconds: int  # the row's created_at, epoch seconds (which validations a copy keeps)

    def getter(self) -> Callable[[list[str]], tuple[str, ...]]:
        if len(self.slots) == 1:
            only = self.slots[0]
            return lambda values: (values[only],)
        return itemgetter(*self.slots)


class _Slots:
    """The distinct tokens of the template, by kind; a slot's global index is known after :meth:`freeze`."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.times: dict[str, int] = {}
        self.uniques: dict[str, int] = {}

    def ref(self, kind: str, token: str) -> tuple[str, int]:
        table = getattr(self, kind)
        return kind, table.setdefault(token, len(table))

    def freeze(self) -> dict[str, int]:
        return {"ids": 0, "times": len(self.ids), "uniques": len(self.ids) + len(self.times)}


class _Clock:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS``, the hour's text cached."""

    SECONDS = [f"{second // 60:02d}:{second % 60:02d}" for second in range(3600)]

    def __init__(self) -> None:
        self.hours: dict[int, str] = {}

    def __call__(self, seconds: int) -> str:
        hour, rest = divmod(seconds, 3600)
        prefix = self.hours.get(hour)
        if prefix is None:
            prefix = self.hours[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
        return prefix + self.SECONDS[rest]


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("T", " ")).replace(tzinfo=UTC).timestamp())


class Replicator:
    """Writes ``copies - 1`` shifted copies of the template (the template itself is copy 0)."""

    def __init__(self, text: dict, cloned_ids: set[str], load: int) -> None:
        self.load = load
        self.cloned_ids = cloned_ids
        self.clock = _Clock()
        self.uniques = self._uniques(text)
        self.slots = _Slots()
        parsed = {model: self._parse(columns, lines) for model, (columns, lines) in text.items()}
        offsets = self.slots.freeze()
        self.tables = []
        self.seconds: dict[type[models.Model], list[int]] = {}
        self.joined: list[tuple[str, str, str, str]] = []  # (temporary table, table, copied columns, INSERT)
        for model, (columns, _) in text.items():
            table, kept = self._join_plan(model, columns, parsed[model])
            rows = [_Row(fmt, tuple(offsets[k] + i for k, i in refs), s) for fmt, refs, s in parsed[model]]
            rows.sort(key=lambda row: row.seconds)
            sql_columns = ", ".join(f'"{c}"' for c in kept)
            self.tables.append((table, sql_columns, rows, [row.getter() for row in rows], model))
            self.seconds[model] = [row.seconds for row in rows]
        self.id_parts = [(token[:-ID_HEX], int(token[-ID_HEX:-10], 16)) for token in self.slots.ids]
        self.time_parts = [(_epoch(token), token[10]) for token in self.slots.times]
        self.unique_parts = list(self.slots.uniques)
        self.written: dict[type[models.Model], int] = dict.fromkeys(text, 0)
        self.python_seconds = 0.0

    @staticmethod
    def _uniques(text: dict) -> set[str]:
        """The template's voucher codes and source ids: the values a copy must not repeat."""
        found = set()
        for model, column in ((Voucher, "code"), (Customer, "source_id"), (Order, "source_id")):
            columns, lines = text[model]
            index = columns.index(column)
            found.update(line.split("\t")[index] for line in lines)
        return found

    def _join_plan(self, model: type[models.Model], columns: list[str], parsed: list) -> tuple[str, list[str]]:
        """Where a copy's rows go: straight to the table, or, when columns no copy changes carry more than
        :data:`JOINED_BYTES` a row (an order's items), only the changing columns and the template row's key
        to a temporary table, the rest joined from the template row by one ``INSERT ... SELECT`` (the server
        copies those values instead of parsing them again). Joins each row's pieces into its format."""
        pk = model._meta.pk.column
        static = {
            i
            for i, column in enumerate(columns)
            if column not in NULL_COLUMNS and not any("%s" in row[0][i] for row in parsed)
        }
        width = sum(len(row[0][i]) for row in parsed for i in static) / max(1, len(parsed))
        if pk not in columns or width < JOINED_BYTES:
            parsed[:] = [("\t".join(pieces), refs, seconds) for pieces, refs, seconds, _ in parsed]
            return model._meta.db_table, columns
        kept = [i for i in range(len(columns)) if i not in static]
        key = columns.index(pk)
        parsed[:] = [
            ("\t".join([*(pieces[i] for i in kept), fields[key].replace("%", "%%")]), refs, seconds)
            for pieces, refs, seconds, fields in parsed
        ]
        temporary = f"_bulk_{model._meta.db_table}"
        names = [columns[i] for i in kept]
        select = ", ".join(f'o."{c}"' if i in static else f't."{c}"' for i, c in enumerate(columns))
        table = model._meta.db_table
        all_columns = ", ".join(f'"{c}"' for c in columns)
        insert = (
            f'INSERT INTO "{table}" ({all_columns}) SELECT {select} '
            f'FROM "{temporary}" t JOIN "{table}" o ON o."{pk}" = t._template'
        )
        self.joined.append((temporary, model._meta.db_table, ", ".join(f'"{c}"' for c in names), insert))
        return temporary, [*names, "_template"]

    def _parse(self, columns: list[str], lines: list[str]) -> list[tuple[list[str], list, int, list[str]]]:
        created = columns.index("created_at") if "created_at" in columns else None  # not on memberships
        parsed = []
        for line in lines:
            pieces, refs = [], []
            fields = line.split("\t")
            for index, value in enumerate(fields):
                if columns[index] in NULL_COLUMNS:
                    pieces.append("\\N")
                    continue
                pieces.append(self._cut(value, refs))
            seconds = 0 if created is None else _epoch(fields[created][:19])
            parsed.append((pieces, refs, seconds, fields))
        return parsed

    def _cut(self, value: str, refs: list) -> str:
        out, last = [], 0
        for match in TOKEN.finditer(value):
            kind, token = match.lastgroup, match.group()
            if kind == "ids" and token not in self.cloned_ids and not token.startswith(RENEWED_PREFIXES):
                continue  # a shared row's id
            if kind == "uniques" and token not in self.uniques:
                continue
            out.append(value[last : match.start()].replace("%", "%%"))
            out.append("%s")
            refs.append(self.slots.ref(kind, token))
            last = match.end()
        out.append(value[last:].replace("%", "%%"))
        return "".join(out)

    def values(self, copy: int, shift: int) -> list[str]:
        """Every slot's value in copy ``copy``, moved ``shift`` seconds back."""
        shift_ms = shift * 1000
        values = [new_id(prefix, at_ms=ms - shift_ms) for prefix, ms in self.id_parts]
        clock = self.clock
        for seconds, separator in self.time_parts:
            text = clock(seconds - shift)
            values.append(text if separator == " " else text.replace(" ", "T"))
        suffix = f"-L{self.load}C{copy}"
        values.extend(unique + suffix for unique in self.unique_parts)
        return values

    def run(self, pipe, shifts: list[int], validations_from: int) -> None:
        """Write one copy per shift (copy numbers from 1) through ``pipe``; a copy keeps the validations
        not older than ``validations_from`` (epoch seconds)."""
        started = time.thread_time()
        buffers: dict[int, list[str]] = {index: [] for index in range(len(self.tables))}
        for copy, shift in enumerate(shifts, start=1):
            values = self.values(copy, shift)
            for index, (_, _, rows, getters, model) in enumerate(self.tables):
                first = 0
                if model is Validation:
                    first = bisect_left(self.seconds[model], validations_from + shift)
                buffer = buffers[index]
                buffer.extend(rows[i].fmt % getters[i](values) for i in range(first, len(rows)))
                if len(buffer) >= CHUNK_ROWS:
                    self._send(pipe, index, buffer)
        for index, buffer in buffers.items():
            self._send(pipe, index, buffer)
        self.python_seconds = time.thread_time() - started

    def _send(self, pipe, index: int, buffer: list[str]) -> None:
        if not buffer:
            return
        table, columns, _, _, model = self.tables[index]
        self.written[model] += len(buffer)
        then = tuple(
            statement
            for temporary, *_, insert in self.joined
            if temporary == table
            for statement in (insert, f'TRUNCATE "{temporary}"')
        )  # a joined table: from the temporary table into the real one, in the writer thread
        pipe.send(table, columns, "\n".join(buffer) + "\n", then)
        buffer.clear()

    def create_joined(self, cursor) -> None:
        """The temporary tables the joined copies go to (dropped at commit)."""
        for temporary, table, columns, _ in self.joined:
            cursor.execute(f'DROP TABLE IF EXISTS "{temporary}"')  # an earlier load in the same transaction
            cursor.execute(
                f'CREATE TEMPORARY TABLE "{temporary}" ON COMMIT DROP AS '
                f"SELECT {columns}, ''::text AS _template FROM \"{table}\" WITH NO DATA"
            )
