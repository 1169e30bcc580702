"""The Sessions tab's filter panel (django-filter): status, voucher code, customer."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from .models import SessionLock, SessionStatus, ValidationSession

PAGE_SIZES = (10, 25, 50, 100)


def bootstrap_widgets(form) -> None:
    """Bootstrap classes on a filter form's widgets (django-filter builds the form; we only style it)."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        widget.attrs["class"] = css


class SessionFilter(django_filters.FilterSet):
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
        bootstrap_widgets(self.form)
        self.form.fields["customer"].help_text = (
            "Customer id, source id, name or email" if self.can_see_customers else "Customer id (cust_...)"
        )

    def filter_voucher(self, queryset, name, value):
        # EXISTS, not a join: a session with several locks must not come back once per lock.
        locks = SessionLock.objects.filter(session=OuterRef("pk"), voucher__code=value)
        return queryset.filter(Exists(locks))

    def filter_customer(self, queryset, name, value):
        condition = Q(customer_id=value)
        if self.can_see_customers:
            condition |= Q(customer__source_id=value) | Q(customer__email__iexact=value)
            condition |= Q(customer__name__icontains=value)
        return queryset.filter(condition)

    def filter_nothing(self, queryset, name, value):
        return queryset  # page size is read by the view; declared here so the form validates and shows it
