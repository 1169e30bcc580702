from django.contrib import admin

from dashboard.formatting import money_column
from voucherhub.admin import BigTableAdmin

from .models import Redemption, Rollback, Validation

# Every foreign key is shown read-only (a link), so no change form ever loads a dropdown of vouchers,
# customers or orders; the lists join only what they display.


@admin.register(Redemption)
class RedemptionAdmin(BigTableAdmin):
    list_display = [
        "id",
        "created_at",
        "result",
        "status",
        "voucher_code",
        "campaign",
        "customer",
        money_column("order_amount", "Order amount"),
        money_column("amount", "Amount"),
        "failure_code",
        "channel_type",
        "channel_id",
    ]
    list_filter = ["result", "status", "failure_code", "related_object_type", "channel_type", "created_at"]
    list_select_related = ["campaign", "customer"]
    search_fields = ["id", "voucher_code", "parent_id", "customer_id", "campaign_id", "order_id", "session_key"]
    search_help_text = "Exact redemption id (r_..., rf_...), voucher code, parent, customer, campaign or order id."
    raw_id_fields = ["parent", "voucher", "promotion_tier", "campaign", "customer", "order", "user", "request_log"]


@admin.register(Rollback)
class RollbackAdmin(BigTableAdmin):
    list_display = [
        "id",
        "created_at",
        "redemption",
        "result",
        "status",
        money_column("amount", "Amount"),
        "reason",
        "failure_code",
        "channel_type",
        "channel_id",
    ]
    list_filter = ["result", "status", "channel_type", "created_at"]
    search_fields = ["id", "redemption_id", "parent_id"]
    search_help_text = "Exact rollback id (rr_..., rrf_...) or redemption id."
    raw_id_fields = ["redemption", "parent", "user", "request_log"]


@admin.register(Validation)
class ValidationAdmin(BigTableAdmin):
    list_display = [
        "id",
        "created_at",
        "valid",
        "customer",
        money_column("order_amount", "Order amount"),
        money_column("discount_amount", "Discount"),
        "applicable_count",
        "inapplicable_count",
        "skipped_count",
        "session_key",
        "channel_type",
    ]
    list_filter = ["valid", "channel_type", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["id", "session_key", "customer_id", "order_id"]
    search_help_text = "Exact validation id (valid_...), session key, customer or order id."
    raw_id_fields = ["customer", "order", "request_log"]
