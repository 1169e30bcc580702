from django.db import migrations


def create_gin(apps, schema_editor):
    # jsonb_path_ops: the metadata filter is containment (metadata @> '{"key": "value"}').
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS redemption_metadata_gin "
            "ON redemptions_redemption USING gin (metadata jsonb_path_ops)"
        )


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS redemption_metadata_gin")


class Migration(migrations.Migration):
    """A GIN index on redemption metadata, on PostgreSQL only (SQLite has no GIN)."""

    dependencies = [("redemptions", "0001_initial")]
    operations = [migrations.RunPython(create_gin, drop_gin)]
