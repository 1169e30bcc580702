"""The demo logins: one per role, and the superuser ``owner``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from demo.catalogue import DEMO_USERS


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # the group, or "superuser"
    password: str


def ensure_demo_users(*, password: str | None = None) -> list[DemoUser]:
    """Create or update the demo logins and give each ``password`` or a new random one.

    Every call sets the password it returns, so what the command prints is always true. The groups come
    from the roles data migration (``Group.DoesNotExist`` means the database is not migrated).
    """
    user_model = get_user_model()
    users = []
    for username, role, superuser in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        chosen = password or secrets.token_urlsafe(9)
        user.set_password(chosen)
        user.is_active = True
        user.is_superuser = superuser
        user.is_staff = superuser
        user.save()
        user.groups.set([Group.objects.get(name=role)] if role else [])
        users.append(DemoUser(username, role or "superuser", chosen))
    return users
