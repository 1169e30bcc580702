"""The secondary indexes and foreign keys of the tables a bulk load writes: dropped during the load, recreated
before commit.

Per-row foreign-key checks and index maintenance cost far more than writing the rows, so while a table holds
at most four times the rows the load adds, :class:`TablePlan` drops its secondary indexes and foreign keys
*inside the transaction* and recreates them from their own definitions (``pg_get_indexdef`` /
``pg_get_constraintdef``) before commit: a failed load rolls everything back, indexes included, and the
schema comes out as it went in.
"""

from __future__ import annotations

from django.db import connection


class TablePlan:
    """For each table a load writes: keep its secondary indexes and foreign keys while the copies are written, or drop
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
