from django.contrib import admin

from dashboard.formatting import money_column
from voucherhub.admin import BigTableAdmin, ReadOnlyAdmin

from .models import SessionLock, ValidationSession

# Read-only: a session's locks are mirrored on its vouchers' locked quantity and credits, so a release by
# hand here would leave the voucher counters wrong. Release a session in the dashboard (Sessions tab).


class SessionLockInline(admin.TabularInline):
    model = SessionLock
    extra = 0
    fields = ["voucher", "quantity", "credits", "created_at", "released_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ValidationSession)
class ValidationSessionAdmin(BigTableAdmin):
    list_display = ["key", "status", "release_reason", "customer", "expires_at", "released_at", "created_at"]
    list_filter = ["status", "release_reason", "channel_type", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["key", "customer_id"]
    search_help_text = "Exact session key or customer id."
    inlines = [SessionLockInline]


@admin.register(SessionLock)
class SessionLockAdmin(ReadOnlyAdmin):
    list_display = ["session", "voucher", "quantity", money_column("credits", "Credits"), "created_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["session", "voucher"]
    search_fields = ["=session__key", "=voucher__code"]
    show_full_result_count = False
