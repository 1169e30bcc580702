from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Every role that browses campaigns sees their publications (campaigns.view_publication)."""

    dependencies = [
        ("voucherhub", "0003_idempotency_keys"),
        ("campaigns", "0004_publications"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
