"""The audit trail as the outbox of outward events: who is told when an event is written.

An app above this one (``outbound``: webhooks and e-mail distributions) registers a listener in its
``AppConfig.ready``; :func:`~auditlog.services.record_event` calls every listener with the event it has just
queued, inside the caller's transaction, so what a listener writes commits or rolls back with the change
that caused the event. A listener must not read what the event wrote (it may still be in a write batch,
``voucherhub.hotsql.batch``). A statement that writes events by the thousand in SQL (points expiration)
asks :func:`written_by_statement` for the SQL that does the listeners' part in the same statement.
"""

from collections.abc import Callable

from .models import Event

_listeners: list[Callable[[Event], None]] = []
_statement_listeners: list[Callable[[str, tuple[str, ...]], str]] = []


def listen(listener: Callable[[Event], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def written(event: Event) -> None:
    for listener in _listeners:
        listener(event)


def listen_to_statements(listener: Callable[[str, tuple[str, ...]], str]) -> None:
    if listener not in _statement_listeners:
        _statement_listeners.append(listener)


def written_by_statement(events_cte: str, types: tuple[str, ...]) -> str:
    """For a set-based statement (PostgreSQL) whose ``WITH`` item ``events_cte`` inserts events of these
    ``types`` ``RETURNING "id", "type", "occurred_at"``: the further ``WITH`` items (each starting with a
    comma) that the listeners add, writing what they queue in the same statement."""
    return "".join(listener(events_cte, types) for listener in _statement_listeners)
