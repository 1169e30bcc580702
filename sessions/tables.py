"""The Sessions tab's table (django-tables2)."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from dashboard.components import copy_id, menu_button, menu_copy, menu_link, row_menu
from dashboard.formatting import when
from dashboard.labels import label

from .models import SessionStatus, ValidationSession


def row_id(key: str) -> str:
    """A DOM id for a session's row (keys are client-given, so keep only safe characters)."""
    return "session-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


STATUS_CLASSES = {
    SessionStatus.ACTIVE: "text-bg-success",
    SessionStatus.RELEASED: "text-bg-secondary",
    SessionStatus.EXPIRED: "text-bg-warning",
}


def status_badge(session: ValidationSession):
    """The status as a badge; the release reason, when there is one, on hover."""
    return format_html(
        '<span class="badge {}" title="{}">{}</span>',
        STATUS_CLASSES.get(session.status, "text-bg-light"),
        session.get_release_reason_display() if session.release_reason else "",
        label(session.status),
    )


class SessionTable(tables.Table):
    """Sessions with their locks. The view prefetches locks and vouchers, so rendering makes no query."""

    # Each sort ends with the key, in one direction: the list pages by keyset (dashboard.keyset).
    key = tables.Column(verbose_name="Key", order_by=("key",), attrs={"td": {"class": "vh-col-key"}})
    status = tables.Column(verbose_name="Status", order_by=("status", "created_at", "key"))
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "key"))
    expires_at = tables.Column(verbose_name="Expires", order_by=("expires_at", "key"))
    customer = tables.Column(verbose_name="Customer", orderable=False, empty_values=())
    locks = tables.Column(verbose_name="Locked vouchers", orderable=False, empty_values=())
    actions = tables.Column(
        verbose_name="", orderable=False, empty_values=(), attrs={"td": {"class": "text-end vh-col-actions"}}
    )

    class Meta:
        model = ValidationSession
        fields = ("key", "status", "created_at", "expires_at", "customer", "locks", "actions")
        attrs = {"class": "table table-hover align-middle mb-0 vh-table", "id": "sessions-table-el"}  # as every list
        row_attrs = {"id": lambda record: row_id(record.key), "data-status": lambda record: record.status}
        order_by = ("-created_at",)
        template_name = "dashboard/keyset_table.html"

    def __init__(self, *args, user=None, **kwargs):
        self.can_see_customers = bool(user and user.has_perm("redemptions.view_customer"))
        if not self.can_see_customers:  # customer data is for Admins only
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "customer")
        super().__init__(*args, **kwargs)
        self.user = user
        self.can_release = bool(user and user.has_perm("validation_sessions.release_session"))

    def render_key(self, record):
        # A key is client-given and may be long: shortened by CSS, whole in the title, copied by its button.
        return copy_id(record.key, reverse("redemptions:session_detail", kwargs={"key": record.key}), noun="key")

    def render_status(self, record):
        return status_badge(record)

    def render_created_at(self, value):
        return when(value)

    def render_expires_at(self, value):
        return when(value)

    def render_customer(self, record):
        return render_to_string(
            "sessions/_customer.html", {"customer": record.customer, "can_see_customers": self.can_see_customers}
        )

    def render_locks(self, record):
        return render_to_string("sessions/_locks.html", {"locks": record.locks.all()})

    def render_actions(self, record):
        """The row's menu: Open, Copy key, and Release for an active session when the viewer may release."""
        items = [
            menu_link("Open", reverse("redemptions:session_detail", kwargs={"key": record.key})),
            menu_copy(record.key, noun="key"),
        ]
        if self.can_release and record.status == SessionStatus.ACTIVE:
            attrs = {
                "hx-post": reverse("redemptions:session_release", kwargs={"key": record.key}),
                "hx-target": "closest tr",
                "hx-swap": "outerHTML",
                "hx-push-url": "false",
                "hx-confirm": f"Release session {record.key}? Its vouchers become available to everyone again.",
            }
            items.append(menu_button("Release", attrs, danger=True))
        return row_menu(record.key, items)
