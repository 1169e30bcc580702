"""What every filter panel shares: the panel's filters and "Add filter", the page size, Bootstrap styling,
errors named as the panel names its fields, and dates read in the viewer's time zone. The FilterSets
themselves live with their lists."""

from dataclasses import dataclass
from datetime import datetime, time

from django import forms
from django.utils import timezone

PAGE_SIZES = (10, 25, 50, 100)
# Every list shows this many rows until the person picks another size ("Rows per page").
DEFAULT_PAGE_SIZE = 25


class PageSizeForm(forms.Form):
    """``?per_page=``, beside the filters (not one of them): a size that is not offered reads as the nearest
    one offered (a value that is no number as the default), never as a filter error; ``note`` says so."""

    note = ""

    per_page = forms.TypedChoiceField(
        label="Rows per page",
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def page_size(self) -> int:
        if self.is_valid() and self.cleaned_data.get("per_page"):
            return self.cleaned_data["per_page"]
        return DEFAULT_PAGE_SIZE


def nearest_page_size(asked: str) -> int:
    """The offered page size nearest to ``asked`` ("30" -> 25, "500" -> 100, "0" -> 10; the smaller of two
    as near), DEFAULT_PAGE_SIZE for a value that is no whole number."""
    try:
        number = int(asked.strip())
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return min(PAGE_SIZES, key=lambda size: (abs(size - number), size))


def page_size_form(params) -> PageSizeForm:
    """The "Rows per page" select bound to ``params`` (request.GET), showing the page size the list uses, so
    the select and the rows never disagree: without ``per_page`` DEFAULT_PAGE_SIZE; for a size not offered
    the nearest one, with a ``note`` that the page shows above its table."""
    form = PageSizeForm(params)
    if form.is_valid() and form.cleaned_data.get("per_page"):
        return form
    asked = params.get("per_page") or ""
    size = nearest_page_size(asked)
    data = params.copy()
    data["per_page"] = str(size)
    form = PageSizeForm(data)
    if asked.strip():
        offered = ", ".join(str(n) for n in PAGE_SIZES)
        form.note = f"“{asked[:20]}” rows per page is not offered ({offered}): showing {size}."
    return form


@dataclass
class FilterGroup:
    """One filter of the panel: its form fields (a date range and metadata key/value have two)."""

    name: str
    label: str
    fields: list
    active: bool  # has a value
    added: bool  # just added by "Add filter" (its first field takes the focus)
    default: bool  # always shown
    remove_url: str = ""


class FilterPanelMixin:
    """The filter panel of every list (templates/dashboard/_filter_panel.html): the default filters, those in
    the URL and the one just added are shown; "Add filter" offers the rest.

    ``panel_groups`` lists the panel's filters as (name, label, form fields) in the order "Add filter"
    offers them, ``default_groups`` those always shown; without them every field of the form is a filter
    of its own, always shown."""

    panel_groups: list[tuple[str, str, list[str]]] | None = None
    default_groups: tuple[str, ...] | None = None

    def _panel_groups(self) -> list[tuple[str, str, list[str]]]:
        if self.panel_groups is not None:
            return self.panel_groups
        return [(name, str(field.label or name), [name]) for name, field in self.form.fields.items()]

    def groups(self, params, add: str = "") -> tuple[list[FilterGroup], list[FilterGroup]]:
        """(shown, addable). A group is shown when it is a default one, when the query string names one of
        its fields (even empty: it was added and not filled yet) or when it is being added."""
        shown: list[FilterGroup] = []
        addable: list[FilterGroup] = []
        for name, label, fields in self._panel_groups():
            if not all(field in self.form.fields for field in fields):
                continue  # e.g. customer, for a user without redemptions.view_customer
            group = FilterGroup(
                name=name,
                label=label,
                fields=[self.form[field] for field in fields],
                active=any(params.get(field) for field in fields),
                added=name == add,
                default=self.default_groups is None or name in self.default_groups,
            )
            if group.added:
                self.form.fields[fields[0]].widget.attrs["autofocus"] = True
            if group.default or group.added or any(field in params for field in fields):
                shown.append(group)
            else:
                addable.append(group)
        return shown, addable


def bootstrap_widgets(form) -> None:
    """Bootstrap classes on a filter form's widgets (django-filter builds the form; we only style it)."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        widget.attrs["class"] = css
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"  # the browser's date picker, as the other date filters have


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
