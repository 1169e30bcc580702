"""The Redemptions tab: the list with its filters, a redemption's details, and the Rollback action."""

import json

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import LazyPaginator, RequestConfig

from redemptions.tabs import visible_tabs
from voucherhub.caller import Caller
from voucherhub.errors import ApiError

from . import queries
from .filters import PageSizeForm, RedemptionFilter
from .forms import RollbackForm
from .models import Redemption, RedemptionStatus
from .services import rollback_redemption, rollback_window_end
from .tables import RedemptionTable

TABLE_TARGET = "redemptions-table"


def _without(request, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    params.pop("page", None)
    return f"?{params.urlencode()}" if params else "?"


@permission_required("redemptions.view_redemption", raise_exception=True)
def redemption_list(request):
    user = request.user
    filterset = RedemptionFilter(request.GET or None, queryset=queries.dashboard_redemptions(), user=user)
    size_form = PageSizeForm(request.GET or None)
    per_page = size_form.page_size()
    rows = filterset.qs
    table = RedemptionTable(rows, exclude=() if user.has_perm("redemptions.view_customer") else ("customer",))
    RequestConfig(request, paginate=False).configure(table)  # sorting from ?sort=
    try:
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page = 1
    try:
        table.paginate(paginator_class=LazyPaginator, page=page, per_page=per_page)
    except (EmptyPage, PageNotAnInteger):
        table.paginate(paginator_class=LazyPaginator, page=1, per_page=per_page)
    count, more = queries.capped_count(rows) if not filterset.errors else (0, False)
    active = [
        {"label": filterset.form.fields[name].label or name.replace("_", " "), "clear_url": _without(request, name)}
        for name in filterset.filters
        if request.GET.get(name)
    ]
    context = {
        "section": "Redemptions",
        "title": "Redemptions",
        "tabs": visible_tabs(user),
        "filter": filterset,
        "size_form": size_form,
        "table": table,
        "row_count": count,
        "row_count_label": f"{count:,}{'+' if more else ''}",
        "active_filters": active,
        "table_target": TABLE_TARGET,
    }
    template = "redemptions/list.html"
    htmx = request.htmx
    if htmx and not htmx.history_restore_request:
        template += "#table" if htmx.target == TABLE_TARGET else "#section_body"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _can_roll_back(user, redemption: Redemption) -> bool:
    return (
        user.has_perm("redemptions.rollback_redemption")
        and redemption.status == RedemptionStatus.SUCCEEDED
        and redemption.parent_id is None
        and timezone.now() <= rollback_window_end(redemption)
    )


def _get(redemption_id: str) -> Redemption:
    redemption = queries.dashboard_redemption(redemption_id)
    if redemption is None:
        raise Http404("No such redemption")
    return redemption


def _summary_context(request, redemption: Redemption, **extra) -> dict:
    return {
        "redemption": redemption,
        "can_roll_back": _can_roll_back(request.user, redemption),
        "rollback_window_end": rollback_window_end(redemption),
        "show_customer": request.user.has_perm("redemptions.view_customer"),
        "rollback_form": extra.pop("rollback_form", None) or RollbackForm(),
        **extra,
    }


def _pretty(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _detail_extras(redemption: Redemption) -> dict:
    events = list(queries.redemption_events(redemption))
    for event in events:
        event.data_json = _pretty(event.data)
    return {"events": events, "metadata_json": _pretty(redemption.metadata)}


@permission_required("redemptions.view_redemption", raise_exception=True)
def redemption_detail(request, redemption_id: str):
    redemption = _get(redemption_id)
    context = _summary_context(
        request,
        redemption,
        section="Redemptions",
        tabs=visible_tabs(request.user),
        **_detail_extras(redemption),
    )
    return render(request, "redemptions/detail.html", context)


@require_POST
def redemption_rollback(request, redemption_id: str):
    if not request.user.has_perm("redemptions.rollback_redemption"):
        raise PermissionDenied
    redemption = _get(redemption_id)
    form = RollbackForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            outcome = rollback_redemption(
                redemption_id=redemption.pk,
                reason=form.cleaned_data["reason"],
                caller=Caller.for_user(request.user),
                stacked=redemption.is_stacked_parent,
            )
        except ApiError as exc:
            outcome = None
            error = exc.details or exc.message
        if outcome is not None and outcome.error is not None:
            error = (
                f"{outcome.error.message}: {outcome.error.details}" if outcome.error.details else outcome.error.message
            )
        if not error:
            form = RollbackForm()  # unbound: the panel shows the outcome, not the reason typed
        redemption = _get(redemption_id)
    rolled_back = form.is_bound is False and not error
    context = _summary_context(request, redemption, rollback_form=form, rollback_error=error, rolled_back=rolled_back)
    template = "redemptions/detail.html#summary" if request.htmx else "redemptions/detail.html"
    if not request.htmx:
        context.update(section="Redemptions", tabs=visible_tabs(request.user), **_detail_extras(redemption))
    return render(request, template, context)
