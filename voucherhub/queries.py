"""Read side of the core: whether the background worker is alive (the home page shows it)."""

from django.utils import timezone

from .models import WorkerHeartbeat


def worker_heartbeat() -> dict:
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"seen": False}
    age = (timezone.now() - beat.seen_at).total_seconds()
    return {"seen": True, "seen_at": beat.seen_at, "age_seconds": int(age), "stale": age > 120}
