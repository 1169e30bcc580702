"""Which rows a transaction holds locked, seen from a second PostgreSQL connection."""

import psycopg
from django.db import connection, transaction
from django.db.models import Model
from psycopg.errors import LockNotAvailable


def locked_rows(hold, rows: dict[str, Model]) -> set[str]:
    """Which of ``rows`` (by name) another connection finds locked while ``hold()`` runs in a transaction."""
    settings = connection.settings_dict
    found = set()
    with transaction.atomic():
        hold()
        with psycopg.connect(
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            dbname=settings["NAME"],
            autocommit=True,
        ) as other:
            for name, row in rows.items():
                table, pk = type(row)._meta.db_table, type(row)._meta.pk.column
                try:
                    other.execute(f'SELECT 1 FROM "{table}" WHERE "{pk}" = %s FOR UPDATE NOWAIT', [row.pk])
                except LockNotAvailable:
                    found.add(name)
    return found
