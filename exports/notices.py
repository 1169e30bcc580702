"""An export's notice in words: the one sentence the bell, the notifications page and the stored
notification say ("Redemptions export ready: 1,234 rows"), and what a failed export tells its requester."""

from __future__ import annotations

from dashboard.labels import label

from .sources import SOURCES

# What a person is told when writing the file failed; the exception itself goes to the server log.
NOT_WRITTEN = "The export could not be written. Try again; if it keeps failing, tell your administrator."


def export_name(exported_object: str) -> str:
    """The export's name, "Redemptions" or "Card transactions": the source's label, else the code in words."""
    source = SOURCES.get(exported_object)
    return source.label if source is not None else label(exported_object)


def export_sentence(export) -> str:
    """The export, what became of it and, when ready, its row count: "Redemptions export ready: 2 rows"."""
    name = export_name(export.exported_object)
    if export.status == "DONE":
        rows = export.rows or 0
        return f"{name} export ready: {rows:,} row{'' if rows == 1 else 's'}"
    if export.status == "ERROR":
        return f"{name} export failed"
    return f"{name} export {label(export.status).lower()}"
