"""Validations are kept 30 days, then purged by a periodic task."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import (
    Validation,
)

PURGE_BATCH = 5_000


def purge_validations(now: datetime | None = None) -> int:
    """Delete validations older than 30 days, in batches (one short transaction each). Idempotent; returns
    how many it deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=Validation.RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(Validation.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[:PURGE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            count, _ = Validation.objects.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < PURGE_BATCH:
            return deleted
