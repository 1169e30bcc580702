"""Fixtures of the browser tests that walk the small demo."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from demo.catalogue import MIN_REDEMPTIONS
from demo.loader import seed_demo
from voucherhub.roles import ROLE_PERMISSIONS, sync_roles


@pytest.fixture
def demo_shop(transactional_db):
    """The small demo (seed_demo), its users' password "pw"."""
    # A transactional test ends with a flush that empties the roles' groups: put them back first.
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        sync_roles(apps)
    seed_demo(redemptions=MIN_REDEMPTIONS, password="pw")
