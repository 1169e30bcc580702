"""The Audit log section: request logs, a log's page, and events. Its Exports tab is
exports.views.ExportListView (mounted at /audit-log/exports/)."""

import json

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from dashboard.lists import DashboardListView, DetailPageMixin, SectionPageMixin
from voucherhub.privacy import is_customer_path, shown_identifier, shown_json, shown_path, shown_resource_id

from . import wording
from .filters import EventFilter, RequestLogFilter
from .models import Event, RequestLog
from .sentences import sentence_html, technical_details, tier_ids
from .tables import EventTable, RequestLogTable


def pretty(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


class AuditPageMixin(SectionPageMixin):
    section = "Audit log"


class AuditListView(AuditPageMixin, DashboardListView):
    pass


class RequestLogListView(AuditListView):
    permission_required = "auditlog.view_requestlog"
    title = "Logs"
    table_target = "log-table"
    filterset_class = RequestLogFilter
    table_class = RequestLogTable
    noun = "request logs"
    filter_label = "Filter request logs"
    empty_text = "No requests logged yet — every call your shop's systems make appears here."

    def get_queryset(self):
        return RequestLog.objects.defer("request_body", "response_body", "query")


class RequestLogDetailView(AuditPageMixin, DetailPageMixin, DetailView):
    permission_required = "auditlog.view_requestlog"
    template_name = "auditlog/log_detail.html"
    title = "Logs"
    context_object_name = "log"

    def get_object(self, queryset=None):
        return get_object_or_404(RequestLog.objects.select_related("api_key"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        # Customer personal data only for those who may see customers (voucherhub.privacy).
        log, user = self.object, self.request.user
        customer_call = is_customer_path(log.path)
        events = list(Event.objects.filter(request_log_id=log.pk).order_by("occurred_at", "id"))
        tiers = wording.tier_names(tier_ids(events))  # one query for the page's tiers
        for event in events:  # in words, as every page says them; the raw event for admins (auditlog.sentences)
            event.sentence = sentence_html(event, reason=wording.reason, tiers=tiers)
            event.details = technical_details(event, user)
            event.shown_resource_id = shown_resource_id(event, user)
        return super().get_context_data(
            request_json=pretty(shown_json(log.request_body, user, is_customer=customer_call)),
            response_json=pretty(shown_json(log.response_body, user, is_customer=customer_call)),
            query_json=pretty(shown_json(log.query, user)),
            shown_path=shown_path(log.path, user),
            shown_ip=shown_identifier(log.ip, user),
            events=events,
            **kwargs,
        )


class EventListView(AuditListView):
    permission_required = "auditlog.view_event"
    title = "Events"
    table_target = "event-table"
    filterset_class = EventFilter
    table_class = EventTable
    default_sort = "-occurred_at"
    noun = "events"
    filter_label = "Filter events"
    empty_text = "No events yet — redemptions, sessions and exports record them."

    def get_queryset(self):
        return Event.objects.all()
