"""The Audit log's filter panels (django-filter): every filter lives in the query string. The Exports
tab's panel (exports.filters) builds on AuditFilterSet."""

import re
from datetime import timedelta

import django_filters
from django import forms

from dashboard.filters import FilterPanelMixin, bootstrap_widgets, day_start
from dashboard.labels import channel_from_label

from .models import Event, RequestLog
from .sentences import EVENT_GROUPS

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_STATUS = re.compile(r"^([1-5])(?:xx|XX)$|^([1-5][0-9]{2})$")


def _status_value(value: str) -> None:
    if not _STATUS.match(value):
        raise forms.ValidationError("Use a status code (404) or a class (4xx).")


# The date range is one filter of the panel: "From" and "To" side by side under "Date range".
DATE_RANGE = ("date", "Date range", ["created_from", "created_to"])


class AuditFilterSet(FilterPanelMixin, django_filters.FilterSet):
    """Shared: a date range and a channel."""

    created_from = django_filters.DateFilter(label="From", method="filter_from")  # date pickers:
    created_to = django_filters.DateFilter(label="To", method="filter_to")  # bootstrap_widgets
    date_field = "created_at"
    # The panel shows "From" and "To" side by side; an error names them in full.
    error_labels = {"created_from": "Date from", "created_to": "Date to"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)

    def filter_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": day_start(value)})

    def filter_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": day_start(value + timedelta(days=1))})

    def filter_channel(self, queryset, name, value):
        # "API" or "Dashboard user" (as the lists show it; the stored code too) is a kind, anything else a name.
        if channel_type := channel_from_label(value):
            return queryset.filter(channel_type=channel_type)
        return queryset.filter(channel_id=value)


class RequestLogFilter(AuditFilterSet):
    panel_groups = [
        ("method", "Method", ["method"]),
        ("path", "Path starts with", ["path"]),
        ("status", "Status", ["status"]),
        DATE_RANGE,
        ("channel", "Channel", ["channel"]),
    ]
    default_groups = ("method", "path", "status", "date")  # the channel through "Add filter"
    method = django_filters.ChoiceFilter(choices=[(m, m) for m in METHODS], empty_label="Any method")
    path = django_filters.CharFilter(
        label="Path starts with", field_name="path", lookup_expr="startswith", max_length=500
    )
    status = django_filters.CharFilter(label="Status", method="filter_status", max_length=3, validators=[_status_value])
    channel = django_filters.CharFilter(label="Channel", method="filter_channel", max_length=200)

    class Meta:
        model = RequestLog
        fields = ["method", "path", "status", "channel", "created_from", "created_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["status"].widget.attrs["placeholder"] = "404 or 4xx"
        self.form.fields["channel"].widget.attrs["placeholder"] = "API, Dashboard user, or a key's or user's name"
        self.form.fields["path"].widget.attrs["placeholder"] = "/v1/redemptions"

    def filter_status(self, queryset, name, value):
        if value[1:].lower() == "xx":
            low = int(value[0]) * 100
            return queryset.filter(response_status__gte=low, response_status__lt=low + 100)
        return queryset.filter(response_status=int(value))


class EventFilter(AuditFilterSet):
    panel_groups = [
        ("type", "Kind", ["type"]),
        ("resource", "Object id", ["resource"]),
        DATE_RANGE,
        ("channel", "Channel", ["channel"]),
    ]
    default_groups = ("type", "resource", "date")  # the channel through "Add filter"
    # Kinds of events in words; the value is the start of their type ("redemption."), as URLs had it.
    type = django_filters.ChoiceFilter(
        label="Kind", field_name="type", lookup_expr="startswith", choices=EVENT_GROUPS, empty_label="Any kind"
    )
    resource = django_filters.CharFilter(label="Object id", field_name="resource_id", max_length=200)
    channel = django_filters.CharFilter(label="Channel", method="filter_channel", max_length=200)
    date_field = "occurred_at"

    class Meta:
        model = Event
        fields = ["type", "resource", "channel", "created_from", "created_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["resource"].widget.attrs["placeholder"] = "r_…, ssn_…, exp_…"
