"""The database holds every constraint and index the models declare.

Migrations that change ``db_index`` on a foreign key can silently drop a partial unique index that
shares its column (Django's schema editor only spares ``Meta.indexes``); the model state then claims a
rule the database no longer enforces. PostgreSQL only: SQLite's introspection cannot name every check.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="introspection is exact on PostgreSQL only"),
]


def test_every_declared_constraint_and_index_exists_in_the_database():
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            declared = [*model._meta.constraints, *model._meta.indexes]
            missing += [f"{model._meta.db_table}.{item.name}" for item in declared if item.name not in present]
    assert missing == []


def test_deleting_a_referenced_row_never_reads_a_whole_table():
    """Every foreign key's column leads an index (a partial one where the column is mostly NULL): deleting a
    voucher, a customer or a reward makes PostgreSQL look up the rows that point at it, once per deleted
    row, and without an index each look-up reads the whole referencing table (millions of redemptions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND NOT EXISTS (
                SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
            )
            ORDER BY 1, 2
            """
        )
        unindexed = [f"{table}.{column}" for table, column in cursor.fetchall()]
    assert unindexed == []
