from django.contrib import admin

from .models import Export, Notification


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Exports are requested in the dashboard or through /v1/exports and built by the worker; here they
    can be looked at and deleted, not made or altered. The download token is never shown."""

    list_display = ["id", "exported_object", "status", "channel", "user", "rows", "size", "created_at", "finished_at"]
    list_filter = ["status", "channel", "exported_object", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "=user__username"]
    raw_id_fields = ["user", "api_key"]
    # The file is never linked: downloads go through the owner check, not the storage URL.
    exclude = ["token", "file"]
    readonly_fields = ["file_name"]
    show_full_result_count = False

    @admin.display(description="File")
    def file_name(self, obj):
        return obj.file.name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "message", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "=user__username", "message"]
    raw_id_fields = ["user", "export"]
    readonly_fields = ["id", "created_at"]

    def has_add_permission(self, request):
        return False
