"""Forms of the Stacking Rules tab: the settings, a category, and the simulator's input."""

import re
from decimal import Decimal, InvalidOperation

from django import forms

from redemptions.orders import MAX_AMOUNT

from .models import (
    MAX_EXCLUSIVE,
    MAX_REDEEMABLES,
    ApplicationMode,
    DiscountCalculation,
    SortingRule,
    StackingEligibility,
    StackingRules,
)


class BootstrapForm(forms.Form):
    """Adds Bootstrap 5 classes to the widgets (and ``is-invalid`` on fields with errors)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            widget.attrs["class"] = css


class StackingRulesForm(BootstrapForm):
    """SPEC section 4: each limit at least 1 and not above the one before; the database backs the same."""

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


_TOKEN_SPLIT = re.compile(r"[\s,]+")


class SimulatorForm(BootstrapForm):
    """The simulator's input. The order amount is minor units when it is a whole number (``10000`` =
    100.00) and major units when it has a decimal point (``100.00`` = 10000 minor units)."""

    redeemables = forms.CharField(
        label="Codes and promotion tier ids",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "SUMMER10\nBLACKFRIDAY, promo_..."}),
        help_text="One per line or comma separated, in the order they are sent.",
    )
    amount = forms.CharField(
        label="Order amount",
        help_text="A whole number is minor units (10000 = 100.00); with a decimal point, major units (100.00).",
    )
    customer = forms.CharField(label="Customer source id", required=False, max_length=255)

    def clean_redeemables(self):
        tokens = [t for t in _TOKEN_SPLIT.split(self.cleaned_data["redeemables"]) if t]
        if not tokens:
            raise forms.ValidationError("Enter at least one code or promotion tier id.")
        if len(tokens) > MAX_REDEEMABLES:
            raise forms.ValidationError(f"At most {MAX_REDEEMABLES} redeemables.")
        return tokens

    def clean_amount(self):
        raw = self.cleaned_data["amount"].strip().replace(",", "").replace("_", "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError("Enter a whole number of minor units or a decimal amount.") from None
        if not value.is_finite() or value < 0:
            raise forms.ValidationError("Enter an amount of 0 or more.")
        if "." in raw:
            minor = value * 100
            if minor != minor.to_integral_value():
                raise forms.ValidationError("At most two decimal places.")
        else:
            minor = value
        if minor > MAX_AMOUNT:
            raise forms.ValidationError("That amount is too large.")
        return int(minor)
