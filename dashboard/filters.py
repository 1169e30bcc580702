"""What every filter panel shares: page sizes, Bootstrap styling, errors named as the panel names its
fields, and dates read in the viewer's time zone. The FilterSets themselves live with their lists."""

from datetime import datetime, time

import django_filters
from django import forms
from django.utils import timezone

PAGE_SIZES = (10, 25, 50, 100)


def page_size_filter() -> django_filters.ChoiceFilter:
    """``?per_page=``, declared on a FilterSet so its form validates and shows it; the view reads it
    (dashboard.lists.DashboardListView.page_size), the filter itself changes nothing."""
    return django_filters.ChoiceFilter(
        label="Rows per page",
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        empty_label=None,
        method=lambda queryset, name, value: queryset,
        widget=forms.Select,
    )


def bootstrap_widgets(form) -> None:
    """Bootstrap classes on a filter form's widgets (django-filter builds the form; we only style it)."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        widget.attrs["class"] = css


def labelled_errors(form, labels: dict[str, str] | None = None) -> dict:
    """The form's errors keyed by what the panel calls each field ("Date range from", not "created_from"),
    so the message above the table names the field the way the form labels it."""
    labels = labels or {}
    errors = {}
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        label = labels.get(name) or (str(field.label) if field is not None and field.label else name)
        errors[label if name != "__all__" else "__all__"] = messages
    return errors


def filter_errors(filterset) -> list[tuple[str, str]]:
    """What the one shared message above every list's table says (templates/dashboard/_filter_errors.html):
    (the field as the panel labels it, or "" for an error of the whole form; its messages)."""
    if filterset is None or not filterset.is_bound or filterset.form.is_valid():
        return []
    errors = labelled_errors(filterset.form, getattr(filterset, "error_labels", None))
    return [("" if name == "__all__" else str(name), " ".join(messages)) for name, messages in errors.items()]


def mark_invalid(filterset) -> None:
    """Bootstrap's ``is-invalid`` on the panel's fields that could not be read, beside the message."""
    if filterset is None or not filterset.is_bound or filterset.form.is_valid():
        return
    for name in filterset.form.errors:
        field = filterset.form.fields.get(name)
        if field is not None and "is-invalid" not in field.widget.attrs.get("class", ""):
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid".strip()
            field.widget.attrs["aria-invalid"] = "true"


class LabelledErrorsMixin:
    """``errors`` of a FilterSet with the fields' labels as keys (see labelled_errors)."""

    error_labels: dict[str, str] = {}

    @property
    def errors(self):
        return labelled_errors(self.form, self.error_labels)


def day_start(day) -> datetime:
    """Midnight of ``day`` in the viewer's time zone, so a date range reads as the viewer sees dates."""
    return timezone.make_aware(datetime.combine(day, time.min))
