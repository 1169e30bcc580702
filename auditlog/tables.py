"""The Audit log's tables (django-tables2): request logs and events (its Exports tab is exports.tables)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from dashboard.components import copy_id, id_text, truncated
from dashboard.formatting import EMPTY, when
from dashboard.labels import channel, event_channel_type, http_status, label
from voucherhub.privacy import shown_path, shown_resource_id

from . import wording
from .models import Event, RequestLog
from .sentences import can_see_technical_details, sentence_html, technical_details, tier_ids

STATUS_CLASSES = {2: "text-bg-success", 3: "text-bg-info", 4: "text-bg-warning", 5: "text-bg-danger"}
TABLE_ATTRS = {"class": "table table-hover align-middle mb-0 vh-table"}
KEYSET_TEMPLATE = "dashboard/keyset_table.html"  # « Previous / Next » by cursor, like every dashboard list


class AuditTable(tables.Table):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class RequestLogTable(AuditTable):
    created_at = tables.Column(verbose_name="Date", order_by=("created_at", "id"))
    method = tables.Column(verbose_name="Method", orderable=False)
    path = tables.Column(
        verbose_name="Path",
        orderable=False,
        linkify=lambda record: reverse("auditlog:log_detail", args=[record.pk]),
    )
    response_status = tables.Column(verbose_name="Status", order_by=("response_status", "created_at", "id"))
    channel_id = tables.Column(verbose_name="Channel", orderable=False, empty_values=())
    duration_ms = tables.Column(
        verbose_name="Duration", order_by=("duration_ms", "id"), attrs={"td": {"class": "text-end"}}
    )
    id = tables.Column(verbose_name="Request id", orderable=False)

    class Meta:
        model = RequestLog
        fields = ("created_at", "method", "path", "response_status", "channel_id", "duration_ms", "id")
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS
        template_name = KEYSET_TEMPLATE

    def render_created_at(self, value):
        return when(value)

    def render_path(self, value):
        return shown_path(value, self.user)

    def render_response_status(self, value):
        return format_html(
            '<span class="badge {}">{}</span>', STATUS_CLASSES.get(value // 100, "text-bg-light"), http_status(value)
        )

    def render_channel_id(self, value, record):
        return channel(record.channel_type, value)

    def render_duration_ms(self, value):
        return f"{value} ms"

    def render_id(self, value):
        return format_html("<code>{}</code>", value)


# The columns of a list of events (here and a campaign's Activity tab): the sentence takes the room; a date,
# an id, a channel's words and "Technical details" stay on one line (static/css/events.css).
EVENT_COLUMNS = {
    "date": {"td": {"class": "vh-col-date"}},
    "event": {"td": {"class": "vh-col-event"}},
    "id": {"td": {"class": "vh-col-id"}},
    "channel": {"td": {"class": "vh-col-channel"}},
    "details": {"td": {"class": "vh-col-details"}},
}


def event_channel(event, name: str) -> str:
    """An event's channel: its kind on one line ("Automation" for a periodic task's or a command's), the API
    key's, the user's or the task's name under it, cut when long."""
    return channel(event_channel_type(event), truncated(name) if name else "")


class EventTable(AuditTable):
    occurred_at = tables.Column(verbose_name="Date", order_by=("occurred_at", "id"), attrs=EVENT_COLUMNS["date"])
    type = tables.Column(verbose_name="Event", orderable=False, attrs=EVENT_COLUMNS["event"])
    resource_id = tables.Column(verbose_name="Object", orderable=False, empty_values=(), attrs=EVENT_COLUMNS["id"])
    channel_id = tables.Column(verbose_name="Channel", orderable=False, empty_values=(), attrs=EVENT_COLUMNS["channel"])
    request_log = tables.Column(
        verbose_name="Request log", orderable=False, accessor="request_log_id", attrs=EVENT_COLUMNS["id"]
    )
    details = tables.Column(
        verbose_name="", orderable=False, empty_values=(), accessor="pk", attrs=EVENT_COLUMNS["details"]
    )

    class Meta:
        model = Event
        fields = ("occurred_at", "type", "resource_id", "channel_id", "request_log", "details")
        order_by = ("-occurred_at",)
        attrs = TABLE_ATTRS
        template_name = KEYSET_TEMPLATE

    def __init__(self, *args, user=None, **kwargs):
        if not can_see_technical_details(user):  # the raw event is for admins (auditlog.sentences)
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "details")
        super().__init__(*args, user=user, **kwargs)
        self._tier_names: dict[str, str] | None = None

    def tier_names(self) -> dict[str, str]:
        """The names of the tiers this page's events name, read once for the page (auditlog.wording)."""
        if self._tier_names is None:
            rows = self.page.object_list if hasattr(self, "page") else self.rows
            self._tier_names = wording.tier_names(tier_ids(row.record for row in rows))
        return self._tier_names

    def render_occurred_at(self, value):
        return when(value)

    def render_type(self, record):
        # A failure and a tier as every page says them (auditlog.wording).
        words = sentence_html(record, reason=wording.reason, tiers=self.tier_names())
        return format_html('<span data-testid="event-sentence">{}</span>', words)

    def render_details(self, record):
        return technical_details(record, self.user)

    def render_resource_id(self, value, record):
        shown = event_object(record, self.user)
        return format_html('{}<div class="small text-secondary">{}</div>', shown, label(record.resource_type))

    def render_channel_id(self, value, record):
        return event_channel(record, value)

    def render_request_log(self, value):
        return copy_id(value, reverse("auditlog:log_detail", args=[value]), "request id")


def event_object(event, user) -> str:
    """An event's object id as ``user`` may see it, on one line (an ellipsis, whole in its title)."""
    shown = shown_resource_id(event, user)
    return format_html('<span class="vh-id" title="{}">{}</span>', shown, id_text(shown)) if shown else EMPTY
