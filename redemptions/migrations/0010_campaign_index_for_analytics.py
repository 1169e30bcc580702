"""redemption_campaign_idx covers the Analytics tab's columns too (failure code, channel, code, tier), so that
a campaign's dashboard reads its period from the index alone.

On PostgreSQL the wider index is built CONCURRENTLY under another name, then swapped in, so redemptions are
never blocked while it builds (a few seconds per million rows). SQLite has no INCLUDE: its index is unchanged.
"""

from django.db import migrations, models

COLUMNS = (
    "result, status, order_id, order_amount, discount_amount, gift_amount, "
    "failure_code, channel_type, channel_id, voucher_code, promotion_tier_id"
)


def widen(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS redemption_campaign_wide")  # an interrupted run's
        cursor.execute(
            "CREATE INDEX CONCURRENTLY redemption_campaign_wide ON redemptions_redemption"
            f" (campaign_id, created_at DESC) INCLUDE ({COLUMNS})"
        )
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS redemption_campaign_idx")
        cursor.execute("ALTER INDEX redemption_campaign_wide RENAME TO redemption_campaign_idx")


def narrow(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS redemption_campaign_idx")
        cursor.execute(
            "CREATE INDEX CONCURRENTLY redemption_campaign_idx ON redemptions_redemption (campaign_id, created_at DESC)"
            " INCLUDE (result, status, order_id, order_amount, discount_amount, gift_amount)"
        )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("redemptions", "0009_reward_redemptions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(widen, narrow)],
            state_operations=[
                migrations.RemoveIndex(model_name="redemption", name="redemption_campaign_idx"),
                migrations.AddIndex(
                    model_name="redemption",
                    index=models.Index(
                        fields=["campaign", "-created_at"],
                        include=(
                            "result", "status", "order", "order_amount", "discount_amount", "gift_amount",
                            "failure_code", "channel_type", "channel_id", "voucher_code", "promotion_tier",
                        ),
                        name="redemption_campaign_idx",
                    ),
                ),
            ],
        ),
    ]
