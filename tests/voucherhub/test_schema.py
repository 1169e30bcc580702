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
