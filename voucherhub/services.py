"""State changes of the project plumbing (heartbeat, API keys)."""

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


def create_api_key(*, name: str, created_by=None) -> tuple[ApiKey, str]:
    """Create a key and return it with its token. The token is not stored and cannot be shown again."""
    app_id, token = ApiKey.generate_credentials()
    key = ApiKey.objects.create(
        name=name, app_id=app_id, token_hash=ApiKey.hash_token(token), token_hint=token[-4:], created_by=created_by
    )
    return key, token


def revoke_api_key(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
