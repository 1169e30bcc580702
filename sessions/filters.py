"""The Sessions tab's filter panel (django-filter): status, voucher code, customer."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from campaigns.models import Customer
from dashboard.filters import FilterPanelMixin, LabelledErrorsMixin, bootstrap_widgets

from .models import SessionLock, SessionStatus, ValidationSession


def drop_customer_filter(filterset) -> None:
    """Customer data is for users with redemptions.view_customer only: no field, and a
    ``?customer=`` parameter is ignored. Call before the form is first built."""
    filterset.filters.pop("customer", None)


# The Customer filter's placeholder fits the panel's field (the longer "Id, source id, name or email" was cut
# off); its title says all it takes.
CUSTOMER_PLACEHOLDER = "Name, email or id"
CUSTOMER_TITLE = "A customer's name (or part of it), email, id or source id"


def customer_hint(field) -> None:
    """The Customer filter's placeholder and title, on the Sessions and Validations tabs."""
    field.widget.attrs.update(placeholder=CUSTOMER_PLACEHOLDER, title=CUSTOMER_TITLE)


def filter_by_customer(queryset, value: str):
    """Rows of the customer named by id, source id, email or (part of) the name. The customers are found
    first, then their rows (``customer_id IN (SELECT ...)``), as the Redemptions tab does."""
    customers = Customer.objects.filter(
        Q(pk=value) | Q(source_id=value) | Q(email__iexact=value) | Q(name__icontains=value)
    )
    return queryset.filter(customer__in=customers.values("pk"))


class SessionFilter(FilterPanelMixin, LabelledErrorsMixin, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices, empty_label="Any status")
    voucher = django_filters.CharFilter(label="Voucher code", method="filter_voucher", max_length=100)
    customer = django_filters.CharFilter(label="Customer", method="filter_customer", max_length=200)

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
            # A placeholder, as on the Redemptions tab: a help line under the field would push it out of
            # line with the panel's other filters.
            customer_hint(self.form.fields["customer"])

    def filter_voucher(self, queryset, name, value):
        # EXISTS, not a join: a session with several locks must not come back once per lock.
        locks = SessionLock.objects.filter(session=OuterRef("pk"), voucher__code=value)
        return queryset.filter(Exists(locks))

    def filter_customer(self, queryset, name, value):
        return filter_by_customer(queryset, value)
