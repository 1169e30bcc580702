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
    password: str | None  # the password set now; None: the user kept the one it had

    @property
    def shown_password(self) -> str:
        return self.password if self.password is not None else "(unchanged)"


def ensure_demo_users(*, password: str | None = None) -> list[DemoUser]:
    """Create or update the demo logins (role, active, superuser flag).

    ``password`` is set for all four. Without it an existing user keeps its password (``make run`` calls
    ``seed_demo`` every time, and a password chosen once must keep working) and a new user, or one without a
    usable password, gets a random one, returned so that the command prints it. The groups come from the
    roles data migration (``Group.DoesNotExist`` means the database is not migrated).
    """
    user_model = get_user_model()
    users = []
    for username, role, superuser in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        chosen = password
        if chosen is None and (not user.password or not user.has_usable_password()):
            chosen = secrets.token_urlsafe(9)
        if chosen is not None:
            user.set_password(chosen)
        user.is_active = True
        user.is_superuser = user.is_staff = superuser
        user.save()
        user.groups.set([Group.objects.get(name=role)] if role else [])
        users.append(DemoUser(username, role or "superuser", chosen))
    return users
