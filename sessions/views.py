"""The Sessions tab: LOCK sessions with the vouchers they hold, a detail page, and the Release action.

``DashboardListView`` is the list-page pattern shared with the Validations tab: a whole page on a direct
load, only the section body on a tab click, only the table on a filter/sort/page change (SPEC section 5),
with a capped row count (never a full COUNT) and keyset pagination (redemptions.keyset: no OFFSET).
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2.views import SingleTableMixin

from redemptions.keyset import keyset_table
from redemptions.tabs import visible_tabs
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from . import services
from .filters import PAGE_SIZES, SessionFilter
from .models import ReleaseReason, SessionLock, SessionStatus, ValidationSession
from .tables import SessionTable

COUNT_CAP = 10_000  # count up to this many rows, then say "10,000+" (never a full COUNT)


def positive_int(value, default: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 1 <= number <= maximum else default


class SectionPageMixin(PermissionRequiredMixin):
    """Permission-checked page of the Redemptions section, with its tabs and the htmx partial routing."""

    raise_exception = True  # a logged-in user without the permission gets 403, not a login loop
    section = "Redemptions"
    title = ""
    table_target = ""  # the id of the element a filter, sort or page change swaps

    def get_template_names(self):
        names = super().get_template_names()
        htmx = self.request.htmx
        if not htmx or htmx.history_restore_request:
            return names
        if self.table_target and htmx.target == self.table_target:
            return [f"{names[0]}#table"]
        return [f"{names[0]}#section_body"]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, section=self.section, tabs=visible_tabs(self.request.user))
        return context


class DashboardListView(SectionPageMixin, SingleTableMixin, FilterView):
    """A filterable, sortable list whose cost does not grow with the table.

    One page template for every such list (templates/partials/filtered_list.html); a list with more on its
    page (the Redemptions tab) names its own.
    """

    template_name = "partials/filtered_list.html"
    noun = "rows"  # after the row count: "1,234 sessions"
    filter_label = "Filter"  # the filter panel's accessible name
    list_note = ""  # a line above the filters, when the list needs one
    default_sort = "-created_at"
    empty_text = "Nothing here yet."
    filtered_empty_text = "Nothing matches these filters — clear one of them."

    def filter_fields(self) -> set[str]:
        # The filters this user has (e.g. no customer filter without redemptions.view_customer).
        filterset = getattr(self, "filterset", None)
        filters = filterset.filters if filterset is not None else self.filterset_class.base_filters
        return set(filters) - {"per_page"}

    def page_size(self) -> int:
        return positive_int(self.request.GET.get("per_page"), PAGE_SIZES[0], max(PAGE_SIZES))

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_table(self, **kwargs):
        per_page = self.page_size() if self.page_size() in PAGE_SIZES else PAGE_SIZES[0]
        # Sorting from ?sort=, pages by keyset cursor (?after= / ?before=): no OFFSET however deep.
        table = keyset_table(
            self.request,
            self.get_table_class(),
            self.get_table_data(),
            default_sort=self.default_sort,
            per_page=per_page,
            **kwargs,
        )
        filtered = any(self.request.GET.get(name) for name in self.filter_fields())
        table.empty_text = self.filtered_empty_text if filtered else self.empty_text
        return table

    def row_count_label(self) -> str:
        count = self.object_list.order_by()[: COUNT_CAP + 1].count()
        return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            table_target=self.table_target, noun=self.noun, filter_label=self.filter_label, list_note=self.list_note
        )
        context["row_count"] = self.row_count_label()
        context["active_filters"] = any(self.request.GET.get(name) for name in self.filter_fields())
        return context


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
    empty_text = "No validation sessions yet — a validation with a LOCK session opens one."
    filtered_empty_text = "No sessions match — clear the status, voucher or customer filter."

    def get_queryset(self):
        return sessions_queryset()


class SessionDetailView(SectionPageMixin, DetailView):
    permission_required = "validation_sessions.view_validationsession"
    template_name = "sessions/detail.html"
    title = "Sessions"
    context_object_name = "session"

    def get_object(self, queryset=None):
        return get_object_or_404(sessions_queryset(), pk=self.kwargs["key"])

    def get_template_names(self):
        return [self.template_name]  # a page of its own, always whole

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
        return TemplateResponse(request, "partials/filtered_list.html#row", {"table": table})
