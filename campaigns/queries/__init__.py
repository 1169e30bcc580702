"""Read side of campaigns: look-ups by the references the API accepts, the querysets of its lists, and a
campaign's status (active, scheduled, expired, disabled) from its dates and flag.

Look-ups raise ``not_found`` (a DomainError) so every caller answers an unknown id the same way.
Soft-deleted campaigns and vouchers (``deleted_at`` set, "in the bin") are invisible here unless asked for.
Lists load what their serializers read in a fixed number of queries, whatever the page size.
"""

from datetime import datetime

from django.db.models import Case, CharField, Count, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from stacking.models import Category
from voucherhub.errors import not_found

from ..models import (
    UNFINISHED_GENERATION,
    AsyncAction,
    Campaign,
    CampaignType,
    CreationStatus,
    Customer,
    PromotionTier,
    Publication,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherGenerationJob,
    VoucherTransaction,
)
from ..rules import is_member

# --- look-ups --------------------------------------------------------------------------------------------


def vouchers(*, include_deleted: bool = False) -> QuerySet[Voucher]:
    qs = Voucher.objects.select_related("campaign", "category")
    return qs if include_deleted else qs.filter(deleted_at__isnull=True)


def find_voucher(ref: str, *, include_deleted: bool = False, for_update: bool = False) -> Voucher:
    """The voucher with code ``ref`` (codes win), else with id ``ref``: the one look-up of every place that
    takes "a code or an id" (``/v1/vouchers/{code}/...``, rule assignments, session locks).

    Binned vouchers (``deleted_at`` set) are not found unless ``include_deleted``. Ids all start with ``v_``,
    so another ``ref`` costs one query. A ``ref`` holding NUL is not found without asking the database
    (PostgreSQL refuses NUL in text); the error names it without the NUL. ``for_update`` locks the voucher
    row (not its campaign or category). Raises a ``not_found`` DomainError."""
    if "\x00" in ref:
        raise not_found("voucher", ref.replace("\x00", ""))
    qs = vouchers(include_deleted=include_deleted)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    voucher = qs.filter(code=ref).first() or (qs.filter(pk=ref).first() if ref.startswith("v_") else None)
    if voucher is None:
        raise not_found("voucher", ref)
    return voucher


def campaigns(*, include_deleted: bool = False) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("category")
    return qs if include_deleted else qs.filter(deleted_at__isnull=True)


def find_campaign(ref: str, *, for_update: bool = False, include_deleted: bool = False) -> Campaign:
    """The campaign with id ``ref``, else with name ``ref`` (binned ones only with ``include_deleted``)."""
    qs = campaigns(include_deleted=include_deleted)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    campaign = qs.filter(pk=ref).first() or qs.filter(name=ref).first()
    if campaign is None:
        raise not_found("campaign", ref)
    return campaign


def find_customers(refs: list[str]) -> list[Customer]:
    """The customers with these ids or source_ids, in one query; 404 for the first unknown one."""
    found = list(Customer.objects.filter(Q(pk__in=refs) | Q(source_id__in=refs)))
    known = {c.id for c in found} | {c.source_id for c in found}
    for ref in refs:
        if ref not in known:
            raise not_found("customer", ref)
    return found


def find_customer(ref: str, *, for_update: bool = False) -> Customer:
    """The customer with id ``ref``, else with source_id ``ref``."""
    qs = Customer.objects.select_for_update() if for_update else Customer.objects.all()
    customer = (qs.filter(pk=ref).first() if ref.startswith("cust_") else None) or qs.filter(source_id=ref).first()
    if customer is None:
        raise not_found("customer", ref)
    return customer


def find_category(ref: str) -> Category:
    """The category with id ``ref``, else with name ``ref``."""
    category = Category.objects.filter(pk=ref).first() or Category.objects.filter(name=ref).first()
    if category is None:
        raise not_found("category", ref)
    return category


def category_of(category: str | None, category_id: str | None) -> Category | None:
    """The category named by id (first) or by name or id (``find_category``); None when neither is given."""
    if category_id:
        found = Category.objects.filter(pk=category_id).first()
        if found is None:
            raise not_found("category", category_id)
        return found
    if category:
        return find_category(category)
    return None


def find_tier(tier_id: str) -> PromotionTier:
    tier = (
        PromotionTier.objects.select_related("campaign", "category")
        .filter(pk=tier_id, campaign__deleted_at__isnull=True)
        .first()
    )
    if tier is None:
        raise not_found("promotion_tier", tier_id)
    return tier


def tiers_by_id(ids) -> dict[str, PromotionTier]:
    """{tier id: tier} of these tiers (its name and campaign), in one query: a page that names tiers by
    their ids (events, validations) reads them once, not once per row."""
    ids = {str(i) for i in ids if i}
    if not ids:
        return {}
    return {tier.pk: tier for tier in PromotionTier.objects.filter(pk__in=ids).only("id", "name", "campaign_id")}


def tier_names(ids) -> dict[str, str]:
    """{tier id: name} of these tiers, in one query (see :func:`tiers_by_id`)."""
    return {pk: tier.name for pk, tier in tiers_by_id(ids).items()}


def customer_segments(customer: Customer) -> list[Segment]:
    """The segments ``customer`` belongs to now, oldest first: the static ones that list them and the
    auto-update ones whose filter their metadata matches (campaigns.rules.is_member)."""
    static = list(customer.segments.all())
    automatic = Segment.objects.filter(type=Segment.Type.AUTO_UPDATE)
    members = static + [segment for segment in automatic if is_member(segment, customer)]
    return sorted(members, key=lambda segment: (segment.created_at, segment.pk))


def find_segment(segment_id: str) -> Segment:
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise not_found("segment", segment_id)
    return segment


def find_rule(rule_id: str) -> ValidationRule:
    rule = ValidationRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise not_found("validation_rule", rule_id, label="validation rule")
    return rule


# --- details ---------------------------------------------------------------------------------------------


def voucher_assignments(voucher: Voucher) -> list[ValidationRuleAssignment]:
    return list(voucher.rule_assignments.order_by("created_at", "id"))


def tier_assignments(tier: PromotionTier) -> list[ValidationRuleAssignment]:
    return list(tier.rule_assignments.order_by("created_at", "id"))


def rule_assignments_count(rule: ValidationRule) -> int:
    return rule.assignments.count()


def voucher_transactions(
    voucher: Voucher, *, limit: int, order: str = "-id", starting_after_id: str | None = None
) -> tuple[list[VoucherTransaction], bool]:
    """A page of a gift card's balance changes (see transaction_page)."""
    return transaction_page(voucher.transactions.all(), limit=limit, order=order, starting_after_id=starting_after_id)


def campaign_transaction_rows(campaign: Campaign) -> QuerySet[VoucherTransaction]:
    """The balance changes of a campaign's gift cards, each with its card."""
    return VoucherTransaction.objects.filter(voucher__campaign=campaign).select_related("voucher")


def transaction_page(
    rows: QuerySet[VoucherTransaction], *, limit: int, order: str = "-id", starting_after_id: str | None = None
) -> tuple[list[VoucherTransaction], bool]:
    """A page of ``rows`` in time order (``-id``: newest first) after the transaction ``starting_after_id``
    (a keyset on created_at and id; ``not_found`` for an id not among ``rows``), and whether more follow."""
    newest_first = order.startswith("-")
    ordered = rows.order_by(*(("-created_at", "-id") if newest_first else ("created_at", "id")))
    if starting_after_id:
        after = rows.filter(pk=starting_after_id).values("created_at", "id").first()
        if after is None:
            raise not_found("voucher_transaction", starting_after_id, label="transaction")
        op = "lt" if newest_first else "gt"
        moment = after["created_at"]
        ordered = ordered.filter(
            Q(**{f"created_at__{op}": moment}) | Q(created_at=moment, **{f"id__{op}": after["id"]})
        )
    page = list(ordered[: limit + 1])
    return page[:limit], len(page) > limit


def assignment_list(
    *, related_object_id: str | None = None, rule: str | None = None, order: str = "-created_at"
) -> QuerySet[ValidationRuleAssignment]:
    """Every rule assignment, of one object (a campaign, voucher or tier id) or one rule when asked."""
    rows = ValidationRuleAssignment.objects.all()
    if related_object_id:
        target = related_object_id
        rows = rows.filter(Q(campaign_id=target) | Q(voucher_id=target) | Q(promotion_tier_id=target))
    if rule:
        rows = rows.filter(rule_id=rule)
    direction = "-" if order.startswith("-") else ""
    return rows.order_by(f"{direction}created_at", f"{direction}id")


def rule_assignments(rule: ValidationRule) -> list[ValidationRuleAssignment]:
    return list(rule.assignments.order_by("created_at", "id"))


def campaign_details(campaign_id: str) -> Campaign:
    """One campaign with what ``campaign_json`` reads (see ``campaign_list``)."""
    return _with_details(Campaign.objects.filter(pk=campaign_id)).get()


def vouchers_counts(campaign_ids: list[str]) -> dict[str, int]:
    """Live (not binned) vouchers per campaign, for the campaigns of one page only: one grouped query
    on the (campaign, created_at) index instead of counting every voucher of every campaign."""
    rows = (
        Voucher.objects.filter(campaign_id__in=campaign_ids, deleted_at__isnull=True)
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(campaign_ids, 0)
    counts.update({row["campaign_id"]: row["n"] for row in rows})
    return counts


def campaign_tiers(campaign: Campaign) -> list[PromotionTier] | None:
    """The tiers of a PROMOTION campaign (prefetched by ``campaign_list``), None for other types."""
    if campaign.campaign_type != CampaignType.PROMOTION:
        return None
    return list(campaign.tiers.all())


def _with_details(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return qs.select_related("category").prefetch_related(
        Prefetch("rule_assignments", queryset=ValidationRuleAssignment.objects.order_by("created_at", "id")),
        Prefetch("tiers", queryset=PromotionTier.objects.select_related("category").order_by("position")),
        Prefetch(
            "tiers__rule_assignments",
            queryset=ValidationRuleAssignment.objects.order_by("created_at", "id"),
        ),
    )


# --- lists -----------------------------------------------------------------------------------------------


def _created_updated(
    qs: QuerySet,
    *,
    created_before: datetime | None = None,
    created_after: datetime | None = None,
    updated_before: datetime | None = None,
    updated_after: datetime | None = None,
) -> QuerySet:
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    if created_after:
        qs = qs.filter(created_at__gt=created_after)
    if updated_before:
        qs = qs.filter(updated_at__lt=updated_before)
    if updated_after:
        qs = qs.filter(updated_at__gt=updated_after)
    return qs


def _ordered(qs: QuerySet, order: str) -> QuerySet:
    """``order`` plus the id in the same direction, so that pages never overlap or skip rows."""
    return qs.order_by(order, "-id" if order.startswith("-") else "id")


def voucher_list(
    *,
    category: str | None = None,
    campaign_id: str | None = None,
    campaign: str | None = None,
    customer: str | None = None,
    code: str | None = None,
    ids: list[str] | None = None,
    order: str = "-created_at",
    **dates: datetime | None,
) -> QuerySet[Voucher]:
    qs = vouchers().prefetch_related(
        Prefetch("rule_assignments", queryset=ValidationRuleAssignment.objects.order_by("created_at", "id"))
    )
    if category:
        qs = qs.filter(Q(category_id=category) | Q(category__name=category))
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    if campaign:
        qs = qs.filter(campaign__name=campaign)
    if customer:
        qs = qs.filter(Q(holder_id=customer) | Q(holder__source_id=customer))
    if code:
        qs = qs.filter(code=code)
    if ids:
        qs = qs.filter(Q(id__in=ids) | Q(code__in=ids))
    return _ordered(_created_updated(qs, **dates), order)


def campaign_list(*, campaign_type: str | None = None, order: str = "-created_at") -> QuerySet[Campaign]:
    qs = _with_details(campaigns())
    if campaign_type:
        qs = qs.filter(campaign_type=campaign_type)
    return _ordered(qs, order)


def customer_list(
    *,
    email: str | None = None,
    name: str | None = None,
    segment_id: str | None = None,
    order: str = "-created_at",
    **dates: datetime | None,
) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if email:
        qs = qs.filter(email__iexact=email)
    if name:
        qs = qs.filter(name=name)
    if segment_id:
        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is None:
            return qs.none()
        qs = segment_members(qs, segment)
    return _ordered(_created_updated(qs, **dates), order)


def segment_members(customers: QuerySet[Customer], segment: Segment) -> QuerySet[Customer]:
    """Those of ``customers`` in ``segment``: listed in a static one, matching an auto-update one's filter."""
    if segment.type == Segment.Type.STATIC:
        return customers.filter(segments=segment)
    for key, value in segment.filter.items():
        values = value if isinstance(value, list) else [value]
        customers = customers.filter(**{f"metadata__{key}__in": values})
    return customers


def customers_named_by(text: str) -> QuerySet[Customer]:
    """The customers a person means by ``text`` in a filter: an id, a source id or an e-mail (as typed, or
    lower-cased), each an exact match on a unique or indexed column."""
    return Customer.objects.filter(Q(pk=text) | Q(source_id=text) | Q(email__in={text, text.lower()}))


def tier_list(*, campaign: Campaign | None = None, is_available: bool | None = None, order: str = "created_at"):
    qs = PromotionTier.objects.select_related("campaign", "category").filter(campaign__deleted_at__isnull=True)
    qs = qs.prefetch_related(
        Prefetch("rule_assignments", queryset=ValidationRuleAssignment.objects.order_by("created_at", "id"))
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if is_available:
        now = timezone.now()
        for owner in ("", "campaign__"):
            qs = qs.filter(**{f"{owner}active": True})
            qs = qs.filter(Q(**{f"{owner}start_date__isnull": True}) | Q(**{f"{owner}start_date__lte": now}))
            qs = qs.filter(Q(**{f"{owner}expiration_date__isnull": True}) | Q(**{f"{owner}expiration_date__gt": now}))
    if campaign is not None:
        return qs.order_by("position")
    return _ordered(qs, order)


def rule_list(
    *, order: str = "-created_at", start_date: datetime | None = None, end_date: datetime | None = None
) -> QuerySet[ValidationRule]:
    qs = ValidationRule.objects.annotate(assignments_total=Count("assignments"))
    if start_date:
        qs = qs.filter(created_at__gte=start_date)
    if end_date:
        qs = qs.filter(created_at__lte=end_date)
    return _ordered(qs, order)


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("hierarchy", "name")


# --- background generation ---------------------------------------------------------------------------


def generation_progress(campaign: Campaign) -> dict | None:
    """For the dashboard: ``{"done", "total"}`` over the campaign's unfinished jobs, or the latest job's
    ``{"failed": True, "error", "done", "total"}`` when it failed; None when there is nothing to show."""
    if campaign.creation_status == CreationStatus.IN_PROGRESS:
        sums = VoucherGenerationJob.objects.filter(campaign=campaign, status__in=UNFINISHED_GENERATION).aggregate(
            done=Sum("done"), total=Sum("total")
        )
        return {"failed": False, "done": sums["done"] or 0, "total": sums["total"] or 0}
    if campaign.creation_status == CreationStatus.FAILED:
        job = VoucherGenerationJob.objects.filter(campaign=campaign).order_by("-created_at").first()
        if job is not None:
            return {"failed": True, "error": job.error, "done": job.done, "total": job.total}
    return None


# --- status ------------------------------------------------------------------------------------------


class CampaignStatus:
    """A campaign's status on the dashboard, by the checks the engine makes in their order
    (stacking.checks.own_failure: not active yet, expired, then disabled)."""

    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    DISABLED = "disabled"
    ACTIVE = "active"
    choices = [(ACTIVE, "Active"), (SCHEDULED, "Scheduled"), (EXPIRED, "Expired"), (DISABLED, "Disabled")]


def status_expression(now: datetime) -> Case:
    """The status as SQL, so the list shows and filters by one definition (never a second copy)."""
    return Case(
        When(start_date__gt=now, then=Value(CampaignStatus.SCHEDULED)),
        When(expiration_date__lt=now, then=Value(CampaignStatus.EXPIRED)),
        When(active=False, then=Value(CampaignStatus.DISABLED)),
        default=Value(CampaignStatus.ACTIVE),
        output_field=CharField(),
    )


def campaigns_with_status(now: datetime | None = None) -> QuerySet[Campaign]:
    """Live (not binned) campaigns with their ``status``."""
    return (
        Campaign.objects.filter(deleted_at__isnull=True)
        .select_related("category")
        .annotate(status=status_expression(now or timezone.now()))
    )


def campaign_with_status(campaign_id: str, now: datetime | None = None) -> Campaign | None:
    return campaigns_with_status(now).filter(pk=campaign_id).first()


def categories_with_campaigns() -> QuerySet[Category]:
    """Categories with the live campaigns using each (id and name only), in two queries."""
    live = Campaign.objects.filter(deleted_at__isnull=True).only("id", "name", "category_id").order_by("name")
    return Category.objects.prefetch_related(Prefetch("campaigns", queryset=live))


# --- publications --------------------------------------------------------------------------------------------

_PUBLICATION_ORDER = {
    "id": ("id",),
    "voucher_code": (KeyTextTransform("0", "codes"), "id"),
    "tracking_id": ("customer__source_id", "id"),
    "customer_id": ("customer_id", "id"),
    "created_at": ("created_at", "id"),
    "channel": ("channel", "created_at", "id"),
}


def publication_list(
    *,
    campaign: str | None = None,
    customer: str | None = None,
    voucher: str | None = None,
    result: str | None = None,
    voucher_type: str | None = None,
    is_referral_code: bool | None = None,
    source_id: str | None = None,
    order: str = "-created_at",
) -> QuerySet[Publication]:
    """``GET /v1/publications``: of a campaign (by name or id), a customer (id or source_id), a voucher
    (code), a result; newest first unless ``order`` says otherwise."""
    rows = Publication.objects.select_related("customer", "campaign")
    if campaign:
        rows = rows.filter(campaign__in=Campaign.objects.filter(Q(pk=campaign) | Q(name=campaign)).values("pk"))
    if customer:
        rows = rows.filter(customer__in=Customer.objects.filter(Q(pk=customer) | Q(source_id=customer)).values("pk"))
    if voucher:
        rows = rows.filter(vouchers__code=voucher)
    if result:
        rows = rows.filter(result=result)
    if voucher_type == "loyalty":
        return rows.none()  # loyalty cards are published as members join: /v1/loyalties lists them
    if is_referral_code is not None:
        referral = Q(campaign__campaign_type=CampaignType.REFERRAL_PROGRAM)
        rows = rows.filter(referral if is_referral_code else ~referral)
    if source_id:
        rows = rows.filter(source_id=source_id)
    descending = order.startswith("-")
    fields = _PUBLICATION_ORDER[order.lstrip("-")]
    return rows.order_by(*(_direction(field, descending) for field in fields))


def _direction(field, descending: bool):
    expression = F(field) if isinstance(field, str) else field
    return expression.desc() if descending else expression.asc()


def publication_vouchers(publications: list[Publication]) -> dict[str, list[Voucher]]:
    """Each publication's vouchers in the order it published them, read in one query."""
    through = Publication.vouchers.through.objects.filter(publication__in=publications).select_related(
        "voucher__campaign", "voucher__category"
    )
    found: dict[str, list[Voucher]] = {p.pk: [] for p in publications}
    for link in through:
        found[link.publication_id].append(link.voucher)
    order = {p.pk: {code: i for i, code in enumerate(p.codes)} for p in publications}
    for pk, vouchers in found.items():
        vouchers.sort(key=lambda v: order[pk].get(v.code, len(order[pk])))
    return found


# --- async actions -----------------------------------------------------------------------------------------


def find_async_action(action_id: str) -> AsyncAction | VoucherGenerationJob:
    """A bulk change, or a voucher generation job (named by the same kind of id)."""
    found = (
        AsyncAction.objects.filter(pk=action_id).first() or VoucherGenerationJob.objects.filter(pk=action_id).first()
    )
    if found is None:
        raise not_found("async_action", action_id, label="async action")
    return found


def async_action_page(*, limit: int, end_date: datetime | None = None) -> tuple[list[AsyncAction], bool]:
    """The newest ``limit`` bulk changes (scheduled before ``end_date``), and whether more follow."""
    rows = AsyncAction.objects.order_by("-created_at", "-id")
    if end_date is not None:
        rows = rows.filter(created_at__lt=end_date)
    page = list(rows[: limit + 1])
    return page[:limit], len(page) > limit


# --- the bin -----------------------------------------------------------------------------------------------

BIN_PREFIX = "bin_"  # a bin entry's id is its resource's id after this


def _binned_vouchers() -> QuerySet[Voucher]:
    """Vouchers in the bin on their own (a binned campaign's vouchers are in the bin with it)."""
    return Voucher.objects.filter(deleted_at__isnull=False).exclude(campaign__deleted_at__isnull=False)


def bin_entry(resource_id: str) -> Campaign | Voucher | None:
    """The binned campaign or voucher with this id, or None."""
    if resource_id.startswith("camp_"):
        return Campaign.objects.filter(pk=resource_id, deleted_at__isnull=False).first()
    return _binned_vouchers().filter(pk=resource_id).first()


def bin_page(*, limit: int, order: str = "-id", starting_after_id: str | None = None) -> tuple[list, bool, int]:
    """A page of ``GET /v1/trash-bin``: binned campaigns and vouchers in the order of their entries' ids
    (``bin_`` and the resource's id) after the entry ``starting_after_id``, whether more follow, and how
    many entries there are."""
    descending = order.startswith("-")
    sources = [Campaign.objects.filter(deleted_at__isnull=False), _binned_vouchers()]
    rows: list = []
    for source in sources:
        if starting_after_id:
            after = starting_after_id.removeprefix(BIN_PREFIX)
            source = source.filter(**{"pk__lt" if descending else "pk__gt": after})
        rows += list(source.order_by("-pk" if descending else "pk")[: limit + 1])
    rows.sort(key=lambda row: row.pk, reverse=descending)
    total = sum(source.count() for source in sources)
    return rows[:limit], len(rows) > limit, total
