"""The COPY plumbing of a bulk load: a writer thread streaming chunks, and the secondary indexes and
foreign keys dropped during the load and recreated before commit.

Speed: the replicator fills the next chunk while the writer thread streams the previous one to the server
(one ``COPY ... FROM STDIN`` per table and chunk, pre-formatted text, about 2x faster than
``copy.write_row``), so Python and PostgreSQL each keep one core busy. Per-row foreign-key checks and index
maintenance cost far more than the COPY itself, so while a table holds at most four times the rows the
load adds, :class:`TablePlan` drops its secondary indexes and foreign keys *inside the transaction* and
recreates them from their own definitions (``pg_get_indexdef`` / ``pg_get_constraintdef``) before commit:
a failed load rolls everything back, indexes included, and the schema comes out as it went in.
"""

from __future__ import annotations

import queue
import threading
import time

from django.db import connection


class CopyPipe:
    """Streams ``(table, columns, text)`` chunks to the server from a writer thread, one COPY each.

    The generator (main thread) keeps producing the next chunk while the writer waits on the socket with
    the GIL released, so Python and PostgreSQL run in parallel. The connection is used by the writer only,
    and only while the pipe is open. A writer error is raised in the main thread at the next ``send`` or
    at ``close``; leaving the block on an exception stops the writer before the transaction rolls back.
    """

    def __init__(self, raw_connection) -> None:
        self.raw = raw_connection
        self.queue: queue.Queue = queue.Queue(maxsize=12)
        self.error: BaseException | None = None
        self.abort = False
        self.waited = 0.0  # main-thread seconds spent waiting for the server (backpressure, final drain)
        self.thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)

    def __enter__(self) -> CopyPipe:
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(abort=exc_type is not None)

    def send(self, table: str, columns: str, text: str, then: tuple[str, ...] = ()) -> None:
        """COPY ``text`` into ``table``, then run the statements ``then`` (in the writer thread)."""
        if not text:
            return
        item = (table, columns, text, then)
        mark = time.perf_counter()
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(item, timeout=0.5)
                break
            except queue.Full:
                continue
        self.waited += time.perf_counter() - mark

    def close(self, *, abort: bool = False) -> None:
        mark = time.perf_counter()
        self.abort = abort
        if abort:
            try:
                while True:
                    self.queue.get_nowait()
            except queue.Empty:
                pass
        self.queue.put(None)
        self.thread.join()
        self.waited += time.perf_counter() - mark
        if self.error is not None and not abort:
            raise self.error

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while True:
                    item = self.queue.get()
                    if item is None or self.abort:
                        return
                    table, columns, text, then = item
                    with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                        copy.write(text)
                    for statement in then:
                        cursor.execute(statement)
        except BaseException as exc:  # handed to the main thread
            self.error = exc
            while self.queue.get() is not None:  # unblock the producer until it notices
                pass


class TablePlan:
    """For each table a load writes: keep its secondary indexes and foreign keys during the COPY, or drop
    them inside the load's transaction and recreate them from their own definitions before commit.

    Measured on this machine for a load of 1M redemptions: with the indexes kept, the server spends
    about 40 us per loaded row maintaining them into empty tables and over 100 us once the tables hold a
    few million rows (the indexes outgrow the cache); rebuilding costs about 23 us per row of the whole
    table (parallel workers help). Deferred foreign-key checks cost about 25 us per loaded row,
    re-validating a constraint (one join) about 5 us per row of the table. So ``auto`` rebuilds a table
    while it holds at most :data:`REBUILD_FACTOR` times the rows the load adds: five loads of a million
    all rebuild. Primary keys and unique constraints always stay (foreign keys depend on them).
    """

    REBUILD_FACTOR = 4

    def __init__(self, estimates: dict[str, int], mode: str) -> None:
        self.estimates = estimates
        self.mode = mode
        self.rebuilt: list[str] = []
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses a table with deferred checks still queued (the catalogue's rows): run them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, new_rows in self.estimates.items():
                if self.mode == "never" or (
                    self.mode == "auto" and self._existing(cursor, table, new_rows) > self.REBUILD_FACTOR * new_rows
                ):
                    continue
                self.rebuilt.append(table)
                cursor.execute(
                    """
                    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
                    """,
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.constraints.append((table, name, definition))
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                cursor.execute(
                    """
                    SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
                    JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = %s::regclass
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                    ORDER BY i.relname
                    """,
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's INITIALLY DEFERRED for the load

    def _existing(self, cursor, table: str, new_rows: int) -> int:
        """The table's rows as the planner knows them (the previous load ANALYZEd it), else counted."""
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        existing = cursor.fetchone()[0]
        if existing < 0:  # never analyzed: count, but never further than the decision needs
            limit = self.REBUILD_FACTOR * new_rows + 1
            cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT %s) AS s', [limit])
            existing = cursor.fetchone()[0]
        return existing

    def restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            for definition in self.indexes:
                cursor.execute(definition)

    def restore_constraints(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the kept foreign keys' checks, as above
            for table, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
