from django.contrib import admin

from voucherhub.admin import ReadOnlyAdmin

from .models import LoyaltyCard, PointsTransaction


@admin.register(LoyaltyCard)
class LoyaltyCardAdmin(ReadOnlyAdmin):
    """Read-only: points change through the ledger (the API and the dashboard), never by hand here."""

    list_display = ["voucher", "campaign", "balance", "points", "subtracted_points", "expired_points", "updated_at"]
    list_select_related = ["voucher", "campaign"]
    search_fields = ["=voucher__code", "=voucher__id"]
    raw_id_fields = ["voucher", "campaign"]


@admin.register(PointsTransaction)
class PointsTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "card", "type", "points", "balance", "reason", "source", "created_at"]
    list_select_related = ["card__voucher"]
    list_filter = ["type"]
    search_fields = ["=id", "=card__voucher__code", "=source_id"]
    raw_id_fields = ["card", "campaign", "related_transaction"]
