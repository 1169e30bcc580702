from django.contrib import admin

from .models import Category, StackingRules


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "hierarchy", "stacking_rules_type", "discount_calculation", "id", "updated_at"]
    list_filter = ["stacking_rules_type", "discount_calculation"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(StackingRules)
class StackingRulesAdmin(admin.ModelAdmin):
    """The installation's one row of stacking settings: it can be changed, never added twice or deleted."""

    list_display = [
        "__str__",
        "redeemables_limit",
        "applicable_redeemables_limit",
        "applicable_exclusive_redeemables_limit",
        "applicable_redeemables_per_category_limit",
        "redeemables_application_mode",
        "redeemables_sorting_rule",
        "default_discount_calculation",
        "updated_at",
        "updated_by",
    ]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not StackingRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
