"""The Sessions tab's filter panel (django-filter): status, voucher code, customer."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from campaigns.models import Customer

from .models import SessionLock, SessionStatus, ValidationSession

PAGE_SIZES = (10, 25, 50, 100)


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


class LabelledErrorsMixin:
    """``errors`` of a FilterSet with the fields' labels as keys (see labelled_errors)."""

    error_labels: dict[str, str] = {}

    @property
    def errors(self):
        return labelled_errors(self.form, self.error_labels)


def drop_customer_filter(filterset) -> None:
    """Customer data is for users with redemptions.view_customer only (SPEC section 1): no field, and a
    ``?customer=`` parameter is ignored. Call before the form is first built."""
    filterset.filters.pop("customer", None)


def filter_by_customer(queryset, value: str):
    """Rows of the customer named by id, source id, email or (part of) the name. The customers are found
    first, then their rows (``customer_id IN (SELECT ...)``), as the Redemptions tab does."""
    customers = Customer.objects.filter(
        Q(pk=value) | Q(source_id=value) | Q(email__iexact=value) | Q(name__icontains=value)
    )
    return queryset.filter(customer__in=customers.values("pk"))


class SessionFilter(LabelledErrorsMixin, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices, empty_label="Any status")
    voucher = django_filters.CharFilter(label="Voucher code", method="filter_voucher", max_length=100)
    customer = django_filters.CharFilter(label="Customer", method="filter_customer", max_length=200)
    per_page = django_filters.ChoiceFilter(
        label="Rows per page",
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        empty_label=None,
        method="filter_nothing",
        widget=forms.Select,
    )

    class Meta:
        model = ValidationSession
        fields = ["status", "voucher", "customer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        self.can_see_customers = bool(user and user.has_perm("redemptions.view_customer"))
        if not self.can_see_customers:
            drop_customer_filter(self)
        bootstrap_widgets(self.form)
        if self.can_see_customers:
            self.form.fields["customer"].help_text = "Customer id, source id, name or email"

    def filter_voucher(self, queryset, name, value):
        # EXISTS, not a join: a session with several locks must not come back once per lock.
        locks = SessionLock.objects.filter(session=OuterRef("pk"), voucher__code=value)
        return queryset.filter(Exists(locks))

    def filter_customer(self, queryset, name, value):
        return filter_by_customer(queryset, value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # page size is read by the view; declared here so the form validates and shows it
