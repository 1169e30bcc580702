from django.contrib import admin

from .models import LoyaltyCard, PointsTransaction


@admin.register(LoyaltyCard)
class LoyaltyCardAdmin(admin.ModelAdmin):
    """Read-only: points change through the ledger (the API and the dashboard), never by hand here."""

    list_display = ["voucher", "campaign", "balance", "points", "subtracted_points", "expired_points", "updated_at"]
    list_select_related = ["voucher", "campaign"]
    search_fields = ["=voucher__code", "=voucher__id"]
    raw_id_fields = ["voucher", "campaign"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsTransaction)
class PointsTransactionAdmin(LoyaltyCardAdmin):
    list_display = ["id", "card", "type", "points", "balance", "reason", "source", "created_at"]
    list_select_related = ["card__voucher"]
    list_filter = ["type"]
    search_fields = ["=id", "=card__voucher__code", "=source_id"]
    raw_id_fields = ["card", "campaign", "related_transaction"]
