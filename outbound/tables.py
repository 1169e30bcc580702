"""The delivery log (django-tables2), paged by keyset like every dashboard list."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html

from auditlog.tables import KEYSET_TEMPLATE, TABLE_ATTRS, AuditTable
from dashboard.formatting import EMPTY, when

from .models import Delivery, DeliveryStatus

STATUS_CLASSES = {
    DeliveryStatus.PENDING: "text-bg-warning",
    DeliveryStatus.SUCCEEDED: "text-bg-success",
    DeliveryStatus.FAILED: "text-bg-danger",
}


class DeliveryTable(AuditTable):
    created_at = tables.Column(verbose_name="Event time", order_by=("created_at", "id"))
    event_type = tables.Column(verbose_name="Event", orderable=False)
    status = tables.Column(verbose_name="Status", orderable=False)
    attempts = tables.Column(verbose_name="Attempts", orderable=False, attrs={"td": {"class": "text-end"}})
    last_status_code = tables.Column(verbose_name="Last answer", orderable=False, empty_values=())
    event_id = tables.Column(verbose_name="Event id (webhook-id)", orderable=False)
    actions = tables.Column(verbose_name="", orderable=False, empty_values=(), accessor="pk")

    class Meta:
        model = Delivery
        fields = ("created_at", "event_type", "status", "attempts", "last_status_code", "event_id", "actions")
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS
        template_name = KEYSET_TEMPLATE
        row_attrs = {"id": lambda record: f"delivery-{record.pk}", "data-testid": "delivery-row"}

    def __init__(self, *args, can_replay: bool = False, csrf_token: str = "", **kwargs):
        self.can_replay, self.csrf_token = can_replay, csrf_token
        super().__init__(*args, **kwargs)

    def render_created_at(self, value):
        return when(value)

    def render_event_type(self, value):
        return format_html("<code>{}</code>", value)

    def render_status(self, record):
        label = record.get_status_display()
        if record.status == DeliveryStatus.PENDING and record.attempts:
            label = "Retrying"
        badge = format_html('<span class="badge {}">{}</span>', STATUS_CLASSES[record.status], label)
        if record.status == DeliveryStatus.PENDING and record.attempts:
            return format_html('{} <span class="d-block small text-secondary">next {}</span>', badge,
                               when(record.next_attempt_at))  # fmt: skip
        if record.delivered_at:
            return format_html(
                '{} <span class="d-block small text-secondary">{}</span>', badge, when(record.delivered_at)
            )
        return badge

    def render_last_status_code(self, record):
        if not record.last_status_code:
            return record.last_error or EMPTY
        if record.last_error and record.status != DeliveryStatus.SUCCEEDED:
            return format_html(
                'HTTP {} <span class="d-block small text-secondary">{}</span>',
                record.last_status_code,
                record.last_error,
            )
        return f"HTTP {record.last_status_code}"

    def render_event_id(self, value):
        return format_html('<code class="small">{}</code>', value)

    def render_actions(self, record):
        return render_to_string(
            "outbound/_delivery_actions.html",
            {"delivery": record, "can_replay": self.can_replay, "csrf_token": self.csrf_token},
        )
