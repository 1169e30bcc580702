"""Writing the audit trail: events (inside the caller's transaction) and request logs (after the call)."""

import json
import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.logging import REMOVED, SECRET_IN_TEXT

from . import outbox
from .models import Event, RequestLog

log = logging.getLogger(__name__)

_SECRET_KEY = re.compile(r"token|password|secret|authorization|api[_-]?key", re.IGNORECASE)
# Every match of both patterns holds one of these (lower-cased).
_SECRET_WORDS = ("token", "password", "secret", "authorization", "apikey", "api_key", "api-key")
MAX_LOGGED_BODY = 64 * 1024  # bytes of a body kept in a log; larger ones are summarised


def record_event(
    type: str,
    *,
    caller: Caller,
    resource_type: str = "",
    resource_id: str = "",
    campaign_id: str | None = "",
    customer_id: str | None = "",
    data: dict | None = None,
    occurred_at=None,
) -> Event:
    """Write one event in the current transaction, linked to the caller's request log (if any).

    ``customer_id`` puts the event in that customer's activity (``Event.customer_id``)."""
    event = Event(
        type=type,
        occurred_at=occurred_at or timezone.now(),
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        user_id=caller.user_id,
        resource_type=resource_type,
        resource_id=resource_id,
        campaign_id=campaign_id or "",
        customer_id=customer_id or "",
        data=redact(data or {}),
        request_log_id=caller.request_id,
    )
    hotsql.insert([event])  # written as SQL: every call writes events (voucherhub.hotsql)
    outbox.written(event)  # webhooks and distributions queue what they send, in this transaction
    return event


def redact(value: Any) -> Any:
    """A copy of ``value`` fit for the log: values under secret-looking keys removed, ``token=`` in text
    removed, and text PostgreSQL cannot store (NUL, lone surrogates) escaped, in keys and values."""
    if isinstance(value, dict):
        return {storable(str(k)): (REMOVED if _SECRET_KEY.search(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return storable(SECRET_IN_TEXT.sub(r"\1" + REMOVED, value))
    return value


def _nothing_to_redact(raw: bytes) -> bool:
    """True when ``redact`` would return the parsed JSON ``raw`` unchanged, judged on the text alone.

    UTF-8 without NUL bytes (so ``json.loads`` read it as UTF-8) and without ``\\u`` escapes: every decoded
    string is then its raw text with some escapes turned into single non-letter characters, so a secret
    key or a ``token=`` the text does not show cannot appear once decoded, nor can NUL or a lone
    surrogate. The common body skips the walk of ``redact``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or "\\u" in text:
        return False
    if text.isascii() and not any(word in text.lower() for word in _SECRET_WORDS):
        return True  # ASCII: IGNORECASE folds nothing else into these letters; ~20x faster than the searches
    return not _SECRET_KEY.search(text) and not SECRET_IN_TEXT.search(text)


def storable(text: str) -> str:
    """``text`` with NUL and lone surrogates escaped, so PostgreSQL text and jsonb accept it."""
    text = text.replace("\x00", "\\u0000")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def parse_body(raw: bytes, content_type: str) -> Any:
    """A body as the log keeps it: parsed JSON, a short text, or a summary of what was there."""
    if not raw:
        return None
    if len(raw) > MAX_LOGGED_BODY:
        return {"_summary": f"{len(raw)} bytes, not kept"}
    if "json" in content_type or raw[:1] in (b"{", b"["):
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            pass
        else:
            return parsed if _nothing_to_redact(raw) else redact(parsed)
    try:
        return redact(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {"_summary": f"{len(raw)} bytes of binary data"}


def write_request_log(**fields) -> None:
    """Save a request log; a failure here is logged and swallowed (it must never change the answer)."""
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint, so a failed insert cannot break the caller's transaction
                hotsql.insert([RequestLog(**fields)])
        else:
            hotsql.insert([RequestLog(**fields)])  # autocommit: one round trip; SQL (voucherhub.hotsql)
    except Exception:
        log.exception("could not write the request log %s", fields.get("id"))


ERASED = "[erased]"


def erased(value: Any, personal: frozenset[str]) -> Any:
    """A copy of ``value`` (JSON) with every occurrence of the ``personal`` texts replaced by ``[erased]``,
    in keys and values."""
    if isinstance(value, dict):
        return {erased(str(k), personal): erased(v, personal) for k, v in value.items()}
    if isinstance(value, list):
        return [erased(v, personal) for v in value]
    if isinstance(value, str):
        for text in personal:
            value = value.replace(text, ERASED)
    return value


def erase_customer_traces(customer_id: str, personal: set[str]) -> dict[str, int]:
    """A customer's permanent deletion in the audit trail: their events (``Event.customer_id``) lose the link
    and the ``personal`` texts, and so do the request logs those events came from (path, query, bodies).
    Returns how many events and logs were rewritten. Events written before events carried their customer
    are not found."""
    texts = frozenset(text for text in personal if text)
    events = Event.objects.filter(customer_id=customer_id)
    log_ids = set(events.exclude(request_log=None).values_list("request_log_id", flat=True))
    rewritten = 0
    for event in events.iterator(chunk_size=1_000):
        event.data, event.resource_id, event.customer_id = (
            erased(event.data, texts),
            erased(event.resource_id, texts),
            "",
        )
        event.save(update_fields=["data", "resource_id", "customer_id"])
        rewritten += 1
    logs = 0
    for log in RequestLog.objects.filter(pk__in=log_ids).iterator(chunk_size=500):
        for field in ("path", "query", "request_body", "response_body"):
            setattr(log, field, erased(getattr(log, field), texts))
        log.save(update_fields=["path", "query", "request_body", "response_body"])
        logs += 1
    return {"events": rewritten, "logs": logs}
