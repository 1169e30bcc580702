"""``Idempotency-Key`` for POST /v1/validations and /v1/redemptions.

The stored answer and the work it describes commit in one transaction: the key's row is inserted
first, so a concurrent call with the same key waits on the unique index until the first commits,
then replays its answer. A call that raises (a bad body, a crash) stores nothing, so a retry runs
again. Keys older than 24 hours are forgotten (``purge_idempotency_keys``) and treated as new.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import DomainError, invalid_payload
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
Answer = tuple[int, dict]


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Same request = same method, path and JSON body (key order and whitespace do not matter)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def idempotent(request, compute: Callable[[], Answer]) -> Answer:
    """Run ``compute`` once per (API key, Idempotency-Key); replays return the first answer."""
    key = request.headers.get(HEADER)
    if key is None:
        return compute()
    if not key.strip() or len(key) > 255:
        raise invalid_payload(f"{HEADER} must be 1 to 255 characters")

    api_key = request.auth
    request_print = fingerprint(request.method, request.path, request.body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    api_key=api_key, key=key, method=request.method, path=request.path[:500], fingerprint=request_print
                )
        except IntegrityError:
            # Another call used this key; its transaction has committed by now (we waited on the index).
            row = IdempotencyKey.objects.select_for_update().get(api_key=api_key, key=key)
            fresh = row.created_at >= timezone.now() - timedelta(hours=IdempotencyKey.TTL_HOURS)
            if fresh and row.fingerprint != request_print:
                raise DomainError(
                    "duplicate_found",
                    "Duplicate idempotency key",
                    f"{HEADER} {key!r} was already used with a different request",
                ) from None
            if fresh and row.response_status is not None:
                return row.response_status, row.response_body
            row.fingerprint, row.created_at = request_print, timezone.now()

        status, body = compute()
        row.response_status, row.response_body = status, body
        row.save()
    return status, body


def purge_idempotency_keys(*, now=None) -> int:
    """Forget keys older than 24 hours. Idempotent; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=IdempotencyKey.TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
