from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Admins manage webhooks (Settings > Webhooks) and campaigns' e-mail distributions."""

    dependencies = [
        ("voucherhub", "0008_api_key_can_manage"),
        ("outbound", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
