from django.contrib import admin
from django.db.models import Q

from voucherhub.admin import BigTableAdmin

from .models import Event, RequestLog

# Fixed lists instead of the admin's "all values" filters, which run SELECT DISTINCT over the whole table.


class StatusClassFilter(admin.SimpleListFilter):
    title = "response status"
    parameter_name = "status_class"

    def lookups(self, request, model_admin):
        return [("2xx", "2xx success"), ("4xx", "4xx client error"), ("5xx", "5xx server error")]

    def queryset(self, request, queryset):
        if self.value() in {"2xx", "4xx", "5xx"}:
            low = int(self.value()[0]) * 100
            return queryset.filter(Q(response_status__gte=low) & Q(response_status__lt=low + 100))
        return queryset


class MethodFilter(admin.SimpleListFilter):
    title = "method"
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")]

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


@admin.register(RequestLog)
class RequestLogAdmin(BigTableAdmin):
    list_display = [
        "id",
        "created_at",
        "method",
        "path",
        "response_status",
        "channel_type",
        "channel_id",
        "duration_ms",
    ]
    list_filter = [MethodFilter, StatusClassFilter, "channel_type", "created_at"]
    search_fields = ["id", "channel_id"]
    search_help_text = "Exact request id (v-...) or channel (API key name)."
    raw_id_fields = ["api_key"]


@admin.register(Event)
class EventAdmin(BigTableAdmin):
    list_display = ["id", "occurred_at", "type", "resource_type", "resource_id", "campaign_id", "channel_type", "user"]
    list_filter = ["channel_type", "occurred_at"]
    list_select_related = ["user"]
    search_fields = ["id", "type", "resource_id", "campaign_id", "request_log_id"]
    search_help_text = "Exact event id, type (redemption.succeeded), resource id, campaign id or request id."
    raw_id_fields = ["user", "request_log"]
