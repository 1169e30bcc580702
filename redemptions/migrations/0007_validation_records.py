"""Validations keep a record of each redeemable (redemptions.records) instead of the API's answer.

Rows written before keep the answer's shape (``result.details`` / ``result.error``); this rewrites them
in place, batch by batch, so the Validations tab reads one shape. Validations are purged after 30 days,
so there are at most that many days of them. The campaign id stays, so the campaign dashboards' GIN index
finds the same rows. Irreversible in detail (the answer's other fields are not kept), harmless backwards.
"""

from django.db import migrations

BATCH = 2_000


def _record(item):
    if not isinstance(item, dict) or "result" not in item:
        return item  # already a record, or nothing we can read
    result = item.get("result") if isinstance(item.get("result"), dict) else {}
    details = result.get("details") if isinstance(result.get("details"), dict) else {}
    error = result.get("error") if isinstance(result.get("error"), dict) else {}
    record = {"object": item.get("object"), "id": item.get("id"), "status": item.get("status")}
    reason, message = details.get("key") or error.get("key"), details.get("message") or error.get("message")
    if reason:
        record["reason"], record["message"] = reason, message
    if item.get("campaign_id"):
        record["campaign_id"] = item["campaign_id"]
    return record


def forwards(apps, schema_editor):
    Validation = apps.get_model("redemptions", "Validation")
    last = ""
    while True:
        rows = list(Validation.objects.filter(pk__gt=last).order_by("pk").only("pk", "redeemables")[:BATCH])
        if not rows:
            return
        changed = []
        for row in rows:
            items = row.redeemables if isinstance(row.redeemables, list) else []
            records = [_record(item) for item in items]
            if records != items:
                row.redeemables = records
                changed.append(row)
        Validation.objects.bulk_update(changed, ["redeemables"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("redemptions", "0006_campaign_stats_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
