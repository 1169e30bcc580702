"""Forms of the Redemptions section: Rollback and the Stacking Rules simulator's input."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils import timezone

from dashboard.formatting import major_text, minor_digits, money, to_minor
from dashboard.forms import BootstrapForm
from stacking.models import MAX_REDEEMABLES
from voucherhub.privacy import can_see_customers

from .models import Redemption, RedemptionStatus
from .orders import MAX_AMOUNT
from .services.rollback import rollback_window_end, stacked_child_refusal


class RollbackForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "Why is it rolled back?"}),
    )


def can_roll_back(user, redemption: Redemption) -> bool:
    """Whether ``user`` gets the Rollback button for ``redemption`` (its detail page and its list row):
    the permission, a succeeded redemption that is not a stacked one's child, within the window."""
    return (
        user.has_perm("redemptions.rollback_redemption")
        and redemption.status == RedemptionStatus.SUCCEEDED
        and redemption.parent_id is None
        and timezone.now() <= rollback_window_end(redemption)
    )


def rollback_refusal(user, redemption: Redemption) -> str:
    """Why ``user``, who may roll back, cannot roll back this succeeded redemption by itself: it is a
    stacked one's child (the parent is rolled back as a whole). "" otherwise, and for users without the
    permission: their menus have no Roll back at all."""
    if (
        redemption.parent_id is None
        or redemption.status != RedemptionStatus.SUCCEEDED
        or not user.has_perm("redemptions.rollback_redemption")
    ):
        return ""
    return stacked_child_refusal(redemption.parent_id)


_TOKEN_SPLIT = re.compile(r"[\s,]+")


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}  # ISO 4217 has no currency with more decimals
AMOUNT_EXAMPLE = 10_000  # minor units, for the amount's help text


def amount_help() -> str:
    """How the simulator reads an amount: in the installation's currency, as a shop's till would."""
    example = money(AMOUNT_EXAMPLE)
    return f"In {settings.VOUCHERHUB_CURRENCY}, as on a receipt: {major_text(AMOUNT_EXAMPLE)} is {example}."


class SimulatorForm(BootstrapForm):
    """The simulator's input. The order amount is typed in the currency's major units, as on a receipt
    (``100`` or ``100.00`` = €100.00), and converted with the currency's own exponent
    (dashboard.formatting.to_minor: a yen has no minor units)."""

    redeemables = forms.CharField(
        label="Codes and promotion tier ids",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "SUMMER10\nBLACKFRIDAY, promo_..."}),
        help_text="One per line or comma separated, in the order they are sent.",
        error_messages={"required": "Enter at least one code or promotion tier id."},
    )
    amount = forms.CharField(label="Order amount")
    customer = forms.CharField(label="Customer source id", required=False, max_length=255)

    def __init__(self, *args, user=None, **kwargs):
        """``user``: the viewer. A customer's source id is personal data (voucherhub.privacy): the field is
        only for those who may see customers; for anyone else a ``customer`` in the URL is ignored."""
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = amount_help()  # the currency of now, not of the import
        if not can_see_customers(user):
            del self.fields["customer"]

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
            raise forms.ValidationError(f"Enter an amount, such as {major_text(AMOUNT_EXAMPLE)}.") from None
        if not value.is_finite() or value < 0:
            raise forms.ValidationError("Enter an amount of 0 or more.")
        minor = to_minor(value)
        if minor != minor.to_integral_value():
            digits = minor_digits()
            raise forms.ValidationError(
                f"At most {NUMBER_WORDS.get(digits, digits)} decimal place{'' if digits == 1 else 's'}."
                if digits
                else f"{settings.VOUCHERHUB_CURRENCY} has no minor units: enter a whole number."
            )
        if minor > MAX_AMOUNT:
            raise forms.ValidationError("That amount is too large.")
        return int(minor)
