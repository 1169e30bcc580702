"""The Stacking Rules simulator: what the engine would do with a stack, writing nothing.

It asks ``redemptions.services.evaluation.check_stack`` — the same checks and stacking as
``POST /v1/validations`` (the request shape, each redeemable's own checks with other sessions' locks
counted as taken, the validation rules, the stacking engine) without any of its writes: no customer or
order is created, no Validation, Redemption or session lock is stored, no counter moves, no event is
written. The whole evaluation also runs in a transaction that is rolled back, so even a future write
slipping into it would not survive.

Differences from ``validate`` (decisions): a customer is only looked up by ``source_id``, never created
(an unknown one is evaluated as no customer, and the result says so); the order is just an amount; no
session key is used (every active lock counts as taken).

The Stacking Rules tab (redemptions.stacking_views) shows it: :func:`simulator_panel` gives the panel its
context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from campaigns.models import Customer, PromotionTier
from stacking import engine
from stacking.queries import current_rules
from voucherhub.errors import DomainError

from .forms import SimulatorForm
from .services.evaluation import check_stack
from .services.requests import RedeemableRef


@dataclass(frozen=True)
class SimulatedRedeemable:
    """One line of the simulator's answer, in the requested order."""

    object: str
    id: str
    status: str
    category: str
    failure_code: str = ""
    failure_message: str = ""
    failure_details: str = ""
    skip_reason: str = ""
    discount_amount: int = 0
    gift_credits: int = 0
    order_total_after: int = 0  # the engine's: the total after it in application order
    running_total: int = 0  # the order's total after this line and the ones above it, as the table reads
    application_position: int | None = None


@dataclass(frozen=True)
class Simulation:
    stack: engine.StackResult
    redeemables: list[SimulatedRedeemable]
    settings: engine.StackingSettings
    notes: list[str] = field(default_factory=list)


def redeemables_from_tokens(tokens: list[str]) -> list[RedeemableRef]:
    """Codes and promotion tier ids as the API's redeemables: a token that is the id of an existing
    promotion tier is a ``promotion_tier``, anything else a voucher code (read-only lookup)."""
    tier_ids = set(PromotionTier.objects.filter(pk__in=tokens).values_list("pk", flat=True)) if tokens else set()
    return [RedeemableRef("promotion_tier" if t in tier_ids else "voucher", t) for t in tokens]


def simulate(*, redeemables: list[RedeemableRef], amount: int, customer_source_id: str | None = None) -> Simulation:
    """The engine's verdict on ``redeemables`` for an order of ``amount`` minor units under the current
    stacking rules. Raises ``voucherhub.errors.DomainError`` (400) for a stack the API would refuse (too many
    redeemables, duplicates). Writes nothing."""
    with transaction.atomic():
        try:
            return _simulate(redeemables, amount, customer_source_id)
        finally:
            transaction.set_rollback(True)


def _simulate(redeemables: list[RedeemableRef], amount: int, customer_source_id: str | None) -> Simulation:
    rules = current_rules()
    notes: list[str] = []
    customer = None
    if customer_source_id:
        customer = Customer.objects.filter(source_id=customer_source_id).first()
        if customer is None:
            notes.append(f"No customer with source id {customer_source_id}: evaluated without a customer.")
    check = check_stack(redeemables, amount=amount, customer=customer, settings_row=rules)
    checked, stack, settings = check.checked, check.stack, check.settings
    lines = []
    running = stack.initial_amount
    for c, result in zip(checked, stack.results, strict=True):
        running -= result.discount_amount + result.gift_credits
        failure = result.failure
        category = c.category
        lines.append(
            SimulatedRedeemable(
                object=result.object,
                id=result.id,
                status=str(result.status),
                category=category.name if category is not None else "",
                failure_code=failure.code if failure else "",
                failure_message=failure.message if failure else "",
                failure_details=(c.failure.error_message or failure.details) if failure and c.failure else "",
                skip_reason=str(result.skip_reason) if result.skip_reason else "",
                discount_amount=result.discount_amount,
                gift_credits=result.gift_credits,
                order_total_after=result.order_total_after,
                running_total=running,
                application_position=result.application_position,
            )
        )
    return Simulation(stack=stack, redeemables=lines, settings=settings, notes=notes)


def simulator_panel(request) -> dict:
    """The simulator panel's context: its form, bound to the query string when the tab's URL carries a
    stack (``?simulate=1&redeemables=...&amount=...``), and then the simulation or the API's refusal. An
    empty codes box is not sent by the browser at all: ``simulate`` (or any of the form's fields) says the
    form was submitted, so what is missing is said."""
    if not any(name in request.GET for name in ("simulate", *SimulatorForm.base_fields)):
        return {"simulator_form": SimulatorForm(user=request.user)}
    form = SimulatorForm(request.GET, user=request.user)
    context = {"simulator_form": form, "simulation": None, "simulation_error": ""}
    if form.is_valid():
        data = form.cleaned_data
        try:
            context["simulation"] = simulate(
                redeemables=redeemables_from_tokens(data["redeemables"]),
                amount=data["amount"],
                customer_source_id=data.get("customer"),
            )
        except DomainError as exc:
            context["simulation_error"] = exc.details or exc.message
    return context


def applicable_promotions(*, amount: int, customer_source_id: str | None = None) -> list[tuple[PromotionTier, int]]:
    """``POST /v1/promotions/validation``: each enabled tier of an enabled promotion campaign that the engine
    would apply on its own to an order of ``amount`` (each simulated alone, writing nothing), with the
    discount it would give, by the campaigns' and tiers' order."""
    tiers = list(
        PromotionTier.objects.filter(active=True, campaign__active=True, campaign__deleted_at__isnull=True)
        .select_related("campaign", "category")
        .order_by("campaign__created_at", "position", "id")
    )
    applicable = []
    for tier in tiers:
        line = simulate(
            redeemables=[RedeemableRef("promotion_tier", tier.pk)], amount=amount, customer_source_id=customer_source_id
        ).redeemables[0]
        if line.status == "APPLICABLE":
            applicable.append((tier, line.discount_amount))
    return applicable
