from django.contrib import admin

from voucherhub.admin import ReadOnlyAdmin

from .models import (
    EarningRule,
    LoyaltyCard,
    LoyaltyTier,
    PendingPoints,
    PointsBucket,
    PointsTransaction,
    ProgramFigures,
    Reward,
    RewardAssignment,
)


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
    raw_id_fields = ["card", "campaign", "related_transaction", "earning_rule", "order"]


@admin.register(EarningRule)
class EarningRuleAdmin(ReadOnlyAdmin):
    """Read-only: rules change through the API and the dashboard, which check and audit them."""

    list_display = ["id", "campaign", "banner", "event", "active", "pending_days", "created_at"]
    list_select_related = ["campaign"]
    list_filter = ["active", "event"]
    search_fields = ["=id", "banner"]
    raw_id_fields = ["campaign"]


@admin.register(PendingPoints)
class PendingPointsAdmin(ReadOnlyAdmin):
    list_display = ["id", "card", "points", "status", "activates_at", "created_at"]
    list_select_related = ["card__voucher"]
    list_filter = ["status"]
    search_fields = ["=id", "=card__voucher__code"]
    raw_id_fields = ["card", "campaign", "earning_rule", "order"]


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "type", "campaign", "balance", "stock", "redeemed", "created_at"]
    list_select_related = ["campaign"]
    list_filter = ["type"]
    search_fields = ["=id", "name"]
    raw_id_fields = ["campaign"]


@admin.register(RewardAssignment)
class RewardAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "reward", "campaign", "points", "created_at"]
    list_select_related = ["reward", "campaign"]
    search_fields = ["=id", "=reward__id"]
    raw_id_fields = ["reward", "campaign"]


@admin.register(LoyaltyTier)
class LoyaltyTierAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "name", "points_from", "points_to", "created_at"]
    list_select_related = ["campaign"]
    search_fields = ["=id", "name"]
    raw_id_fields = ["campaign"]


@admin.register(PointsBucket)
class PointsBucketAdmin(ReadOnlyAdmin):
    list_display = ["id", "card", "points", "remaining", "expires_at", "created_at"]
    list_select_related = ["card__voucher"]
    search_fields = ["=id", "=card__voucher__code"]
    raw_id_fields = ["card", "campaign"]


@admin.register(ProgramFigures)
class ProgramFiguresAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "cards", "members", "balance", "computed_at"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]
