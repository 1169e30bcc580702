"""The Sessions tab: LOCK sessions with the vouchers they hold, a detail page, and the Release action.

The list is a dashboard.lists.DashboardListView like every dashboard list.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import DetailView

from dashboard.lists import DashboardListView, DetailPageMixin
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from . import services
from .filters import SessionFilter
from .models import ReleaseReason, SessionLock, SessionStatus, ValidationSession
from .tables import SessionTable


def sessions_queryset():
    """Sessions with customer and locks (with their vouchers) loaded in a fixed number of queries."""
    locks = SessionLock.objects.select_related("voucher").only(
        "id", "session_id", "quantity", "credits", "released_at", "voucher__id", "voucher__code"
    )
    return ValidationSession.objects.select_related("customer").prefetch_related(
        Prefetch("locks", queryset=locks.order_by("voucher__code"))
    )


class SessionListView(DashboardListView):
    permission_required = "validation_sessions.view_validationsession"
    title = "Sessions"
    table_target = "session-table"
    noun = "sessions"
    filter_label = "Filter sessions"
    filterset_class = SessionFilter
    table_class = SessionTable
    empty_text = "No sessions yet — one opens when a shop holds vouchers for a customer while they check out."
    empty_icon = "lock"

    def get_queryset(self):
        return sessions_queryset()


class SessionDetailView(DetailPageMixin, DetailView):
    permission_required = "validation_sessions.view_validationsession"
    template_name = "sessions/detail.html"
    title = "Sessions"
    context_object_name = "session"

    def get_object(self, queryset=None):
        return get_object_or_404(sessions_queryset(), pk=self.kwargs["key"])

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            can_release=user.has_perm("validation_sessions.release_session"),
            can_see_customers=user.has_perm("redemptions.view_customer"),
            **kwargs,
        )


class SessionReleaseView(PermissionRequiredMixin, View):
    """POST: release every lock of the session (reason MANUAL) and answer with its row re-rendered.

    Without htmx (a plain form on the detail page) it redirects to the session's page instead.
    """

    permission_required = "validation_sessions.release_session"
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request, key: str):
        get_object_or_404(ValidationSession.objects.only("pk"), pk=key)
        try:
            services.release_session(key=key, caller=Caller.for_user(request.user), reason=ReleaseReason.MANUAL)
        except DomainError as error:  # gone between the check and the lock
            raise Http404(key) from error
        session = sessions_queryset().get(pk=key)
        if not request.htmx:
            if session.status == SessionStatus.RELEASED:
                messages.success(request, f"Session {key} released.")
            return redirect("redemptions:session_detail", key=key)
        table = SessionTable([session], user=request.user)
        return TemplateResponse(request, "dashboard/list.html#row", {"table": table})
