from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Every browsing role sees loyalty cards and their points; Admins add and take points."""

    dependencies = [
        ("voucherhub", "0004_publication_role"),
        ("loyalty", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
