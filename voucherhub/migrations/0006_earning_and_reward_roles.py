from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Every browsing role sees a program's earning rules, pending points, rewards, tiers and expiring points; Admins turn rules on
    and off and activate or cancel pending points."""

    dependencies = [
        ("voucherhub", "0005_loyalty_roles"),
        ("loyalty", "0007_lean_ledger_indexes"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
