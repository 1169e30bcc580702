"""Taking rows of the outbox for one worker: the due rows, locked and marked as held until a time, so that
no other worker takes them meanwhile and a worker that dies lets them go when the time passes."""

from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


def claim_due(queryset: models.QuerySet, *, due_by: datetime, limit: int, hold: timedelta) -> list[int]:
    """The ids of up to ``limit`` rows of ``queryset`` (PENDING ones) due by ``due_by`` and held by no worker,
    soonest first, now held for ``hold`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's transactions
    take the write lock up front, so they never overlap)."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            queryset.filter(next_attempt_at__lte=due_by)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            queryset.model.objects.filter(id__in=ids).update(claimed_until=now + hold)
    return ids
