"""The Audit log's Exports tab table (django-tables2), paged by keyset like every dashboard list."""

import django_tables2 as tables
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS, AuditTable
from dashboard.formatting import EMPTY, when
from dashboard.labels import label

from .models import Export
from .queries import can_download
from .sources import SOURCES, describe_platform

EXPORT_CLASSES = {
    "SCHEDULED": "text-bg-light",
    "IN_PROGRESS": "text-bg-info",
    "DONE": "text-bg-success",
    "ERROR": "text-bg-danger",
}


CODED_FILTERS = frozenset({"status", "result"})


def filters_used(export: Export) -> str:
    """The stored filters in plain words, without reading anything else (no query per row)."""
    filters = export.parameters.get("filters") or {}
    if not isinstance(filters, dict) or not filters:
        return "no filters"
    if export.channel == "API":
        return "; ".join(describe_platform(export))
    # A status or result as the lists show it ("Rolled back"); ids and names as they are.
    return "; ".join(
        f"{name.replace('_', ' ')}: {label(value) if name in CODED_FILTERS else value}"
        for name, value in filters.items()
    )


class ExportTable(AuditTable):
    created_at = tables.Column(verbose_name="Requested", order_by=("created_at", "id"))
    id = tables.Column(verbose_name="Export", orderable=False)
    status = tables.Column(verbose_name="Status", orderable=False)
    rows = tables.Column(verbose_name="Rows", orderable=False, attrs={"td": {"class": "text-end"}})
    size = tables.Column(verbose_name="Size", orderable=False, attrs={"td": {"class": "text-end"}})
    who = tables.Column(verbose_name="Who", orderable=False, empty_values=(), accessor="user")
    parameters = tables.Column(verbose_name="Fields and filters", orderable=False, empty_values=())
    download = tables.Column(verbose_name="", orderable=False, empty_values=(), accessor="pk")

    class Meta:
        model = Export
        fields = ("created_at", "id", "status", "rows", "size", "who", "parameters", "download")
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS
        template_name = KEYSET_TEMPLATE
        row_attrs = {"id": lambda record: f"export-{record.pk}"}

    def render_created_at(self, value):
        return when(value)

    def render_rows(self, value):
        return f"{value:,}"  # 12,500 as every list counts

    def render_id(self, value, record):
        source = SOURCES.get(record.exported_object)  # what was exported, as the dialog names it: "Redemptions"
        what = source.label if source else label(record.exported_object)
        return format_html(
            '<code>{}</code><div class="small text-secondary" data-testid="export-object">{}</div>', value, what
        )

    def render_status(self, record):
        value = record.status
        badge = format_html(
            '<span class="badge {}">{}</span>', EXPORT_CLASSES.get(value, "text-bg-light"), label(value)
        )
        if record.error:
            return format_html('{}<div class="small text-danger">{}</div>', badge, record.error)
        if value == "IN_PROGRESS":
            return format_html('{}<div class="small text-secondary">{}%</div>', badge, record.progress)
        return badge

    def render_size(self, value):
        return filesizeformat(value)

    def render_who(self, value, record):
        if value is not None:
            return value.get_username()
        return format_html("API key {}", record.api_key.name) if record.api_key_id else EMPTY

    def render_parameters(self, record):
        fields = ", ".join(record.parameters.get("fields") or [])
        filters = filters_used(record)
        return format_html('<div class="small">{}</div><div class="small text-secondary">{}</div>', fields, filters)

    def render_download(self, record):
        if record.status != "DONE" or not record.file or self.user is None or not can_download(self.user, record):
            return ""
        url = reverse("exports:download", args=[record.pk])
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}?token={}" hx-boost="false">Download</a>',
            url,
            record.token,
        )
