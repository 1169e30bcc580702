from django.contrib import admin

from dashboard.formatting import money_column
from voucherhub.admin import BigTableAdmin, ExactSearchMixin, ReadOnlyAdmin

from .models import (
    AsyncAction,
    Campaign,
    CampaignFigures,
    Customer,
    Order,
    PromotionStack,
    PromotionStackTier,
    PromotionTier,
    Publication,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherGenerationJob,
    VoucherTransaction,
)


class PromotionTierInline(admin.TabularInline):
    model = PromotionTier
    extra = 0
    fields = ["position", "name", "active", "discount_type", "percent_off", "amount_off", "fixed_amount", "category"]
    show_change_link = True


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "campaign_type",
        "type",
        "active",
        "category",
        "start_date",
        "expiration_date",
        "creation_status",
        "created_at",
        "deleted_at",
    ]
    list_filter = [
        "campaign_type",
        "active",
        "type",
        "creation_status",
        ("deleted_at", admin.EmptyFieldListFilter),
        "category",
    ]
    list_select_related = ["category"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at", "updated_at"]
    autocomplete_fields = ["category"]
    inlines = [PromotionTierInline]


@admin.register(PromotionTier)
class PromotionTierAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "position", "active", "discount_type", "category", "created_at"]
    list_filter = ["active", "discount_type"]
    list_select_related = ["campaign", "category"]
    search_fields = ["name", "=id", "campaign__name"]
    raw_id_fields = ["campaign"]
    autocomplete_fields = ["category"]
    readonly_fields = ["id", "created_at", "updated_at"]


class PromotionStackTierInline(admin.TabularInline):
    model = PromotionStackTier
    extra = 0
    fields = ["position", "tier"]
    raw_id_fields = ["tier"]


@admin.register(PromotionStack)
class PromotionStackAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "category", "created_at"]
    list_select_related = ["campaign", "category"]
    search_fields = ["name", "=id", "campaign__name"]
    raw_id_fields = ["campaign"]
    autocomplete_fields = ["category"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [PromotionStackTierInline]


@admin.register(PromotionStackTier)
class PromotionStackTierAdmin(admin.ModelAdmin):
    """A tier's place in a stack (edited with its stack; listed here for support look-ups)."""

    list_display = ["stack", "position", "tier"]
    list_select_related = ["stack", "tier"]
    search_fields = ["=stack__id", "=tier__id"]
    raw_id_fields = ["stack", "tier"]


@admin.register(Voucher)
class VoucherAdmin(ExactSearchMixin, admin.ModelAdmin):
    """Vouchers can be edited (activate, dates, limits) but never their counters: the engine keeps those
    in step with redemptions and session locks, and the database refuses an inconsistent row.

    They are not added here: a gift card needs its opening balance transaction, which only the API and the
    campaign generator write.
    """

    list_display = [
        "code",
        "campaign",
        "type",
        "active",
        "redeemed_quantity",
        "redemption_quantity",
        money_column("gift_balance", "Gift balance"),
        "expiration_date",
        "created_at",
    ]
    list_filter = ["type", "active", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["campaign"]
    search_fields = ["code", "id"]
    search_help_text = "Exact voucher code or id (v_...)."
    raw_id_fields = ["campaign", "holder"]
    autocomplete_fields = ["category"]
    readonly_fields = [
        "id",
        "redeemed_quantity",
        "redeemed_amount",
        "locked_quantity",
        "locked_credits",
        "gift_balance",
        "created_at",
        "updated_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Customer)
class CustomerAdmin(ExactSearchMixin, admin.ModelAdmin):
    list_display = ["id", "source_id", "name", "email", "created_at"]
    search_fields = ["id", "source_id", "email"]
    search_help_text = "Exact id (cust_...), source id or email."
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "id", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "=id"]
    raw_id_fields = ["customers"]  # a multi-select of every customer would never finish loading
    readonly_fields = ["id", "created_at"]


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "error_message", "created_at", "updated_at"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(ValidationRuleAssignment)
class ValidationRuleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "rule", "campaign", "voucher", "promotion_tier", "created_at"]
    list_select_related = ["rule", "campaign", "voucher", "promotion_tier"]
    search_fields = ["=id", "=rule__id", "=campaign__id", "=voucher__code"]
    raw_id_fields = ["rule", "campaign", "voucher", "promotion_tier"]
    readonly_fields = ["id", "created_at"]


@admin.register(Order)
class OrderAdmin(ExactSearchMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "source_id",
        "status",
        "customer",
        money_column("amount", "Amount"),
        money_column("total_discount_amount", "Discount"),
        money_column("total_amount", "Total"),
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["id", "source_id"]
    search_help_text = "Exact order id (ord_...) or source id."
    raw_id_fields = ["customer"]
    readonly_fields = ["id", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(Publication)
class PublicationAdmin(BigTableAdmin):
    list_display = ["id", "campaign", "customer", "result", "channel", "created_at"]
    list_filter = ["result", "created_at"]
    list_select_related = ["campaign", "customer"]
    search_fields = ["id", "source_id", "customer__source_id"]
    search_help_text = "Exact publication id, its source id, or the customer's source id."
    readonly_fields = ["id", "created_at"]
    raw_id_fields = ["customer", "campaign", "vouchers"]


@admin.register(VoucherTransaction)
class VoucherTransactionAdmin(BigTableAdmin):
    list_display = [
        "id",
        "voucher",
        "source",
        money_column("amount", "Amount"),
        money_column("balance_after", "Balance after"),
        "related_object_id",
        "created_at",
    ]
    list_filter = ["source", "created_at"]
    list_select_related = ["voucher"]
    search_fields = ["id", "voucher__code", "related_object_id"]
    search_help_text = "Exact transaction id, voucher code, or redemption / rollback id."


@admin.register(VoucherGenerationJob)
class VoucherGenerationJobAdmin(admin.ModelAdmin):
    """Background voucher generation (more than 1,000 codes at once): created by the API, run by the worker
    and the reaper; here they can be looked at, not made, altered or deleted (a deleted unfinished job would
    leave its campaign IN_PROGRESS for good)."""

    list_display = ["id", "campaign", "status", "done", "total", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["campaign"]
    search_fields = ["=id", "=campaign__id", "campaign__name"]
    raw_id_fields = ["campaign", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AsyncAction)
class AsyncActionAdmin(admin.ModelAdmin):
    """Bulk changes of customers and vouchers (the API's async actions): run by the worker and the reaper;
    looked at here, not made, altered or deleted."""

    list_display = ["id", "type", "status", "progress", "attempts", "created_at", "finished_at"]
    list_filter = ["type", "status", "created_at"]
    search_fields = ["=id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CampaignFigures)
class CampaignFiguresAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "vouchers", "published", "gift_balance", "computed_at"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]
