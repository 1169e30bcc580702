"""State changes of the project plumbing (heartbeat, API keys)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import ApiKey, WorkerHeartbeat


def record_heartbeat(*, name: str = "worker") -> WorkerHeartbeat:
    """Stamp ``name`` as seen now and count the beat. Safe to run any number of times."""
    with transaction.atomic():
        beat, created = WorkerHeartbeat.objects.select_for_update().get_or_create(
            name=name, defaults={"seen_at": timezone.now(), "beats": 1}
        )
        if not created:
            WorkerHeartbeat.objects.filter(pk=beat.pk).update(seen_at=timezone.now(), beats=F("beats") + 1)
            beat.refresh_from_db()
    return beat


def create_api_key(*, name: str, created_by=None, can_manage: bool = False) -> tuple[ApiKey, str]:
    """Create a key and return it with its token. The token is not stored and cannot be shown again.
    ``can_manage``: the key also opens /management/v1/ (project settings, webhooks)."""
    app_id, token = ApiKey.generate_credentials()
    key = ApiKey.objects.create(
        name=name,
        app_id=app_id,
        token_hash=ApiKey.hash_token(token),
        token_hint=token[-4:],
        created_by=created_by,
        can_manage=can_manage,
    )
    return key, token


# A key's "last used" moves at most this often per process: one UPDATE a minute, never one per call.
LAST_USED_EVERY = timedelta(minutes=1)


def note_key_used(key: ApiKey) -> None:
    """Stamp ``key`` (the process's cached copy too) as used now, unless it was stamped under a minute ago."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return
    key.last_used_at = now
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def revoke_api_key(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
