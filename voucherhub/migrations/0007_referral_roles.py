from django.db import migrations

from voucherhub.roles import sync_roles


class Migration(migrations.Migration):
    """Every browsing role sees a referral program's referrers, referees, reward tiers and rewards granted;
    Admins add and remove reward tiers."""

    dependencies = [
        ("voucherhub", "0006_earning_and_reward_roles"),
        ("referrals", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
