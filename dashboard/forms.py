"""Forms styled for the dashboard."""

from django import forms


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


class TimeZoneForm(BootstrapForm):
    """The Settings page: the zone this user's pages show times in; empty follows the browser."""

    time_zone = forms.CharField(
        label="Time zone",
        required=False,
        max_length=64,
        help_text=(
            "A time zone (for example Europe/Warsaw or America/New_York): start typing a city and pick it from "
            "the suggestions. Leave it empty to follow your browser."
        ),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_time_zone(self) -> str:
        from .timezones import valid_zone

        raw = self.cleaned_data["time_zone"].strip()
        if raw and valid_zone(raw) is None:
            raise forms.ValidationError(
                "“%(zone)s” is not a time zone we know. Type a region and a city as in Europe/Warsaw, or pick one "
                "of the suggestions that appear as you type.",
                params={"zone": raw},
                code="unknown_time_zone",
            )
        return raw


def refused_status(request) -> int:
    """The status of a dashboard POST answered with its errors instead of a change: 400, so that nothing
    reading the answer takes it for a success. HTMX swaps only 2xx answers into the page, so a form posted
    by HTMX comes back 200 with its errors shown where it stood."""
    return 200 if getattr(request, "htmx", False) else 400
