from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Every browsing role sees a program's earning rules, pending points, rewards and tiers; Admins turn rules on
    and off and activate or cancel pending points."""

    dependencies = [
        ("voucherhub", "0005_loyalty_roles"),
        ("loyalty", "0005_tiers"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
