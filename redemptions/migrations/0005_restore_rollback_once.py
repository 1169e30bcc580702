"""Put back the "one successful rollback per redemption" unique index on PostgreSQL.

0003 set ``db_index=False`` on ``Rollback.redemption``. Django's schema editor then drops every
single-column btree index on that column that is not in ``Meta.indexes`` — including the partial
unique index behind ``Meta.constraints``' ``rollback_once_per_redemption`` — while the migration state
still believes the constraint exists. (SQLite rebuilds the table from the state, so it kept it.)
tests/voucherhub/test_schema.py now checks that every declared constraint and index is in the database.
"""

from django.db import migrations

SQL = (
    "CREATE UNIQUE INDEX IF NOT EXISTS rollback_once_per_redemption "
    "ON redemptions_rollback (redemption_id) WHERE result = 'SUCCESS'"
)


class Migration(migrations.Migration):
    dependencies = [("redemptions", "0004_sort_indexes")]

    operations = [migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)]
