"""The Stacking Rules tab (SPEC sections 4 and 5): settings, categories and the simulator.

One page, one template (``stacking/rules.html``) with swappable partials: ``section_body`` for a tab
click, ``rules_panel`` for the settings form, ``categories_panel`` for the table and its form,
``simulator_result`` for the simulator. Viewing needs ``stacking.view_stackingrules``; saving needs
``stacking.change_stackingrules`` (categories: ``add_category`` / ``change_category``), checked on the
POST as well as hidden in the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from campaigns.models import Campaign
from dashboard.tabs import visible_tabs
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from . import services, simulator
from .forms import CategoryForm, SimulatorForm, StackingRulesForm
from .models import Category
from .tables import CategoryTable

TEMPLATE = "stacking/rules.html"
VIEW_PERMISSION = "stacking.view_stackingrules"


def _categories_table(request) -> CategoryTable:
    campaigns = Campaign.objects.filter(deleted_at__isnull=True).only("id", "name", "category_id").order_by("name")
    rows = Category.objects.prefetch_related(Prefetch("campaigns", queryset=campaigns))
    table = CategoryTable(rows, can_change=request.user.has_perm("stacking.change_category"))
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return table


def _simulate(form: SimulatorForm) -> tuple[simulator.Simulation | None, str]:
    if not form.is_valid():
        return None, ""
    data = form.cleaned_data
    redeemables = simulator.redeemables_from_tokens(data["redeemables"])
    try:
        return simulator.simulate(
            redeemables=redeemables, amount=data["amount"], customer_source_id=data["customer"]
        ), ""
    except DomainError as exc:
        return None, exc.details or exc.message


def _render(request, partial: str | None = None, *, status: int = 200, **context):
    user = request.user
    rules = simulator.current_rules()
    can_change = user.has_perm("stacking.change_stackingrules")
    if can_change and "rules_form" not in context:
        context["rules_form"] = StackingRulesForm(initial=StackingRulesForm.initial_from(rules))
    if "simulator_form" not in context:
        bound = "redeemables" in request.GET
        context["simulator_form"] = SimulatorForm(request.GET if bound else None)
        if bound:
            context["simulation"], context["simulation_error"] = _simulate(context["simulator_form"])
    context.setdefault("categories_table", _categories_table(request))
    context.update(
        section="Redemptions",
        title="Stacking rules",
        tabs=visible_tabs("Redemptions", user),
        rules=rules,
        can_change_rules=can_change,
        can_add_category=user.has_perm("stacking.add_category"),
    )
    htmx = request.htmx
    template = f"{TEMPLATE}#{partial}" if partial and htmx and not htmx.history_restore_request else TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def rules_page(request):
    """GET: the tab (the simulator runs when its query string is there). POST: save the settings."""
    if request.method == "POST":
        return _save_rules(request)
    htmx = request.htmx
    partial = "section_body"
    if htmx and htmx.target == "simulator-result":
        partial = "simulator_result"
    return _render(request, partial)


def _save_rules(request):
    if not request.user.has_perm("stacking.change_stackingrules"):
        raise PermissionDenied
    form = StackingRulesForm(request.POST)
    if not form.is_valid():
        return _render(request, "rules_panel", rules_form=form, rules_error=True)
    services.update_stacking_rules(rules_data=form.cleaned_data, caller=Caller.for_user(request.user))
    if not request.htmx:
        messages.success(request, "Stacking rules saved.")
        return redirect("stacking:rules")
    return _render(request, "rules_panel", rules_saved=True)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def category_create(request):
    if not request.user.has_perm("stacking.add_category"):
        raise PermissionDenied
    return _category_form(request, None)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def category_edit(request, pk: str):
    if not request.user.has_perm("stacking.change_category"):
        raise PermissionDenied
    return _category_form(request, get_object_or_404(Category, pk=pk))


def _category_form(request, category: Category | None):
    if request.method == "GET":
        initial = {"hierarchy": 1, "discount_calculation": "DEFAULT"}
        if category is not None:
            initial = {f: getattr(category, f) for f in CategoryForm.base_fields}
        return _render(request, "categories_panel", category_form=CategoryForm(initial=initial), category=category)
    form = CategoryForm(request.POST)
    if form.is_valid():
        caller = Caller.for_user(request.user)
        try:
            if category is None:
                saved = services.create_category(caller=caller, **form.cleaned_data)
            else:
                saved = services.update_category(caller=caller, category_id=category.pk, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("name" if exc.key == "duplicate_found" else None, exc.details or exc.message)
        else:
            verb = "created" if category is None else "saved"
            if not request.htmx:
                messages.success(request, f"Category {saved.name} {verb}.")
                return redirect("stacking:rules")
            return _render(request, "categories_panel", category_saved=f"Category {saved.name} {verb}.")
    return _render(request, "categories_panel", category_form=form, category=category)
