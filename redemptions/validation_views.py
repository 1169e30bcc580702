"""The Validations tab: validations of the last 30 days with their per-redeemable results."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from campaigns.queries import tiers_by_id
from dashboard.lists import DashboardListView, DetailPageMixin

from .models import Validation
from .validation_tables import ValidationFilter, ValidationTable


class ValidationListView(DashboardListView):
    permission_required = "redemptions.view_validation"
    title = "Validations"
    table_target = "validation-table"
    noun = "validations"
    filter_label = "Filter validations"
    list_note = "Validations are kept 30 days, then purged."
    filterset_class = ValidationFilter
    table_class = ValidationTable
    empty_text = "No validations in the last 30 days — each check of a code at checkout appears here."

    def get_queryset(self):
        return Validation.objects.select_related("customer").defer("metadata")


class ValidationDetailView(DetailPageMixin, DetailView):
    permission_required = "redemptions.view_validation"
    template_name = "redemptions/validation_detail.html"
    title = "Validations"
    context_object_name = "validation"

    def get_object(self, queryset=None):
        return get_object_or_404(Validation.objects.select_related("customer", "order"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        redeemables = self.object.redeemables if isinstance(self.object.redeemables, list) else []
        redeemables = [r for r in redeemables if isinstance(r, dict)]
        # The stored discount counts the gift credits (the API's order total): shown apart, as the
        # redeemables' own amounts say them.
        credits = sum(r["gift_credits"] for r in redeemables if isinstance(r.get("gift_credits"), int))
        credits = min(credits, self.object.discount_amount)
        tiers = tiers_by_id(r.get("id") for r in redeemables if r.get("object") == "promotion_tier")
        return super().get_context_data(
            redeemables=[{**r, "tier": tiers.get(str(r.get("id")))} for r in redeemables],  # a tier by its name
            link_tiers=self.request.user.has_perm("campaigns.view_promotiontier"),
            discount=self.object.discount_amount - credits,
            gift_credits=credits,
            retention_days=Validation.RETENTION_DAYS,
            can_see_customers=self.request.user.has_perm("redemptions.view_customer"),
            link_logs=self.request.user.has_perm("auditlog.view_requestlog"),
            **kwargs,
        )
