"""Forms of the Stacking Rules tab: the settings and a category (the simulator's input is redemptions.forms)."""

from django import forms

from dashboard.forms import BootstrapForm

from .models import (
    MAX_EXCLUSIVE,
    MAX_REDEEMABLES,
    ApplicationMode,
    DiscountCalculation,
    SortingRule,
    StackingEligibility,
    StackingRules,
)


class StackingRulesForm(BootstrapForm):
    """Each limit at least 1 and not above the one before; the database backs the same."""

    redeemables_limit = forms.IntegerField(
        label="Maximum redeemables per request",
        min_value=1,
        max_value=MAX_REDEEMABLES,
        help_text=f"1 to {MAX_REDEEMABLES}: every redeemable sent in one call counts.",
    )
    applicable_redeemables_limit = forms.IntegerField(
        label="Maximum applicable redeemables",
        min_value=1,
        max_value=MAX_REDEEMABLES,
        help_text="How many valid redeemables one call applies; not above the maximum per request.",
    )
    applicable_exclusive_redeemables_limit = forms.IntegerField(
        label="Maximum applicable exclusive redeemables",
        min_value=1,
        max_value=MAX_EXCLUSIVE,
        help_text=f"1 to {MAX_EXCLUSIVE}, not above the maximum applicable redeemables.",
    )
    applicable_redeemables_per_category_limit = forms.IntegerField(
        label="Maximum applicable redeemables per category",
        min_value=1,
        max_value=MAX_REDEEMABLES,
        required=False,
        help_text="Leave empty for no limit per category.",
    )
    redeemables_application_mode = forms.ChoiceField(
        label="Application mode",
        choices=ApplicationMode.choices,
        widget=forms.RadioSelect,
        help_text="All: one inapplicable redeemable fails the whole stack. Partial: the valid ones apply.",
    )
    redeemables_sorting_rule = forms.ChoiceField(
        label="Sorting rule",
        choices=SortingRule.choices,
        widget=forms.RadioSelect,
        help_text="Category hierarchy: lower hierarchy first; redeemables without a category keep their order.",
    )
    default_discount_calculation = forms.ChoiceField(
        label="Default discount calculation",
        choices=StackingRules._meta.get_field("default_discount_calculation").choices,
        help_text="For redeemables without a category, or whose category is left at Default.",
    )

    def clean(self):
        data = super().clean()
        total = data.get("redeemables_limit")
        applicable = data.get("applicable_redeemables_limit")
        exclusive = data.get("applicable_exclusive_redeemables_limit")
        if total is not None and applicable is not None and applicable > total:
            self.add_error(
                "applicable_redeemables_limit",
                f"Must not be above the maximum redeemables per request ({total}).",
            )
        if applicable is not None and exclusive is not None and exclusive > applicable:
            self.add_error(
                "applicable_exclusive_redeemables_limit",
                f"Must not be above the maximum applicable redeemables ({applicable}).",
            )
        return data

    @classmethod
    def initial_from(cls, rules: StackingRules) -> dict:
        return {name: getattr(rules, name) for name in cls.base_fields}


class CategoryForm(BootstrapForm):
    name = forms.CharField(max_length=100)
    hierarchy = forms.IntegerField(min_value=0, max_value=2**31 - 1, help_text="1 is applied first.")
    stacking_rules_type = forms.ChoiceField(
        label="Stacking eligibility", choices=StackingEligibility.choices, required=False
    )
    discount_calculation = forms.ChoiceField(choices=DiscountCalculation.choices)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name.")
        return name
