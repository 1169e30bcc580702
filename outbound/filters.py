"""The delivery log's filter panel: status, event and dates."""

import django_filters

from auditlog.filters import DATE_RANGE, AuditFilterSet

from .events import TEST_EVENT, WEBHOOK_EVENTS
from .models import Delivery, DeliveryStatus


class DeliveryFilter(AuditFilterSet):
    panel_groups = [("status", "Status", ["status"]), ("event", "Event", ["event_type"]), DATE_RANGE]
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, empty_label="Any status")
    event_type = django_filters.ChoiceFilter(
        label="Event", choices=[(name, name) for name in sorted(WEBHOOK_EVENTS | {TEST_EVENT})], empty_label="Any event"
    )

    class Meta:
        model = Delivery
        fields = ["status", "event_type", "created_from", "created_to"]
