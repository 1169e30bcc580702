from django import forms
from django.utils import timezone

from .models import Redemption, RedemptionStatus
from .services import rollback_window_end


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
