from django import forms
from django.utils import timezone

from .filters import DEFAULT_PAGE_SIZE, PageSizeForm
from .models import Redemption, RedemptionStatus
from .services.rollback import rollback_window_end


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


def page_size_form(params) -> PageSizeForm:
    """The "Rows per page" select bound to ``params`` (request.GET), showing the page size the list uses:
    without a valid ``per_page`` that is DEFAULT_PAGE_SIZE, so the select and the rows never disagree."""
    form = PageSizeForm(params)
    if form.is_valid() and form.cleaned_data.get("per_page"):
        return form
    data = params.copy()
    data["per_page"] = str(DEFAULT_PAGE_SIZE)
    return PageSizeForm(data)
