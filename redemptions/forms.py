from django import forms


class RollbackForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "Why is it rolled back?"}),
    )
