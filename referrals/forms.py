"""The Rewards tab's form: Admins add a reward tier (after so many referrals, a reward of the catalog)."""

from django import forms

from loyalty.models import Reward, RewardType

MAX_REFERRALS = 1_000_000


class TierForm(forms.Form):
    referrals = forms.IntegerField(
        label="After referrals",
        min_value=1,
        max_value=MAX_REFERRALS,
        help_text="The referrer gets the reward when this many customers they referred have converted.",
        widget=forms.NumberInput(attrs={"class": "form-control", "step": 1}),
    )
    reward = forms.ModelChoiceField(
        label="Reward",
        queryset=Reward.objects.exclude(type=RewardType.COIN).order_by("name"),
        empty_label="Choose a reward of the catalog",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    banner = forms.CharField(
        label="Banner",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "What referrers read, e.g. Invite 5 friends"}
        ),
    )
