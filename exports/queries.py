"""Read side of exports: what a user may see and download, notifications, metadata keys to offer."""

from django.db.models import QuerySet

from .models import Export, Notification
from .sources import METADATA_KEY, Source

METADATA_SAMPLE = 1_000  # rows read to find the metadata keys present (newest first, never a full scan)
NOTIFICATIONS_SHOWN = 10


def visible_exports(user) -> QuerySet:
    """Every export ``user`` may see: a superuser all of them, anyone else their own."""
    exports = Export.objects.select_related("user", "api_key")
    return exports if user.is_superuser else exports.filter(user=user)


def can_download(user, export: Export) -> bool:
    """Only the user who asked (with the export permission), or a superuser."""
    return user.is_superuser or (export.user_id == user.pk and user.has_perm("exports.view_export"))


def metadata_keys(source: Source, rows: QuerySet) -> list[str]:
    """The metadata keys present in the first rows of a selection (in its order: newest first), that a
    column can be made of. Reads METADATA_SAMPLE rows at most, whatever the table's size."""
    if not source.metadata_field:
        return []
    keys: set[str] = set()
    for metadata in rows.values_list(source.metadata_field, flat=True)[:METADATA_SAMPLE]:
        if isinstance(metadata, dict):
            keys.update(key for key in metadata if METADATA_KEY.fullmatch(key))
    return sorted(keys)


def unread_count(user) -> int:
    """The bell's number: one indexed COUNT over the user's unread notifications (a partial index)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def latest_notifications(user) -> list[Notification]:
    """The user's newest notifications with what they show of their export, each marked ``downloadable``
    when its export has a file ``user`` may download (``can_download``, as the download view checks)."""
    notifications = list(
        Notification.objects.filter(user=user)
        .select_related("export")
        .only(
            "id", "message", "created_at", "read_at",
            *(f"export__{name}" for name in (
                "id", "status", "token", "user_id", "exported_object", "rows", "error", "parameters", "created_at",
                "finished_at", "file",
            )),
        )
        .order_by("-created_at", "-id")[:NOTIFICATIONS_SHOWN]
    )  # fmt: skip
    for notification in notifications:
        export = notification.export
        notification.downloadable = bool(
            export is not None and export.status == "DONE" and export.file and can_download(user, export)
        )
    return notifications
