"""The Stacking Rules tab of the Redemptions section: the stacking settings, the categories with the
campaigns using them, and the simulator (redemptions.simulator).

One page, one template (``stacking/rules.html``) with swappable partials: ``section_body`` for a tab
click, ``rules_panel`` for the settings form, ``categories_panel`` for the table and its form,
``redemptions/simulator.html#simulator_result`` for the simulator's answer. Viewing needs
``stacking.view_stackingrules``; saving needs ``stacking.change_stackingrules`` (categories:
``add_category`` / ``change_category``), checked on the POST as well as hidden in the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from campaigns.queries import categories_with_campaigns
from dashboard.filters import page_size_form
from dashboard.forms import refused_status
from dashboard.tabs import visible_tabs
from stacking import services
from stacking.forms import CategoryForm, StackingRulesForm
from stacking.models import Category
from stacking.queries import current_rules
from stacking.tables import CategoryTable
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .simulator import simulator_panel

TEMPLATE = "stacking/rules.html"
SIMULATOR_RESULT = "redemptions/simulator.html#simulator_result"
VIEW_PERMISSION = "stacking.view_stackingrules"


def _categories_table(request) -> CategoryTable:
    rows = categories_with_campaigns()
    user = request.user
    table = CategoryTable(
        rows, can_change=user.has_perm("stacking.change_category"), can_add=user.has_perm("stacking.add_category")
    )
    # Sorting from ?sort= (django-tables2 ignores a column it does not know); the size through the one
    # "Rows per page" reading of every list, so -1, 0 or NaN cannot reach the paginator.
    RequestConfig(request, paginate=False).configure(table)
    size = page_size_form(request.GET).page_size()
    page = Paginator(table.rows, size).get_page(request.GET.get("page"))  # 1 for garbage, the last if past it
    table.paginate(per_page=size, page=page.number)
    return table


def _render(request, partial: str | None = None, *, status: int = 200, **context):
    user = request.user
    rules = current_rules()
    can_change = user.has_perm("stacking.change_stackingrules")
    if can_change and "rules_form" not in context:
        context["rules_form"] = StackingRulesForm(initial=StackingRulesForm.initial_from(rules))
    context.update(simulator_panel(request))
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
    if partial and htmx and not htmx.history_restore_request:
        template = partial if "#" in partial else f"{TEMPLATE}#{partial}"
    else:
        template = TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def rules_page(request):
    """GET: the tab (the simulator runs when its query string is there). POST: save the settings."""
    if request.method == "POST":
        return _save_rules(request)
    target = request.htmx.target if request.htmx else None
    simulator = target in ("simulator-body", "simulator-result")
    return _render(request, SIMULATOR_RESULT if simulator else "section_body")


def _save_rules(request):
    if not request.user.has_perm("stacking.change_stackingrules"):
        raise PermissionDenied
    form = StackingRulesForm(request.POST)
    if not form.is_valid():
        return _render(request, "rules_panel", status=refused_status(request), rules_form=form, rules_error=True)
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
    return _render(request, "categories_panel", status=refused_status(request), category_form=form, category=category)
