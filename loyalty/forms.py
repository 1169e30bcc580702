"""The dashboard's forms: a manual points change (Admins, on a card's page), and why pending points are
activated early or canceled (Admins, on the entry's page)."""

from django import forms

from .services.points import MAX_POINTS, PointsChange


def storable_reason(reason: str) -> str:
    reason = reason.strip()
    if "\x00" in reason:
        raise forms.ValidationError("The reason cannot hold NUL characters.")
    return reason


class AdjustPointsForm(forms.Form):
    points = forms.IntegerField(
        label="Points",
        min_value=-MAX_POINTS,
        max_value=MAX_POINTS,
        help_text="Positive to add, negative to take away.",
        widget=forms.NumberInput(attrs={"class": "form-control", "step": 1}),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "Why do the points change?"}),
    )

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError("Enter a number of points other than 0.")
        return points

    def clean_reason(self) -> str:
        return storable_reason(self.cleaned_data["reason"])

    def change(self) -> PointsChange:
        return PointsChange(self.cleaned_data["points"], self.cleaned_data["reason"])


class PendingDecisionForm(forms.Form):
    """Activate now or cancel: which, by the button pressed; why, always."""

    decision = forms.ChoiceField(choices=[("activate", "Activate now"), ("cancel", "Cancel the points")])
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "Why?"}),
    )

    def clean_reason(self) -> str:
        return storable_reason(self.cleaned_data["reason"])
