from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """The groups Marketer, Admin and Staff with their permissions."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("voucherhub", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("redemptions", "0001_initial"),
        ("validation_sessions", "0001_initial"),
        ("stacking", "0001_initial"),
        ("auditlog", "0001_initial"),
        ("exports", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
