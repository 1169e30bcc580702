from django import forms

from dashboard.forms import BootstrapForm
from voucherhub.models import ApiKey


class ApiKeyForm(BootstrapForm):
    name = forms.CharField(
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text="Who calls with it, e.g. “Web shop”: every call it makes shows this name as its channel.",
    )

    can_manage = forms.BooleanField(
        label="Also manages the project (webhooks)",
        required=False,
        help_text="Sent as X-Management-Id / X-Management-Token, the key also opens /management/v1/.",
    )

    def clean_name(self):
        name = self.cleaned_data["name"]  # stripped; blank is "This field is required."
        if ApiKey.objects.filter(name__iexact=name, revoked_at__isnull=True).exists():
            raise forms.ValidationError(f"An active key is already named “{name}”: choose another name.")
        return name
