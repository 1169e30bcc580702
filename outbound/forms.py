"""Settings > Webhooks forms: an endpoint (URL, events, on or off); a campaign's e-mail distribution."""

from django import forms

from dashboard.forms import BootstrapForm
from voucherhub.errors import DomainError

from .events import event_groups
from .services.webhooks import WebhookRequest, checked_url


class WebhookForm(BootstrapForm):
    target_url = forms.CharField(
        label="Endpoint URL",
        max_length=2000,
        help_text="Where events are POSTed, signed (https; public addresses only).",
        widget=forms.URLInput(attrs={"placeholder": "https://shop.example.com/voucherhub/events"}),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(group, [(name, name) for name in names]) for group, names in event_groups()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )
    active = forms.BooleanField(label="Active: send events to this endpoint", required=False, initial=True)

    def clean_target_url(self) -> str:
        try:
            return checked_url(self.cleaned_data["target_url"])
        except DomainError as refusal:
            raise forms.ValidationError(refusal.details.removeprefix("target_url: ")) from None

    def to_request(self) -> WebhookRequest:
        data = self.cleaned_data
        return WebhookRequest(target_url=data["target_url"], events=list(data["events"]), active=data["active"])


class DistributionForm(BootstrapForm):
    subject = forms.CharField(max_length=200, help_text="{code}, {campaign} and {customer} are filled in.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="Sent with each code published to a customer who has an e-mail address; {code} is the code.",
    )
    active = forms.BooleanField(label="Send this e-mail with every code published", required=False, initial=True)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if "{code}" not in body:
            raise forms.ValidationError("Put {code} in the message, where the customer's code goes.")
        return body


def distribution_form(campaign) -> DistributionForm:
    """The form for ``campaign``'s e-mail, filled with what it sends now (or a starting text)."""
    distribution = getattr(campaign, "distribution", None)
    if distribution is not None:
        return DistributionForm(
            initial={"subject": distribution.subject, "body": distribution.body, "active": distribution.active}
        )
    return DistributionForm(
        initial={
            "subject": "Your code from {campaign}",
            "body": "Hello {customer},\n\nhere is your code: {code}\n\nEnjoy!",
            "active": True,
        }
    )
