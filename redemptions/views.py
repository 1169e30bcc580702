"""The Redemptions tab: the list with its filters, a redemption's details, and the Rollback action."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from auditlog.sentences import sentence_html, technical_details, tier_ids
from campaigns.queries import tier_names
from dashboard.components import metadata_rows
from dashboard.forms import refused_status
from dashboard.lists import DashboardListView, as_whole_page
from dashboard.tabs import visible_tabs
from stacking import reasons
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.privacy import can_see_customers, visible_tracking_id

from . import queries
from .filters import RedemptionFilter
from .forms import RollbackForm, can_roll_back, rollback_refusal
from .models import Redemption, RedemptionResult
from .services.requests import RollbackRequest
from .services.rollback import rollback_redemption, rollback_window_end, stacked_child_refusal
from .tables import RedemptionTable, failure_html, hidden_columns, is_gift_card


class RedemptionListView(DashboardListView):
    """The Redemptions tab: a dashboard list whose filter panel shows the default filters and those in the
    URL, and offers the rest through "Add filter"; with the Export button and a menu per row (Rollback)."""

    permission_required = "redemptions.view_redemption"
    title = "Redemptions"
    table_target = "redemptions-table"
    noun = "redemptions"
    filter_label = "Redemption filters"
    filterset_class = RedemptionFilter
    table_class = RedemptionTable
    list_actions = ("exports/_export_button.html",)
    empty_text = "No redemptions yet — each code used at checkout appears here as soon as it is redeemed."
    empty_icon = "receipt"

    def get_queryset(self):
        return queries.dashboard_redemptions()

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_table_kwargs(self):
        return {"exclude": hidden_columns(self.request.user), "viewer": self.request}


def _get(redemption_id: str) -> Redemption:
    redemption = queries.dashboard_redemption(redemption_id)
    if redemption is None:
        raise Http404("No such redemption")
    return redemption


def _links(user) -> dict:
    """Which of the detail page's links (campaign, voucher, tier, request logs) lead to a page this user may open."""
    return {
        "link_campaign": user.has_perm("campaigns.view_campaign"),
        "link_voucher": user.has_perm("campaigns.view_voucher"),
        "link_tiers": user.has_perm("campaigns.view_promotiontier"),
        "link_logs": user.has_perm("auditlog.view_requestlog"),
    }


def _summary_context(request, redemption: Redemption, **extra) -> dict:
    for child in redemption.children.all():  # a failed stack's attempts: each its own outcome
        child.failure = failure_html(child) if child.failure_code else ""
    return {
        **_links(request.user),
        "active_tab": "redemptions:list",  # the detail belongs to the Redemptions tab
        "redemption": redemption,
        "failure": failure_html(redemption) if redemption.failure_code else "",
        "gift_card": is_gift_card(redemption),
        "can_roll_back": can_roll_back(request.user, redemption),
        "rollback_refusal": rollback_refusal(request.user, redemption),
        "rollback_window_end": rollback_window_end(redemption),
        "show_customer": can_see_customers(request.user),
        # A tracking id that may name the customer is customer data (voucherhub.privacy).
        "tracking_id": visible_tracking_id(redemption.tracking_id, request.user),
        "rollback_form": extra.pop("rollback_form", None) or RollbackForm(),
        **extra,
    }


def _order_credits(redemption: Redemption) -> dict | None:
    """The order's discount and the gift credits of this redemption's call apart, when the call took gift
    credits: the order's discount amount counts them (the API's total_amount is what is left to pay), the
    dashboard shows them as what they are."""
    call = redemption.parent or redemption
    if redemption.order is None or not call.gift_amount or call.result != RedemptionResult.SUCCESS:
        return None
    gift = min(call.gift_amount, redemption.order.discount_amount)
    return {"discount": redemption.order.discount_amount - gift, "gift": gift}


def _detail_extras(request, redemption: Redemption) -> dict:
    events = list(queries.redemption_events(redemption))
    tiers = tier_names(tier_ids(events))  # a tier by its name, read once for the page
    for event in events:  # in words; the raw event for admins (auditlog.sentences)
        event.sentence = sentence_html(event, reason=reasons.sentence, tiers=tiers)  # a failure as the lists say it
        event.details = technical_details(event, request.user)
    return {
        "events": events,
        "metadata_rows": metadata_rows(redemption.metadata),
        "order_credits": _order_credits(redemption),
    }


@permission_required("redemptions.view_redemption", raise_exception=True)
def redemption_detail(request, redemption_id: str):
    redemption = _get(redemption_id)
    context = _summary_context(
        request,
        redemption,
        section="Redemptions",
        tabs=visible_tabs("Redemptions", request.user),
        **_detail_extras(request, redemption),
    )
    return as_whole_page(request, render(request, "redemptions/detail.html", context))


@require_http_methods(["GET", "POST"])
def redemption_rollback(request, redemption_id: str):
    """POST: roll back (the detail page's panel, or a list row when the row is the htmx target).
    GET: the Rollback form for a list row's last cell; without htmx, the detail page that has it."""
    if not request.user.has_perm("redemptions.rollback_redemption"):
        raise PermissionDenied
    if request.method == "GET":
        return _row_form(request, redemption_id)
    redemption = _get(redemption_id)
    form = RollbackForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            rollback = RollbackRequest(
                redemption.pk, reason=form.cleaned_data["reason"], stacked=redemption.is_stacked_parent
            )
            outcome = rollback_redemption(rollback, caller=Caller.for_user(request.user))
        except DomainError as exc:
            outcome = None
            error = _refusal(exc, redemption)
        if outcome is not None and outcome.error is not None:
            error = (
                f"{outcome.error.message}: {outcome.error.details}" if outcome.error.details else outcome.error.message
            )
        if not error:
            form = RollbackForm()  # unbound: the panel shows the outcome, not the reason typed
        redemption = _get(redemption_id)
    rolled_back = form.is_bound is False and not error
    if request.htmx and request.htmx.target == f"row-{redemption.pk}":
        return _row(request, redemption.pk, form, error, rolled_back)
    context = _summary_context(request, redemption, rollback_form=form, rollback_error=error, rolled_back=rolled_back)
    template = "redemptions/detail.html#summary" if request.htmx else "redemptions/detail.html"
    if not request.htmx:
        context.update(
            section="Redemptions", tabs=visible_tabs("Redemptions", request.user), **_detail_extras(request, redemption)
        )
    return render(request, template, context, status=refused_status(request) if form.is_bound or error else 200)


def _refusal(error: DomainError, redemption: Redemption) -> str:
    """The service's refusal as the dashboard says it: a stacked one's child in the row menu's words."""
    if error.key == "invalid_redemption_parent":
        return stacked_child_refusal(redemption.parent_id)
    return error.details or error.message


def _row(request, redemption_id: str, form: RollbackForm, error: str, rolled_back: bool):
    """The list row of a redemption after a Rollback from it, with the outcome in its last cell."""
    if rolled_back:
        message = ("success", "Rolled back.")
    elif error or form.errors:
        reasons = error or " ".join(" ".join(errors) for errors in form.errors.values())
        message = ("danger", f"Rollback refused — {reasons}")
    else:
        message = None
    row = queries.dashboard_redemptions().get(pk=redemption_id)
    table = RedemptionTable(
        [row], viewer=request, row_messages={row.pk: message} if message else {}, exclude=hidden_columns(request.user)
    )
    return render(request, "dashboard/list.html#row", {"table": table})


def _row_form(request, redemption_id: str):
    if not request.htmx:
        return redirect("redemptions:detail", redemption_id=redemption_id)
    redemption = queries.dashboard_redemptions().filter(pk=redemption_id).first()
    if redemption is None:
        raise Http404("No such redemption")
    colspan = len(RedemptionTable.base_columns) - len(hidden_columns(request.user))
    if not can_roll_back(request.user, redemption):
        return HttpResponse(
            format_html(
                '<tr id="rollback-row-{}" class="vh-rollback-row"><td colspan="{}">'
                '<span class="small text-secondary">{} cannot be rolled back. {}</span></td></tr>',
                redemption.pk,
                colspan,
                redemption.pk,
                rollback_refusal(request.user, redemption),
            )
        )
    form = RollbackForm(auto_id=f"id_%s_{redemption.pk}")
    form.fields["reason"].widget.attrs["autofocus"] = True  # the menu that asked for it has closed
    context = {"redemption": redemption, "rollback_form": form, "colspan": colspan}
    return render(request, "redemptions/partials/row_rollback.html", context)
