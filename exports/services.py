"""Exports: request, build, finish or fail, and the reaper that keeps none stuck.

An export is a background job (voucherhub.jobs; this kind is ``EXPORT_JOBS``). ``request_export`` saves
it ``SCHEDULED`` and enqueues ``exports.tasks.build_export`` once the transaction commits. The task claims
it (``IN_PROGRESS``, one conditional UPDATE, so a duplicate message does nothing), writes the CSV to a
temporary local file while reporting progress and a heartbeat, saves the finished file through Django's
storage API and only then marks the export ``DONE`` with the file attached, if this attempt still has it.
A failure marks it ``ERROR`` with a sentence its requester can act on (``notices.NOT_WRITTEN``, or what is
wrong with the request); the exception and its traceback go to the server log, and the exception to the
``export.failed`` event's data, which only admins read. Either end notifies the user who asked, in the
words of ``notices.export_sentence``.

Faults: if the broker cannot take the message, the export stays ``SCHEDULED`` (nothing is lost and the
request still succeeds) and ``reap_exports`` (beat, every minute) enqueues it again. A worker killed
mid-export leaves a stale heartbeat: the reaper puts the export back to ``SCHEDULED`` and enqueues it
(or a redelivered message claims it), up to ``MAX_ATTEMPTS`` attempts, then marks it ``ERROR``. A file is
attached only when complete, so no partial file is ever offered.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone

from auditlog.services import record_event
from dashboard.timezones import valid_zone
from voucherhub.caller import Caller
from voucherhub.jobs import JobKind

from .models import Export, ExportStatus, Notification
from .notices import NOT_WRITTEN, export_sentence
from .sources import ExportParamsError, get_source, in_points, is_dashboard
from .writer import write_csv

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(seconds=settings.JOB_STALE_SECONDS)  # no heartbeat for this long: the worker is gone
REQUEUE_AFTER = timedelta(minutes=2)  # SCHEDULED and not picked up for this long: enqueue again
TEMP_FILES_KEPT = timedelta(hours=6)
WRITE_BUFFER = 1 << 20  # bytes; the rows arrive a few hundred bytes at a time


def temp_dir() -> Path:
    """Where exports are written before they are complete (never offered from here)."""
    path = Path(settings.VAR_DIR) / "export-tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Requesting --------------------------------------------------------------------------------------


def request_export(
    *,
    exported_object: str,
    fields: list[str] | None,
    filters: dict | None,
    channel: str,
    user=None,
    api_key=None,
    order: str | None = None,
    caller: Caller | None = None,
    time_zone: str = "UTC",
) -> Export:
    """Validate the request, save a ``SCHEDULED`` export and enqueue its build after the commit.

    ``user`` is the dashboard user (column permissions apply); an API export has ``api_key`` instead.
    ``time_zone`` is the zone the requester's date filters are read in (the dashboard viewer's zone).
    Raises ``ExportParamsError`` (nothing saved) when the object, a field or a filter is wrong.
    """
    source = get_source(exported_object)
    export = Export(
        exported_object=source.name,
        parameters={"fields": source.clean_fields(fields, user=user), "filters": filters or {}},
        channel=channel,
        user=user,
        api_key=api_key,
        time_zone=valid_zone(time_zone) or "UTC",
    )
    if order:
        export.parameters["order"] = order
    with timezone.override(ZoneInfo(export.time_zone)):
        source.rows(export)  # the filters and order are checked now; the worker must not be the first to see them
    caller = caller or (Caller.for_user(user) if user is not None else Caller.system("exports"))
    with transaction.atomic():
        export.save(force_insert=True)
        record_event(
            "export.created",
            caller=caller,
            resource_type="export",
            resource_id=export.pk,
            data={"exported_object": export.exported_object, "parameters": export.parameters},
        )
        EXPORT_JOBS.enqueue_on_commit(export.pk)
    return export


# --- Building ----------------------------------------------------------------------------------------


class ExportJobs(JobKind):
    """Exports as background jobs: the user who asked is told how it ended."""

    model = Export
    label = "export"
    task = "exports.tasks.build_export"
    failed_status = ExportStatus.ERROR
    max_attempts = MAX_ATTEMPTS
    stale_after = STALE_AFTER
    requeue_after = REQUEUE_AFTER
    gave_up = (
        "The worker building this export stopped {attempts} times, so it was given up. Try again; if it keeps "
        "failing, tell your administrator."
    )
    related = ("user",)
    reset_on_claim = {"progress": 0}  # every attempt writes the whole file again
    reset_on_retry = {"progress": 0}
    log = log

    def finished(self, export: Export) -> None:
        _announce(export, "export.done", export_sentence(export))

    def failed(self, export: Export, message: str) -> None:
        _announce(export, "export.failed", f"{export_sentence(export)}: {message}"[:500])

    def failed_by(self, export: Export, message: str, cause: BaseException) -> None:
        """The exception goes into the event's data, which only admins read ("Technical details",
        auditlog.sentences); the requester reads ``message``."""
        detail = f"{type(cause).__name__}: {cause}"[:1000]
        _announce(export, "export.failed", f"{export_sentence(export)}: {message}"[:500], detail=detail)

    def message_of(self, exc: Exception) -> str:
        """What the requester reads: what is wrong with the request, or that the file could not be written
        (never the exception, which ``JobKind.run`` has logged with its traceback)."""
        if isinstance(exc, ExportParamsError):
            return exc.message
        return NOT_WRITTEN


EXPORT_JOBS = ExportJobs()


class _Heartbeat:
    """Writes progress and the heartbeat of a running export.

    On PostgreSQL the export's own connection is busy streaming the COPY, so these small UPDATEs go
    through a second connection; on SQLite they go through the same one, between chunks.
    """

    def __init__(self, export: Export):
        self.export = export
        self.side = connections.create_connection(connection.alias) if connection.vendor == "postgresql" else None

    def __call__(self, rows: int, percent: int) -> None:
        EXPORT_JOBS.beat(self.export.pk, attempt=self.export.attempts, using=self.side, progress=percent)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


class _TempFile(File):
    """A finished temporary file; ``temporary_file_path`` lets FileSystemStorage move it instead of copying."""

    def __init__(self, path: Path):
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 - closed by File.close()
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)


def build_export(export_id: str) -> Export | None:
    """The task's body: claim the export, build its CSV and attach it, or record why it failed. Returns
    the export as it is afterwards, or None when there was nothing to claim (finished, or running)."""
    return EXPORT_JOBS.run(export_id, _build)


def _build(export: Export) -> None:
    started = time.perf_counter()
    heartbeat = _Heartbeat(export)
    fd, temp_name = tempfile.mkstemp(prefix=f"{export.pk}-", suffix=".csv.part", dir=temp_dir())
    temp_path = Path(temp_name)
    try:
        source = get_source(export.exported_object)
        with timezone.override(ZoneInfo(export.time_zone)):  # date filters read as the requester read them
            rows, also = source.rows(export), source.also_rows(export)
        fields = export.parameters["fields"]
        # Money columns say their unit (``_minor``) in a dashboard's file; a program's points are no money.
        names = source.header_names(fields, dashboard=is_dashboard(export) and not in_points(export))
        with os.fdopen(fd, "wb", buffering=WRITE_BUFFER) as out:
            written = write_csv(
                source, fields, rows, out, heartbeat, names=names, also=also, order=source.order(export)
            )
        with _TempFile(temp_path) as finished:
            name = default_storage.save(f"exports/{export.pk}-{secrets.token_hex(8)}.csv", finished)
    finally:
        heartbeat.close()
        temp_path.unlink(missing_ok=True)
    duration_ms = int((time.perf_counter() - started) * 1000)
    finish_export(
        export.pk, attempt=export.attempts, name=name, rows=written.rows, size=written.size, duration_ms=duration_ms
    )


def finish_export(export_id: str, *, attempt: int, name: str, rows: int, size: int, duration_ms: int) -> Export | None:
    """Attach the complete file and mark the export DONE, notify its user. If this attempt lost the export
    meanwhile (the reaper gave it to another), the file is deleted and nothing changes."""
    with transaction.atomic():
        export = EXPORT_JOBS.finish(
            export_id, attempt=attempt, file=name, rows=rows, size=size, duration_ms=duration_ms, progress=100
        )
        if export is None:
            transaction.on_commit(lambda: default_storage.delete(name))
    return export


def _announce(export: Export, event_type: str, message: str, *, detail: str = "") -> None:
    data = {"status": export.status, "rows": export.rows, "error": export.error}
    if detail:
        data["detail"] = detail  # technical: for admins only (auditlog.sentences.technical_details)
    record_event(event_type, caller=Caller.system("exports"), resource_type="export", resource_id=export.pk, data=data)
    if export.user_id:
        Notification.objects.create(user_id=export.user_id, export=export, message=message)


# --- Keeping none stuck (beat) ------------------------------------------------------------------------


def reap_exports(*, now=None) -> dict[str, int]:
    """Periodic: retry exports whose worker died (stale heartbeat) up to MAX_ATTEMPTS, then ERROR; enqueue
    again SCHEDULED exports nobody picked up (broker was down); delete old temporary files. Safe to run
    twice at once: every change is a conditional UPDATE."""
    now = now or timezone.now()
    counts = EXPORT_JOBS.reap(now=now)
    _delete_old_temp_files(now)
    return counts


def _delete_old_temp_files(now) -> None:
    cutoff = (now - TEMP_FILES_KEPT).timestamp()
    for path in temp_dir().glob("*.csv.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


# --- People and keys ---------------------------------------------------------------------------------


def delete_export(export: Export) -> None:
    """Delete an export, its file and its notifications."""
    name = export.file.name
    with transaction.atomic():
        export.delete()
        if name:
            transaction.on_commit(lambda: default_storage.delete(name))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notify(users, message: str, *, link: str = "") -> int:
    """Put ``message`` in each user's notifications center (``link``: a dashboard path it opens)."""
    rows = [Notification(user=user, message=message[:500], link=link) for user in users]
    Notification.objects.bulk_create(rows)
    return len(rows)
