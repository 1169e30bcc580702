"""LOCK validation sessions: opening, overriding, consuming, releasing and expiring them.

A session's locks are mirrored on the vouchers (``locked_quantity`` / ``locked_credits``); every change
to a lock changes the voucher's counters in the same transaction, with the voucher row locked first.
Lock order everywhere (no deadlocks between these paths and the redemption engine): the customer row
(when the engine has one), then vouchers by primary key, then session rows.

A session past its ``expires_at`` holds nothing, even before the sweeper (:func:`expire_sessions`) has
marked it EXPIRED: :func:`free_locks` counts its locks as free, and :func:`release_expired_locks`
releases them under the voucher lock before anything else is written to that voucher.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import Customer, Voucher
from campaigns.queries import find_voucher
from campaigns.statements import lock_vouchers
from voucherhub.caller import Caller
from voucherhub.errors import not_found
from voucherhub.ids import new_id

from .models import (
    DEFAULT_TTL,
    DEFAULT_TTL_UNIT,
    ReleaseReason,
    SessionLock,
    SessionStatus,
    ValidationSession,
    ttl_to_timedelta,
)

EXPIRY_BATCH = 200  # sessions expired per sweeper transaction


def session_voucher_ids(key: str | None) -> list[str]:
    """The vouchers the session's unreleased locks are on (read without locking, to lock them next)."""
    if not key:
        return []
    return list(
        SessionLock.objects.filter(session_id=key, released_at__isnull=True).values_list("voucher_id", flat=True)
    )


@dataclass(frozen=True)
class FreeLock:
    """What of a voucher's ``locked_quantity`` / ``locked_credits`` does not count against this caller."""

    quantity: int = 0
    credits: int = 0


def free_locks(vouchers: Sequence[Voucher], *, own_key: str | None, now: datetime) -> dict[str, FreeLock]:
    """Per voucher, the locks that are the caller's own (``own_key``) or whose session has expired.

    Only vouchers that carry locks are looked up, so the common case costs no query.
    """
    locked = [v.pk for v in vouchers if v.locked_quantity or v.locked_credits]
    if not locked:
        return {}
    condition = Q(session__expires_at__lte=now)
    if own_key:
        condition |= Q(session_id=own_key)
    free: dict[str, FreeLock] = {}
    rows = SessionLock.objects.filter(voucher_id__in=locked, released_at__isnull=True).filter(condition)
    for voucher_id, quantity, credits in rows.values_list("voucher_id", "quantity", "credits"):
        before = free.get(voucher_id, FreeLock())
        free[voucher_id] = FreeLock(before.quantity + quantity, before.credits + credits)
    return free


def _release(locks: Sequence[SessionLock], now: datetime) -> None:
    """Release ``locks`` and take them off their vouchers' counters (vouchers already locked by the caller)."""
    for lock in locks:
        updated = SessionLock.objects.filter(pk=lock.pk, released_at__isnull=True).update(released_at=now)
        if updated and (lock.quantity or lock.credits):
            Voucher.objects.filter(pk=lock.voucher_id).update(
                locked_quantity=F("locked_quantity") - lock.quantity,
                locked_credits=F("locked_credits") - lock.credits,
            )


def _close(session: ValidationSession, reason: str, now: datetime) -> None:
    session.status = SessionStatus.EXPIRED if reason == ReleaseReason.EXPIRED else SessionStatus.RELEASED
    session.release_reason = reason
    session.released_at = now
    session.save(update_fields=["status", "release_reason", "released_at", "updated_at"])


def _released_event(session_key: str, reason: str, caller: Caller, *, codes: list[str], now: datetime) -> None:
    record_event(
        "session.released",
        caller=caller,
        resource_type="session",
        resource_id=session_key,
        data={"key": session_key, "reason": reason, "codes": codes},
        occurred_at=now,
    )


def release_expired_locks(vouchers: Sequence[Voucher], *, caller: Caller, now: datetime) -> None:
    """Release the locks of expired sessions on ``vouchers`` (which the caller holds locked).

    A session left with no unreleased lock is marked EXPIRED (release reason EXPIRED) with its event;
    the sweeper finishes the others. Refreshes the counters on the given instances.
    """
    locked = [v for v in vouchers if v.locked_quantity or v.locked_credits]
    if not locked:
        return
    by_pk = {v.pk: v for v in locked}
    stale = list(
        SessionLock.objects.filter(
            voucher_id__in=list(by_pk), released_at__isnull=True, session__expires_at__lte=now
        ).order_by("session_id", "voucher_id")
    )
    if not stale:
        return
    _release(stale, now)
    for lock in stale:
        voucher = by_pk[lock.voucher_id]
        voucher.locked_quantity -= lock.quantity
        voucher.locked_credits -= lock.credits
    for key in sorted({lock.session_id for lock in stale}):
        session = ValidationSession.objects.select_for_update().filter(pk=key, status=SessionStatus.ACTIVE).first()
        if session is not None and not session.locks.filter(released_at__isnull=True).exists():
            _close(session, ReleaseReason.EXPIRED, now)
            _released_event(key, ReleaseReason.EXPIRED, caller, codes=[], now=now)


def open_session(
    *,
    key: str | None,
    ttl: int | float | Decimal | None,
    ttl_unit: str | None,
    customer: Customer | None,
    locks: Sequence[tuple[Voucher, int]],
    caller: Caller,
    now: datetime,
) -> ValidationSession:
    """Open the LOCK session ``key`` (a new ``ssn_`` key when None), or override it when it exists.

    Overriding releases every lock the session held and takes the new ones: one redemption and
    ``credits`` per ``(voucher, credits)`` in ``locks``. The caller must hold the row locks of those
    vouchers and of the session's current ones, and must have checked that they are available; the
    database constraints refuse anything beyond the limits. Writes ``session.created``.
    """
    ttl_value = Decimal(str(ttl)) if ttl is not None else DEFAULT_TTL
    unit = ttl_unit or DEFAULT_TTL_UNIT
    expires_at = now + ttl_to_timedelta(ttl_value, unit)
    key = key or new_id("ssn_")
    session = ValidationSession.objects.select_for_update().filter(pk=key).first()
    overridden = session is not None
    if session is None:
        session = ValidationSession.objects.create(
            key=key,
            ttl=ttl_value,
            ttl_unit=unit,
            expires_at=expires_at,
            customer=customer,
            channel_type=caller.channel_type,
            channel_id=caller.channel_id,
            created_at=now,
        )
    else:
        _release(list(session.locks.filter(released_at__isnull=True)), now)
        session.ttl, session.ttl_unit, session.expires_at = ttl_value, unit, expires_at
        session.status, session.release_reason, session.released_at = SessionStatus.ACTIVE, "", None
        session.customer = customer or session.customer
        session.channel_type, session.channel_id = caller.channel_type, caller.channel_id
        session.save()
    for voucher, credits in locks:
        SessionLock.objects.update_or_create(
            session=session,
            voucher=voucher,
            defaults={"quantity": 1, "credits": credits, "created_at": now, "released_at": None},
        )
        Voucher.objects.filter(pk=voucher.pk).update(
            locked_quantity=F("locked_quantity") + 1, locked_credits=F("locked_credits") + credits
        )
    record_event(
        "session.created",
        caller=caller,
        resource_type="session",
        resource_id=session.key,
        campaign_id=next((v.campaign_id for v, _ in locks if v.campaign_id), ""),
        data={
            "key": session.key,
            "ttl": float(ttl_value),
            "ttl_unit": unit,
            "expires_at": expires_at.isoformat(),
            "overridden": overridden,
            "locks": [{"code": v.code, "quantity": 1, "credits": credits} for v, credits in locks],
        },
        occurred_at=now,
    )
    return session


def consume_session(*, key: str, caller: Caller, now: datetime) -> bool:
    """A redemption made with the session's key: release all its locks (reason REDEEMED).

    The caller holds the row locks of the session's vouchers. Returns False when there was no active
    session with that key (nothing to release).
    """
    session = ValidationSession.objects.select_for_update().filter(pk=key, status=SessionStatus.ACTIVE).first()
    if session is None:
        return False
    locks = list(session.locks.select_related("voucher").filter(released_at__isnull=True))
    _release(locks, now)
    _close(session, ReleaseReason.REDEEMED, now)
    _released_event(key, ReleaseReason.REDEEMED, caller, codes=[lock.voucher.code for lock in locks], now=now)
    return True


def release_session_lock(*, code: str, session_key: str, caller: Caller) -> None:
    """``DELETE /v1/vouchers/{code}/sessions/{key}``: release that voucher's lock in the session.

    Locks the voucher, then the session. When the session holds nothing else afterwards it is marked
    RELEASED with reason API. Raises a ``not_found`` DomainError (``resource_type`` voucher or session) when the
    voucher, the session or an active lock of the session on the voucher does not exist.
    """
    voucher = find_voucher(code)
    if "\x00" in session_key:
        raise not_found("session", session_key.replace("\x00", ""))
    with transaction.atomic():
        lock_vouchers([voucher.pk])
        session = ValidationSession.objects.select_for_update().filter(pk=session_key).first()
        lock = None
        if session is not None and session.status == SessionStatus.ACTIVE:
            lock = session.locks.filter(voucher=voucher, released_at__isnull=True).first()
        if lock is None:
            raise not_found("session", session_key)
        now = timezone.now()
        _release([lock], now)
        if not session.locks.filter(released_at__isnull=True).exists():
            _close(session, ReleaseReason.API, now)
        record_event(
            "session.released",
            caller=caller,
            resource_type="session",
            resource_id=session_key,
            campaign_id=voucher.campaign_id,
            data={"key": session_key, "reason": ReleaseReason.API, "codes": [voucher.code]},
            occurred_at=now,
        )


def release_session(*, key: str, caller: Caller, reason: str = ReleaseReason.MANUAL) -> ValidationSession:
    """The dashboard's Release: free every lock of the session and mark it RELEASED with ``reason``.

    Idempotent: a session that is no longer active is returned unchanged. Raises a ``not_found`` DomainError for an
    unknown key.
    """
    if not ValidationSession.objects.filter(pk=key).exists():
        raise not_found("session", key)
    return _end_session(key, reason, caller, timezone.now())


def _end_session(key: str, reason: str, caller: Caller, now: datetime) -> ValidationSession:
    """Release all locks of an active session in one transaction: its vouchers, then the session row."""
    with transaction.atomic():
        lock_vouchers(session_voucher_ids(key))
        session = ValidationSession.objects.select_for_update().get(pk=key)
        if session.status != SessionStatus.ACTIVE:
            return session
        if reason == ReleaseReason.EXPIRED and session.expires_at > now:
            return session  # overridden (new ttl) since the sweeper picked it
        locks = list(session.locks.select_related("voucher").filter(released_at__isnull=True))
        # A lock taken after the vouchers were read is on a voucher not locked above; the UPDATE of the
        # counters locks that row itself, so the books stay right.
        _release(locks, now)
        _close(session, reason, now)
        _released_event(key, reason, caller, codes=[lock.voucher.code for lock in locks], now=now)
        return session


def expire_sessions(now: datetime | None = None) -> int:
    """The sweeper (Celery beat): mark ACTIVE sessions past ``expires_at`` EXPIRED and free their locks.

    One transaction per session, so a long backlog never holds many locks at once. Idempotent and safe to
    run twice or concurrently: each session is re-read under its lock. Returns how many it expired.
    """
    now = now or timezone.now()
    caller = Caller.system("session-expiry")
    expired = 0
    while True:
        keys = list(
            ValidationSession.objects.filter(status=SessionStatus.ACTIVE, expires_at__lte=now)
            .order_by("expires_at", "key")
            .values_list("key", flat=True)[:EXPIRY_BATCH]
        )
        if not keys:
            return expired
        for key in keys:
            session = _end_session(key, ReleaseReason.EXPIRED, caller, now)
            if session.status == SessionStatus.EXPIRED and session.released_at == now:
                expired += 1
        if len(keys) < EXPIRY_BATCH:
            return expired
