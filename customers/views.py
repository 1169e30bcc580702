"""The Customers section: the customer list, and each customer's page (Overview, Activity).

Pages follow every dashboard section (dashboard.lists): a direct load renders the whole page, a tab click
swaps only ``#section-body`` (HTMX, URL pushed), a filter/sort/page change only the table. Everything here
is personal data: every page needs ``redemptions.view_customer`` and ``campaigns.view_customer`` (the
Admin role), the Activity tab ``auditlog.view_event`` as well.
"""

from functools import cached_property

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView

from dashboard.components import metadata_rows
from dashboard.lists import DashboardListView, SectionPageMixin, count_label
from voucherhub.privacy import VIEW_CUSTOMER

from . import queries
from .filters import ActivityFilter, CustomerFilter
from .tables import CustomerEventTable, CustomerTable

SECTION_PERMISSIONS = (VIEW_CUSTOMER, "campaigns.view_customer")

# A customer's tabs: (label, URL name, the permission it needs besides the section's).
CUSTOMER_TABS = [
    ("Overview", "customers:detail", ""),
    ("Activity", "customers:activity", "auditlog.view_event"),
]


class CustomersSectionMixin(SectionPageMixin):
    section = "Customers"

    def get_permission_required(self):
        own = super().get_permission_required() if self.permission_required else ()
        return tuple(dict.fromkeys((*SECTION_PERMISSIONS, *own)))


class CustomerListView(CustomersSectionMixin, DashboardListView):
    title = "Customers"
    table_target = "customer-table"
    noun = "customers"
    filter_label = "Filter customers"
    filterset_class = CustomerFilter
    table_class = CustomerTable
    default_sort = "-created_at"
    empty_text = (
        "No customers yet — they appear here as your shop's systems send them with validations, redemptions or "
        "through the API."
    )
    empty_icon = "people"

    def get_queryset(self):
        return queries.dashboard_customers()


class CustomerPageMixin(CustomersSectionMixin):
    """A tab of one customer's page. Permission first (403), then the customer (404)."""

    layout = "customers/_page.html"

    @cached_property
    def customer(self):
        customer = queries.find_customer_page(self.kwargs["customer_id"])
        if customer is None:
            raise Http404("No such customer")
        return customer

    def customer_tabs(self) -> list[dict]:
        user = self.request.user
        return [
            {"label": label, "url": reverse(name, args=[self.customer.pk])}
            for label, name, perm in CUSTOMER_TABS
            if not perm or user.has_perm(perm)
        ]

    def page_title(self) -> str:
        return f"{self.title} · {self.customer} · {self.section}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            customer=self.customer, object_tabs=self.customer_tabs(), object_tabs_label="Customer tabs", **kwargs
        )


class CustomerDetailView(CustomerPageMixin, TemplateView):
    template_name = "customers/detail.html"
    title = "Overview"

    def get_context_data(self, **kwargs):
        profile = queries.customer_profile(self.customer)
        redemptions = [
            {"key": status.lower(), "label": label, "count": count_label(*profile.redemptions[status])}
            for status, label in (("SUCCEEDED", "Succeeded"), ("FAILED", "Failed"), ("ROLLED_BACK", "Rolled back"))
        ]
        return super().get_context_data(
            profile=profile,
            redemption_counts=redemptions,
            vouchers_label=count_label(profile.vouchers_count, profile.vouchers_more),
            metadata_items=metadata_rows(self.customer.metadata),
            **kwargs,
        )


class CustomerActivityView(CustomerPageMixin, DashboardListView):
    """Every event of the customer across campaigns (seed: "Track customer activity in campaigns"): one
    campaign or all, an occurrence date range, keyset-paged on event_customer_idx."""

    permission_required = "auditlog.view_event"
    title = "Activity"
    table_target = "event-table"
    filterset_class = ActivityFilter
    table_class = CustomerEventTable
    filter_label = "Filter activity"
    default_sort = "-occurred_at"
    noun = "events"
    empty_text = "No activity yet — this customer's validations, redemptions and profile changes are recorded here."

    def get_queryset(self):
        return queries.customer_events(self.customer)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tabs_template="dashboard/object_tabs.html", **kwargs)
