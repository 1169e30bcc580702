"""The Audit log's Exports tab filter panel: status, object and dates, like the Audit log's other tabs."""

import django_filters

from auditlog.filters import DATE_RANGE, AuditFilterSet

from .models import Export, ExportStatus
from .sources import SOURCES


class ExportFilter(AuditFilterSet):
    panel_groups = [("status", "Status", ["status"]), ("object", "Object", ["exported_object"]), DATE_RANGE]
    status = django_filters.ChoiceFilter(choices=ExportStatus.choices, empty_label="Any status")
    exported_object = django_filters.ChoiceFilter(
        label="Object", choices=[(name, s.label) for name, s in SOURCES.items()], empty_label="Anything"
    )

    class Meta:
        model = Export
        fields = ["status", "exported_object", "created_from", "created_to"]
