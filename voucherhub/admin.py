"""Django admin for support staff: read-mostly, and cheap on big tables.

The helpers here are shared by every app's ``admin.py``:

- ``ReadOnlyAdmin``: history (redemptions, validations, logs, events, transactions) is never edited by hand.
- ``ExactSearchMixin``: search by exact ids and codes, which the indexes answer, instead of the admin's
  default ``icontains`` that scans millions of rows.

A list column showing money the way the dashboard does is ``dashboard.formatting.money_column``.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html

from .models import ApiKey, IdempotencyKey, WorkerHeartbeat
from .services import create_api_key, revoke_api_key


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, no change, no delete (and so no delete action)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExactSearchMixin:
    """The search box matches ``search_fields`` exactly (case-sensitive, as ids and codes are).

    An exact match on an indexed column is one index lookup; the admin's default LIKE '%term%' is a
    full scan on tables that grow by millions of rows.
    """

    search_help_text = "Exact match."

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{field: term})
        return queryset.filter(condition), False


class BigTableAdmin(ExactSearchMixin, ReadOnlyAdmin):
    """History tables: read-only, exact search, and no second COUNT(*) of the whole table."""

    show_full_result_count = False
    list_per_page = 50


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys for /v1/. The token is shown once, on creation; afterwards only its last characters."""

    list_display = ["name", "app_id", "token_hint", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["name", "=app_id"]
    fields = ["name", "app_id", "token_hint", "token_hash", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["app_id", "token_hint", "token_hash", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_selected"]

    def get_fields(self, request, obj=None):
        # On the add form there is only a name to give; the credentials are generated on save.
        return ["name"] if obj is None else self.fields

    def has_delete_permission(self, request, obj=None):
        # Keys are revoked, not deleted: request logs and exports keep pointing at them.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, token = create_api_key(name=obj.name, created_by=request.user)
        # The admin carries on with ``obj`` (change log, redirect): make it the row the service created.
        obj.pk = key.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.success(
            request,
            format_html(
                "API key “{}” created. App ID: <code>{}</code> Token: <code>{}</code> "
                "— Copy it now: it will not be shown again.",
                key.name,
                key.app_id,
                token,
            ),
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_selected(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            revoke_api_key(key=key)
        self.message_user(request, f"Revoked {len(keys)} key(s).", messages.SUCCESS)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "seen_at", "beats"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(BigTableAdmin):
    list_display = ("key", "api_key", "method", "path", "response_status", "created_at")
    list_filter = ("method", "response_status")
    search_fields = ("key",)
    list_select_related = ("api_key",)
