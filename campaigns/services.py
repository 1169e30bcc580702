"""State changes of campaigns, vouchers, promotion tiers, customers, segments and validation rules.

Each public function is one transaction: it locks what it changes, refuses bad requests with the
platform's ``DomainError`` before writing anything, and writes its audit events in the same transaction.
Arguments are plain values (the API layer has already parsed and bounded them); discounts, gifts and
code configs arrive in the platform's wire shape (``{"type": "PERCENT", "percent_off": 10, ...}``).
"""

import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from auditlog.services import record_event
from redemptions.models import Redemption
from stacking.models import Category
from voucherhub import hotsql
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found
from voucherhub.ids import new_id

from . import queries
from .models import (
    UNFINISHED_GENERATION,
    Campaign,
    CampaignGeneration,
    CampaignType,
    CreationStatus,
    Customer,
    Effect,
    GenerationStatus,
    PromotionTier,
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
    Voucher,
    VoucherGenerationJob,
    VoucherTransaction,
    VoucherType,
)

log = logging.getLogger(__name__)

MAX_VOUCHERS_PER_CALL = 1000  # generated in the request's transaction; more go to a background job
MAX_VOUCHERS_PER_JOB = 1_000_000  # the ceiling of one call (API.md section 7: VH)
MAX_AMOUNT = 10**15
DEFAULT_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_CODE_LENGTH = 8
MAX_CODE_LENGTH = 100


def _error(key: str, message: str, details: str = "", **extra) -> DomainError:
    return DomainError(key, message, details, **extra)


def _duplicate(resource_type: str, details: str) -> DomainError:
    return DomainError("duplicate_found", "Duplicate resource found", details, resource_type=resource_type)


# --- customers -------------------------------------------------------------------------------------------


def upsert_customer(
    *,
    id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
    caller: Caller | None = None,
) -> Customer:
    """The customer a call refers to: by ``id``, else by ``source_id`` (created on first sight).

    Given fields overwrite stored ones; ``metadata`` is merged key by key. Safe under concurrency:
    two calls creating the same source_id end with one row. Raises DomainError 404 for an unknown id.
    With a ``caller``, a creation writes the ``customer.created`` event.
    """
    fields = {k: v for k, v in {"name": name, "email": email, "description": description}.items() if v is not None}
    # No savepoint of its own inside the caller's transaction: any error here ends the whole call. Only
    # the creation below, whose lost race is caught, needs one.
    with transaction.atomic(savepoint=False):
        if id:
            customer = hotsql.locked_one(Customer, "id", id)  # SQL: every call with a customer (voucherhub.hotsql)
            if customer is None:
                raise not_found("customer", id)
        elif source_id:
            customer = hotsql.locked_one(Customer, "source_id", source_id)
            if customer is None:
                try:
                    with transaction.atomic():
                        customer = Customer.objects.create(source_id=source_id, metadata=metadata or {}, **fields)
                except IntegrityError:
                    customer = Customer.objects.select_for_update().get(source_id=source_id)
                else:
                    if caller is not None:
                        _customer_event("customer.created", customer, caller)
                    return customer
        else:
            raise DomainError("invalid_customer", "Invalid customer", "Customer needs an id or a source_id")
        changed = False
        for key, value in fields.items():
            if getattr(customer, key) != value:
                setattr(customer, key, value)
                changed = True
        if metadata:
            merged = {**customer.metadata, **metadata}
            if merged != customer.metadata:
                customer.metadata = merged
                changed = True
        if changed:
            customer.save()
        return customer


def _customer_event(event_type: str, customer: Customer, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="customer",
        resource_id=customer.id,
        data={"source_id": customer.source_id, **data},
    )


def create_customer(
    *,
    caller: Caller,
    id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """``POST /v1/customers``: an upsert by ``source_id`` (or an update by ``id``); with neither, a new
    customer without a source_id. Writes ``customer.created`` when a row is created."""
    with transaction.atomic():
        if id or source_id:
            return upsert_customer(
                id=id,
                source_id=source_id,
                name=name,
                email=email,
                description=description,
                metadata=metadata,
                caller=caller,
            )
        customer = Customer.objects.create(
            name=name or "", email=email or "", description=description or "", metadata=metadata or {}
        )
        _customer_event("customer.created", customer, caller)
        return customer


def update_customer(
    *,
    caller: Caller,
    ref: str,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """``PUT /v1/customers/{id or source_id}``: given fields overwrite, ``metadata`` merges key by key."""
    with transaction.atomic():
        customer = queries.find_customer(ref, for_update=True)
        customer = upsert_customer(id=customer.id, name=name, email=email, description=description, metadata=metadata)
        _customer_event("customer.updated", customer, caller)
        return customer


# --- segments --------------------------------------------------------------------------------------------


def _segment_filter(raw: dict) -> dict:
    """An auto-update segment's filter as stored: ``{"<metadata key>": value or [values]}``.

    Accepts that form, or the platform's ``{"junction": "and", "metadata.<key>": {"conditions":
    {"$is": value} or {"$in": [values]}}}``. Anything else is refused (the engine matches all keys).
    """
    bad = _error("invalid_payload", "Invalid payload")
    stored: dict = {}
    for key, value in raw.items():
        if key == "junction":
            if value != "and":
                bad.details = "Property .filter.junction: only 'and' is supported"
                raise bad
            continue
        if isinstance(value, dict):
            conditions = value.get("conditions")
            if not key.startswith("metadata.") or not isinstance(conditions, dict) or len(conditions) != 1:
                bad.details = f"Property .filter.{key}: use metadata.<key> with one $is or $in condition"
                raise bad
            [(op, operand)] = conditions.items()
            if op not in ("$is", "$in"):
                bad.details = f"Property .filter.{key}: only $is and $in are supported"
                raise bad
            key, value = key.removeprefix("metadata."), operand
        if not key or not _is_scalar_or_scalars(value):
            bad.details = f"Property .filter.{key}: a value or a list of values is required"
            raise bad
        stored[key] = value
    if not stored:
        bad.details = "Property .filter: an auto-update segment needs at least one metadata condition"
        raise bad
    return stored


def _is_scalar_or_scalars(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, str | int | float | bool) for v in values)


def create_segment(
    *, caller: Caller, name: str, type: str, customers: list[str] | None = None, filter: dict | None = None
) -> Segment:
    """A static segment of the given customers (ids or source_ids; 404 for an unknown one), or an
    auto-update segment matching customers' metadata."""
    with transaction.atomic():
        if type == Segment.Type.STATIC:
            members = queries.find_customers(list(dict.fromkeys(customers or [])))
            segment = Segment.objects.create(name=name, type=type)
            segment.customers.add(*members)
        else:
            segment = Segment.objects.create(name=name, type=type, filter=_segment_filter(filter or {}))
        record_event(
            "segment.created",
            caller=caller,
            resource_type="segment",
            resource_id=segment.id,
            data={"name": name, "type": type},
        )
        return segment


def delete_segment(*, caller: Caller, segment_id: str) -> None:
    with transaction.atomic():
        segment = queries.find_segment(segment_id)
        segment.delete()
        record_event("segment.deleted", caller=caller, resource_type="segment", resource_id=segment_id)


# --- validation rules ------------------------------------------------------------------------------------

# What the redemption engine evaluates (redemptions/rules.py): the minimum of API.md section 7 plus the
# negations and text operators its comparisons support.
COMPARISONS = {"$more_than", "$more_than_or_equal", "$less_than", "$less_than_or_equal"}
MEMBERSHIP = {"$is", "$is_not", "$in", "$not_in"}
NUMBER_OPS = COMPARISONS | MEMBERSHIP
VALUELESS_OPS = {"$has_value", "$is_unknown"}
SCALAR_OPS = NUMBER_OPS | VALUELESS_OPS | {"$contains", "$not_contain", "$starts_with", "$ends_with"}
# rule name -> (kind of values, allowed operators, needs ``property``)
RULE_NAMES: dict[str, tuple[str, set[str], bool]] = {
    "order.amount": ("number", NUMBER_OPS, False),
    "order.initial_amount": ("number", NUMBER_OPS, False),
    "order.items.any": ("items", {"$is", "$in"}, False),
    "order.items.every": ("items", {"$is", "$in"}, False),
    "order.items.none": ("items", {"$is", "$in"}, False),
    "order.items.count": ("number", NUMBER_OPS, False),
    "customer.segment": ("segment", MEMBERSHIP, False),
    "customer.metadata": ("scalar", SCALAR_OPS, True),
    "order.metadata": ("scalar", SCALAR_OPS, True),
    "redemption.metadata": ("scalar", SCALAR_OPS, True),
    "redemption.count.per_customer": ("count", {"$less_than", "$less_than_or_equal"}, False),
}
_LOGIC_TOKEN = re.compile(r"\s*(\d+|and|or|\(|\))")


def check_rules(rules: dict) -> None:
    """Refuse (400 ``invalid_validation_rules``) a rule body the engine could not evaluate.

    The body is the platform's: ``{"1": {"name", "property"?, "conditions": {op: [values]}, "rules":
    {}, "error"?: {"message"}}, ..., "logic": "1 and (2 or 3)"}``; it is stored unchanged.
    """

    def bad(details: str) -> DomainError:
        return _error("invalid_validation_rules", "Invalid validation rules", details)

    numbered = {key: value for key, value in rules.items() if key != "logic"}
    for key, rule in numbered.items():
        where = f"rules.{key}"
        if not key.isdigit():
            raise bad(f"{where}: rule keys are numbers ('1', '2', ...) besides 'logic'")
        if not isinstance(rule, dict):
            raise bad(f"{where}: must be an object")
        name = rule.get("name")
        if name not in RULE_NAMES:
            raise bad(f"{where}.name: '{name}' is not supported; use one of {', '.join(RULE_NAMES)}")
        kind, ops, needs_property = RULE_NAMES[name]
        if needs_property and not (isinstance(rule.get("property"), str) and rule["property"]):
            raise bad(f"{where}.property: {name} needs the metadata key in 'property'")
        if rule.get("rules") not in (None, {}):
            raise bad(f"{where}.rules: nested rules are not supported")
        error = rule.get("error")
        if error is not None and not (isinstance(error, dict) and isinstance(error.get("message", ""), str)):
            raise bad(f"{where}.error: must be {{'message': text}}")
        conditions = rule.get("conditions")
        if not isinstance(conditions, dict) or not conditions:
            raise bad(f"{where}.conditions: at least one condition is required")
        for op, values in conditions.items():
            if op not in ops:
                raise bad(f"{where}.conditions: {op} is not supported for {name}; use one of {', '.join(sorted(ops))}")
            _check_condition_values(bad, f"{where}.conditions.{op}", kind, values, valueless=op in VALUELESS_OPS)
    logic = rules.get("logic")
    if numbered:
        if not isinstance(logic, str) or not logic.strip():
            raise bad("rules.logic: required, e.g. '1 and 2'")
        _check_logic(bad, logic, set(numbered))
    elif logic not in (None, ""):
        raise bad("rules.logic: refers to rules that are not defined")


def _check_condition_values(bad, where: str, kind: str, values: Any, *, valueless: bool = False) -> None:
    if not isinstance(values, list) or not (values or valueless):
        raise bad(f"{where}: values are a non-empty list")
    for value in values:
        if kind in ("number", "count"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad(f"{where}: {value!r} is not a number")
            if kind == "count" and (not isinstance(value, int) or value < 0 or len(values) != 1):
                raise bad(f"{where}: one whole number >= 0 is required")
        elif kind == "items":
            ok = (
                isinstance(value, dict)
                and value.get("object") in ("product", "sku")
                and any(isinstance(value.get(f), str) and value.get(f) for f in ("id", "source_id"))
            )
            if not ok:
                raise bad(f"{where}: items are {{'object': 'product' | 'sku', 'id' or 'source_id'}}")
        elif kind == "segment":
            if not isinstance(value, str) or not Segment.objects.filter(pk=value).exists():
                raise bad(f"{where}: {value!r} is not a segment id")
        elif not isinstance(value, str | int | float | bool):
            raise bad(f"{where}: {value!r} is not a text, number or boolean")


def _check_logic(bad, logic: str, keys: set[str]) -> None:
    """``logic`` is numbers joined by ``and`` / ``or`` with balanced parentheses, naming defined rules."""
    tokens: list[str] = []
    position = 0
    text = logic.rstrip()
    while position < len(text):
        match = _LOGIC_TOKEN.match(text, position)
        if match is None:
            raise bad(f"rules.logic: cannot read '{logic}' (use rule numbers, and, or, parentheses)")
        tokens.append(match.group(1))
        position = match.end()
    index = 0

    def operand() -> None:
        nonlocal index
        if index >= len(tokens):
            raise bad(f"rules.logic: '{logic}' ends too early")
        token = tokens[index]
        index += 1
        if token == "(":
            expression()
            if index >= len(tokens) or tokens[index] != ")":
                raise bad(f"rules.logic: unbalanced parentheses in '{logic}'")
            index += 1
        elif token.isdigit():
            if token not in keys:
                raise bad(f"rules.logic: rule {token} is not defined")
        else:
            raise bad(f"rules.logic: unexpected '{token}' in '{logic}'")

    def expression() -> None:
        nonlocal index
        operand()
        while index < len(tokens) and tokens[index] in ("and", "or"):
            index += 1
            operand()

    expression()
    if index != len(tokens):
        raise bad(f"rules.logic: unexpected '{tokens[index]}' in '{logic}'")


def create_validation_rule(
    *,
    caller: Caller,
    name: str,
    rules: dict | None = None,
    error_message: str | None = None,
    applicable_to: dict | None = None,
) -> ValidationRule:
    rules = rules or {}
    check_rules(rules)
    with transaction.atomic():
        rule = ValidationRule.objects.create(
            name=name, rules=rules, error_message=error_message or "", applicable_to=applicable_to or {}
        )
        record_event(
            "validation_rule.created",
            caller=caller,
            resource_type="validation_rule",
            resource_id=rule.id,
            data={"name": name},
        )
        return rule


def update_validation_rule(
    *,
    caller: Caller,
    rule_id: str,
    name: str | None = None,
    rules: dict | None = None,
    error_message: str | None = None,
    applicable_to: dict | None = None,
) -> ValidationRule:
    """A partial update; a given ``rules`` replaces the stored one whole."""
    if rules is not None:
        check_rules(rules)
    with transaction.atomic():
        rule = ValidationRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise not_found("validation_rule", rule_id, label="validation rule")
        changes = {"name": name, "rules": rules, "error_message": error_message, "applicable_to": applicable_to}
        changed = [key for key, value in changes.items() if value is not None]
        for key in changed:
            setattr(rule, key, changes[key])
        rule.save()
        record_event(
            "validation_rule.updated",
            caller=caller,
            resource_type="validation_rule",
            resource_id=rule.id,
            data={"fields": changed},
        )
        return rule


def delete_validation_rule(*, caller: Caller, rule_id: str) -> None:
    """Deletes the rule and its assignments."""
    with transaction.atomic():
        rule = queries.find_rule(rule_id)
        rule.delete()
        record_event("validation_rule.deleted", caller=caller, resource_type="validation_rule", resource_id=rule_id)


def _rules(ids: list[str] | None) -> list[ValidationRule]:
    found = []
    for rule_id in dict.fromkeys(ids or []):
        found.append(queries.find_rule(rule_id))
    return found


def _assign(rule: ValidationRule, caller: Caller, campaign_id: str | None = None, **target) -> ValidationRuleAssignment:
    if ValidationRuleAssignment.objects.filter(rule=rule, **target).exists():
        (key,) = target
        raise _duplicate("validation_rules_assignment", f"Rule {rule.id} is already assigned to {target[key].pk}")
    assignment = ValidationRuleAssignment.objects.create(rule=rule, **target)
    record_event(
        "validation_rule_assignment.created",
        caller=caller,
        resource_type="validation_rule",
        resource_id=rule.id,
        campaign_id=campaign_id,
        data={
            "assignment_id": assignment.id,
            "related_object_type": assignment.related_object_type,
            "related_object_id": assignment.related_object_id,
        },
    )
    return assignment


def assign_validation_rule(
    *, caller: Caller, rule_id: str, related_object_type: str, related_object_id: str
) -> ValidationRuleAssignment:
    """Assigns the rule to a voucher (code or id), a campaign (id or name) or a promotion tier; 404 for an
    unknown object, 409 ``duplicate_found`` when the rule is already assigned to it."""
    with transaction.atomic():
        rule = queries.find_rule(rule_id)
        if related_object_type == "voucher":
            voucher = queries.find_voucher(related_object_id)
            return _assign(rule, caller, voucher.campaign_id, voucher=voucher)
        if related_object_type == "campaign":
            campaign = queries.find_campaign(related_object_id)
            return _assign(rule, caller, campaign.id, campaign=campaign)
        tier = queries.find_tier(related_object_id)
        return _assign(rule, caller, tier.campaign_id, promotion_tier=tier)


def unassign_validation_rule(*, caller: Caller, rule_id: str, assignment_id: str) -> None:
    with transaction.atomic():
        assignment = ValidationRuleAssignment.objects.filter(pk=assignment_id, rule_id=rule_id).first()
        if assignment is None:
            raise not_found("validation_rules_assignment", assignment_id, label="validation rules assignment")
        assignment.delete()
        record_event(
            "validation_rule_assignment.deleted",
            caller=caller,
            resource_type="validation_rule",
            resource_id=rule_id,
            data={"assignment_id": assignment_id},
        )


# --- codes -----------------------------------------------------------------------------------------------


def check_code(code: str) -> None:
    """A code must be usable in a URL path: the SDK percent-encodes ``/`` and routing would break."""
    if not code or "/" in code or len(code) > MAX_CODE_LENGTH:
        raise _error(
            "invalid_voucher",
            "Invalid voucher",
            f"A code is 1-{MAX_CODE_LENGTH} characters without '/': {code!r}",
            resource_type="voucher",
        )


def _code_shape(code_config: dict | None) -> tuple[str, str]:
    """(charset, full pattern with ``#`` for each random character) of a code config."""
    config = code_config or {}
    charset = "".join(dict.fromkeys(config.get("charset") or DEFAULT_CHARSET))
    pattern = config.get("pattern") or "#" * int(config.get("length") or DEFAULT_CODE_LENGTH)
    full = f"{config.get('prefix') or ''}{pattern}{config.get('postfix') or ''}"

    def bad(details: str) -> DomainError:
        return _error("invalid_code_config", "Invalid code config", details)

    if "/" in charset or "/" in full:
        raise bad("Codes cannot contain '/': remove it from charset, prefix, postfix and pattern")
    if "#" in charset:
        raise bad("The charset cannot contain '#', the pattern's placeholder")
    if "#" not in pattern:
        raise bad("The pattern needs at least one '#' (a random character)")
    if len(full) > MAX_CODE_LENGTH:
        raise bad(f"Codes would be longer than {MAX_CODE_LENGTH} characters")
    return charset, full


def _check_code_space(code_config: dict | None, count: int) -> tuple[str, str]:
    """(charset, pattern) of a config with room for ``count`` codes (ten times that, so that random draws
    rarely collide); 400 ``invalid_code_config`` otherwise."""
    charset, pattern = _code_shape(code_config)
    combinations = len(charset) ** pattern.count("#")
    if combinations < count * 10:
        raise _error(
            "invalid_code_config",
            "Invalid code config",
            f"The code config allows {combinations} codes; use a longer pattern or a larger charset",
        )
    return charset, pattern


def generate_codes(code_config: dict | None, count: int) -> list[str]:
    """``count`` new codes, unused so far, drawn with ``secrets`` (codes must not be guessable)."""
    charset, pattern = _check_code_space(code_config, count)
    codes: set[str] = set()
    for _attempt in range(20):
        wanted = count - len(codes)
        if wanted == 0:
            break
        batch = {"".join(secrets.choice(charset) if c == "#" else c for c in pattern) for _ in range(wanted)}
        batch -= codes
        taken = set(Voucher.objects.filter(code__in=batch).values_list("code", flat=True))
        codes |= batch - taken
    if len(codes) < count:
        raise _error("invalid_code_config", "Invalid code config", "Could not find enough unused codes")
    return sorted(codes)


# --- vouchers --------------------------------------------------------------------------------------------


def _category_of(category: str | None, category_id: str | None) -> Category | None:
    if category_id:
        found = Category.objects.filter(pk=category_id).first()
        if found is None:
            raise not_found("category", category_id)
        return found
    if category:
        return queries.find_category(category)
    return None


def _check_dates(start: datetime | None, end: datetime | None, key: str, message: str) -> None:
    if start and end and start > end:
        raise _error(key, message, "start_date must not be after expiration_date")


def _discount_fields(discount: dict | None) -> dict:
    """A wire discount as the model's columns (all of them, so that a change clears the others)."""
    discount = discount or {}
    kind = discount.get("type", "")
    return {
        "discount_type": kind,
        "percent_off": discount.get("percent_off") if kind == "PERCENT" else None,
        "amount_off": discount.get("amount_off") if kind == "AMOUNT" else None,
        "fixed_amount": discount.get("fixed_amount") if kind == "FIXED" else None,
        "amount_limit": discount.get("amount_limit") if kind == "PERCENT" else None,
        "discount_effect": discount.get("effect") or Effect.APPLY_TO_ORDER,
    }


def _gift_fields(gift: dict | None) -> dict:
    if not gift:
        return {"gift_amount": None, "gift_balance": None, "gift_effect": ""}
    return {
        "gift_amount": gift["amount"],
        "gift_balance": gift["amount"],
        "gift_effect": gift.get("effect") or Effect.APPLY_TO_ORDER,
    }


def _voucher_kind(type: str | None, discount: dict | None, gift: dict | None) -> str:
    """The voucher type, and a 400 ``invalid_voucher`` when the value does not fit it."""
    kind = type or (VoucherType.GIFT_VOUCHER if gift and not discount else VoucherType.DISCOUNT_VOUCHER)
    if kind == VoucherType.DISCOUNT_VOUCHER and (not discount or gift):
        raise _error("invalid_voucher", "Invalid voucher", "A DISCOUNT_VOUCHER needs a discount and no gift")
    if kind == VoucherType.GIFT_VOUCHER and (not gift or discount):
        raise _error("invalid_voucher", "Invalid voucher", "A GIFT_VOUCHER needs gift.amount and no discount")
    return kind


def _campaign_voucher_kind(campaign: Campaign) -> str:
    if campaign.campaign_type == CampaignType.PROMOTION:
        raise _error(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"Campaign {campaign.name} is a PROMOTION campaign: it has tiers, not vouchers",
            resource_id=campaign.id,
            resource_type="campaign",
        )
    if campaign.campaign_type == CampaignType.GIFT_VOUCHERS:
        return VoucherType.GIFT_VOUCHER
    return VoucherType.DISCOUNT_VOUCHER


def _new_voucher(
    *,
    code: str,
    kind: str,
    discount: dict | None,
    gift: dict | None,
    campaign: Campaign | None,
    category: Category | None,
    start_date: datetime | None,
    expiration_date: datetime | None,
    active: bool,
    quantity: int | None,
    metadata: dict | None,
) -> Voucher:
    return Voucher(
        code=code,
        type=kind,
        campaign=campaign,
        category=category,
        start_date=start_date,
        expiration_date=expiration_date,
        active=active,
        redemption_quantity=quantity,
        metadata=metadata or {},
        **_discount_fields(discount if kind == VoucherType.DISCOUNT_VOUCHER else None),
        **_gift_fields(gift if kind == VoucherType.GIFT_VOUCHER else None),
    )


def _save_vouchers(vouchers: list[Voucher]) -> None:
    """Inserts the vouchers (409 ``duplicate_found`` if a code is taken meanwhile) and, for gift cards,
    their CREATION transactions carrying the initial amount."""
    try:
        _insert_vouchers(vouchers)
    except IntegrityError:
        taken = Voucher.objects.filter(code__in=[v.code for v in vouchers]).values_list("code", flat=True).first()
        if taken is None:
            raise  # another constraint: a bug above, not the caller's fault
        raise _duplicate("voucher", f"A voucher with code {taken} already exists") from None


def _insert_vouchers(vouchers: list[Voucher]) -> None:
    """The vouchers and their gift CREATION transactions, in a savepoint: an IntegrityError (a code taken
    meanwhile) leaves the caller's transaction usable and nothing of this insert behind."""
    with transaction.atomic():
        if len(vouchers) == 1:
            vouchers[0].save(force_insert=True)
        else:
            Voucher.objects.bulk_create(vouchers, batch_size=500)
        _create_gift_transactions(vouchers)


def _create_gift_transactions(vouchers: list[Voucher]) -> None:
    VoucherTransaction.objects.bulk_create(
        [
            VoucherTransaction(
                voucher=v,
                source=VoucherTransaction.Source.CREATION,
                amount=v.gift_amount,
                balance_after=v.gift_balance,
                created_at=v.created_at,
            )
            for v in vouchers
            if v.type == VoucherType.GIFT_VOUCHER
        ]
    )


def _voucher_event(event_type: str, voucher: Voucher, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="voucher",
        resource_id=voucher.id,
        campaign_id=voucher.campaign_id,
        data={"code": voucher.code, **data},
    )


def create_voucher(
    *,
    caller: Caller,
    code: str | None = None,
    code_config: dict | None = None,
    type: str | None = None,
    discount: dict | None = None,
    gift: dict | None = None,
    campaign: str | None = None,
    campaign_id: str | None = None,
    category: str | None = None,
    category_id: str | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    validation_rules: list[str] | None = None,
) -> Voucher:
    """A standalone voucher, or one joining a campaign (its template fills what the call leaves out).

    ``code`` or a random one from ``code_config``. A gift card gets its CREATION transaction. Errors:
    400 ``invalid_voucher`` (code with '/', type and value disagree, dates reversed), 404 for an unknown
    campaign, category or rule, 409 ``duplicate_found`` for a taken code. Events: ``voucher.created``.
    """
    with transaction.atomic():
        owner = queries.find_campaign(campaign_id or campaign) if (campaign_id or campaign) else None
        template = (owner.voucher_template if owner else None) or {}
        if owner is not None:
            kind = _campaign_voucher_kind(owner)
            if type and type != kind:
                raise _error("invalid_voucher", "Invalid voucher", f"Campaign {owner.name} holds {kind}s, not {type}s")
            if kind == VoucherType.DISCOUNT_VOUCHER:
                discount = discount or template.get("discount")
            else:
                gift = gift or template.get("gift")
            type = kind
        kind = _voucher_kind(type, discount, gift)
        if redemption_quantity is None:
            redemption_quantity = (template.get("redemption") or {}).get("quantity")
        if start_date is None and expiration_date is None and owner is not None:
            start_date, expiration_date = owner.start_date, owner.expiration_date
        _check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        cat = _category_of(category, category_id) or (owner.category if owner else None)
        rules = _rules(validation_rules)
        if code is None:
            (code,) = generate_codes(code_config or template.get("code_config"), 1)
        check_code(code)
        if Voucher.objects.filter(code=code).exists():
            raise _duplicate("voucher", f"A voucher with code {code} already exists")
        voucher = _new_voucher(
            code=code,
            kind=kind,
            discount=discount,
            gift=gift,
            campaign=owner,
            category=cat,
            start_date=start_date,
            expiration_date=expiration_date,
            active=True if active is None else active,
            quantity=redemption_quantity,
            metadata=metadata,
        )
        _save_vouchers([voucher])
        _voucher_event("voucher.created", voucher, caller, voucher_type=kind)
        for rule in rules:
            _assign(rule, caller, voucher.campaign_id, voucher=voucher)
        return voucher


def update_voucher(
    *,
    caller: Caller,
    ref: str,
    category: str | None = None,
    category_id: str | None = None,
    discount: dict | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
) -> Voucher:
    """A partial update under the voucher's row lock. ``metadata`` replaces the stored object; a new
    ``redemption_quantity`` must cover what is redeemed and locked. Events: ``voucher.updated``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        changed: list[str] = []
        if category or category_id:
            voucher.category = _category_of(category, category_id)
            changed.append("category")
        if discount is not None:
            if voucher.type != VoucherType.DISCOUNT_VOUCHER:
                raise _error("invalid_voucher", "Invalid voucher", "A gift card has no discount")
            for field, value in _discount_fields(discount).items():
                setattr(voucher, field, value)
            changed.append("discount")
        if start_date is not None:
            voucher.start_date = start_date
            changed.append("start_date")
        if expiration_date is not None:
            voucher.expiration_date = expiration_date
            changed.append("expiration_date")
        _check_dates(voucher.start_date, voucher.expiration_date, "invalid_voucher", "Invalid voucher")
        if active is not None:
            voucher.active = active
            changed.append("active")
        if metadata is not None:
            voucher.metadata = metadata
            changed.append("metadata")
        if redemption_quantity is not None:
            used = voucher.redeemed_quantity + voucher.locked_quantity
            if redemption_quantity < used:
                raise _error(
                    "invalid_voucher",
                    "Invalid voucher",
                    f"redemption.quantity cannot go below the {used} redemptions made or locked",
                )
            voucher.redemption_quantity = redemption_quantity
            changed.append("redemption")
        voucher.save()
        _voucher_event("voucher.updated", voucher, caller, fields=changed)
        return voucher


def set_voucher_active(*, caller: Caller, ref: str, active: bool) -> Voucher:
    """Enables or disables the voucher. Events: ``voucher.enabled`` / ``voucher.disabled``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        voucher.active = active
        voucher.save(update_fields=["active", "updated_at"])
        _voucher_event("voucher.enabled" if active else "voucher.disabled", voucher, caller)
        return voucher


def delete_voucher(*, caller: Caller, ref: str, force: bool = False) -> None:
    """Without ``force`` the voucher goes to the bin (``deleted_at``; its code stays taken); with it the
    row is deleted (also from the bin): redemptions keep their code snapshot, locks and rule
    assignments go with it. Events: ``voucher.deleted``."""
    with transaction.atomic():
        voucher = queries.find_voucher(ref, include_deleted=force, for_update=True)
        _voucher_event("voucher.deleted", voucher, caller, force=force)
        if force:
            voucher.delete()
        else:
            voucher.deleted_at = timezone.now()
            voucher.save(update_fields=["deleted_at", "updated_at"])


def update_gift_balance(
    *, caller: Caller, ref: str, amount: int, source_id: str | None = None, reason: str | None = None
) -> Voucher:
    """Adds ``amount`` (negative: removes) to a gift card, under its row lock.

    ``gift_amount`` and ``gift_balance`` move together, so ``balance == amount - redeemed_amount``
    keeps holding, and a MANUAL transaction records the change with the balance after it. Refuses
    (400 ``invalid_voucher``) a card that is not a gift card, a balance that would go below zero or
    below what sessions hold locked. Events: ``voucher.balance.updated``.
    """
    with transaction.atomic():
        voucher = queries.find_voucher(ref, for_update=True)
        if voucher.type != VoucherType.GIFT_VOUCHER:
            raise _error(
                "invalid_voucher",
                "Invalid voucher",
                f"{voucher.code} is not a gift card",
                resource_id=voucher.id,
                resource_type="voucher",
            )
        balance = (voucher.gift_balance or 0) + amount
        total = (voucher.gift_amount or 0) + amount
        if balance < voucher.locked_credits:
            floor = "zero" if voucher.locked_credits == 0 else f"{voucher.locked_credits} held by open sessions"
            raise _error(
                "invalid_voucher",
                "Invalid voucher",
                f"The balance {voucher.gift_balance or 0} cannot change by {amount}: it would go below {floor}",
                resource_id=voucher.id,
                resource_type="voucher",
            )
        if total > MAX_AMOUNT:
            raise _error("invalid_voucher", "Invalid voucher", f"A gift card holds at most {MAX_AMOUNT}")
        voucher.gift_balance = balance
        voucher.gift_amount = total
        voucher.save(update_fields=["gift_balance", "gift_amount", "updated_at"])
        VoucherTransaction.objects.create(
            voucher=voucher,
            source=VoucherTransaction.Source.MANUAL,
            amount=amount,
            balance_after=balance,
            reason=reason or "",
        )
        _voucher_event(
            "voucher.balance.updated",
            voucher,
            caller,
            amount=amount,
            balance=balance,
            source_id=source_id or "",
            reason=reason or "",
        )
        return voucher


# --- campaigns -------------------------------------------------------------------------------------------


def _campaign_event(event_type: str, campaign: Campaign, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="campaign",
        resource_id=campaign.id,
        campaign_id=campaign.id,
        data={"name": campaign.name, **data},
    )


def _template(campaign_type: str, voucher: dict | None) -> dict:
    """The voucher template kept on the campaign, in the platform's shape (``code_config`` included)."""
    if campaign_type == CampaignType.PROMOTION:
        return {}
    voucher = voucher or {}
    wanted = VoucherType.GIFT_VOUCHER if campaign_type == CampaignType.GIFT_VOUCHERS else VoucherType.DISCOUNT_VOUCHER
    bad = _error("invalid_campaign_params", "Invalid campaign params")
    if voucher.get("type") not in (None, wanted):
        bad.details = f"A {campaign_type} campaign holds {wanted}s"
        raise bad
    if wanted == VoucherType.DISCOUNT_VOUCHER and (not voucher.get("discount") or voucher.get("gift")):
        bad.details = "voucher.discount is required for DISCOUNT_COUPONS (and voucher.gift is not allowed)"
        raise bad
    if wanted == VoucherType.GIFT_VOUCHER and (not voucher.get("gift") or voucher.get("discount")):
        bad.details = "voucher.gift.amount is required for GIFT_VOUCHERS (and voucher.discount is not allowed)"
        raise bad
    code_config = voucher.get("code_config") or {}
    _code_shape(code_config)
    template: dict = {"type": wanted}
    if wanted == VoucherType.DISCOUNT_VOUCHER:
        template["discount"] = voucher["discount"]
    else:
        template["gift"] = voucher["gift"]
    template["redemption"] = {"quantity": (voucher.get("redemption") or {}).get("quantity")}
    template["code_config"] = code_config
    return template


def _generate(
    campaign: Campaign,
    count: int,
    *,
    code_config: dict | None = None,
    category: Category | None = None,
    metadata: dict | None = None,
    quantity: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
) -> list[Voucher]:
    """``count`` vouchers from the campaign's template (at most MAX_VOUCHERS_PER_CALL, in this transaction)."""
    if count > MAX_VOUCHERS_PER_CALL:
        raise _error(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"At most {MAX_VOUCHERS_PER_CALL} vouchers are generated in one transaction; "
            "more are generated by a background job (schedule_campaign_vouchers)",
        )
    build = _voucher_builder(
        campaign,
        category=category,
        metadata=metadata,
        quantity=quantity,
        start_date=start_date,
        expiration_date=expiration_date,
    )
    vouchers = [build(code) for code in generate_codes(code_config or _template_code_config(campaign), count)]
    _save_vouchers(vouchers)
    return vouchers


def _template_code_config(campaign: Campaign) -> dict | None:
    return (campaign.voucher_template or {}).get("code_config")


def _voucher_builder(
    campaign: Campaign,
    *,
    category: Category | None,
    metadata: dict | None,
    quantity: int | None,
    start_date: datetime | None,
    expiration_date: datetime | None,
):
    """A function making an unsaved voucher of ``campaign`` for a code: the template as it is now, what
    the call changes from it, and the campaign's dates when the call gives none."""
    kind = _campaign_voucher_kind(campaign)
    template = campaign.voucher_template or {}
    if quantity is None:
        quantity = (template.get("redemption") or {}).get("quantity")
    if start_date is None and expiration_date is None:
        start_date, expiration_date = campaign.start_date, campaign.expiration_date
    _check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")

    def build(code: str) -> Voucher:
        return _new_voucher(
            code=code,
            kind=kind,
            discount=template.get("discount"),
            gift=template.get("gift"),
            campaign=campaign,
            category=category or campaign.category,
            start_date=start_date,
            expiration_date=expiration_date,
            active=True,
            quantity=quantity,
            metadata=metadata,
        )

    return build


def _tier_position(campaign: Campaign, hierarchy: int | None, taken: set[int]) -> int:
    if hierarchy is not None:
        if hierarchy in taken:
            raise _error(
                "invalid_campaign_params", "Invalid campaign params", f"Tier hierarchy {hierarchy} is already used"
            )
        return hierarchy
    return max(taken, default=0) + 1


def _create_tier(campaign: Campaign, caller: Caller, taken: set[int], tier: dict) -> PromotionTier:
    discount = (tier.get("action") or {}).get("discount")
    start, end = tier.get("start_date"), tier.get("expiration_date")
    _check_dates(start, end, "invalid_campaign_params", "Invalid campaign params")
    position = _tier_position(campaign, tier.get("hierarchy"), taken)
    taken.add(position)
    rules = _rules(tier.get("validation_rules"))
    created = PromotionTier.objects.create(
        campaign=campaign,
        name=tier["name"],
        banner=tier.get("banner") or "",
        position=position,
        category=_category_of(tier.get("category"), tier.get("category_id")) or campaign.category,
        active=True if tier.get("active") is None else tier["active"],
        start_date=start,
        expiration_date=end,
        metadata=tier.get("metadata") or {},
        **_discount_fields(discount),
    )
    record_event(
        "promotion_tier.created",
        caller=caller,
        resource_type="promotion_tier",
        resource_id=created.id,
        campaign_id=campaign.id,
        data={"name": created.name},
    )
    for rule in rules:
        _assign(rule, caller, campaign.id, promotion_tier=created)
    return created


def create_campaign(
    *,
    caller: Caller,
    name: str,
    campaign_type: str | None = None,
    type: str | None = None,
    description: str | None = None,
    voucher: dict | None = None,
    vouchers_count: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    category: str | None = None,
    category_id: str | None = None,
    validation_rules: list[str] | None = None,
    tiers: list[dict] | None = None,
) -> Campaign:
    """A campaign with its voucher template, ``vouchers_count`` generated codes or, for PROMOTION, its
    tiers; ``validation_rules`` (one id) is assigned to it. Up to MAX_VOUCHERS_PER_CALL codes are
    generated in this transaction; more (up to MAX_VOUCHERS_PER_JOB) by a background job scheduled
    here (``creation_status`` IN_PROGRESS until it is DONE, see ``schedule_generation``).

    ``campaign_type`` defaults from the body: tiers make a PROMOTION, a GIFT_VOUCHER template a
    GIFT_VOUCHERS campaign, else DISCOUNT_COUPONS. Errors: 400 ``invalid_campaign_params`` /
    ``invalid_code_config``, 404 for an unknown category or rule, 409 ``duplicate_found`` for a taken
    name. Events: ``campaign.created``, ``promotion_tier.created``, ``campaign.vouchers.generated``
    (or ``campaign.vouchers.generation_scheduled`` now and ``campaign.vouchers.generated`` from the job).
    """
    voucher = voucher or {}
    if campaign_type is None:
        if tiers:
            campaign_type = CampaignType.PROMOTION
        elif voucher.get("type") == VoucherType.GIFT_VOUCHER or (voucher.get("gift") and not voucher.get("discount")):
            campaign_type = CampaignType.GIFT_VOUCHERS
        else:
            campaign_type = CampaignType.DISCOUNT_COUPONS
    bad = _error("invalid_campaign_params", "Invalid campaign params")
    if campaign_type == CampaignType.PROMOTION and vouchers_count:
        bad.details = "A PROMOTION campaign has tiers, not vouchers: vouchers_count must be 0"
        raise bad
    if campaign_type != CampaignType.PROMOTION and tiers:
        bad.details = "promotion.tiers are for PROMOTION campaigns only"
        raise bad
    if vouchers_count and vouchers_count > MAX_VOUCHERS_PER_JOB:
        bad.details = (
            f"At most {MAX_VOUCHERS_PER_JOB} vouchers are generated with the campaign; "
            "add more with POST /v1/campaigns/{id}/vouchers"
        )
        raise bad
    _check_dates(start_date, expiration_date, "invalid_campaign_params", "Invalid campaign params")
    template = _template(campaign_type, voucher)
    with transaction.atomic():
        if Campaign.objects.filter(name=name).exists():
            raise _duplicate("campaign", f"A campaign named {name} already exists")
        cat = _category_of(category, category_id)
        rules = _rules(validation_rules)
        campaign = Campaign(
            name=name,
            description=description or "",
            campaign_type=campaign_type,
            type=type or CampaignGeneration.STATIC,
            category=cat,
            active=True if active is None else active,
            start_date=start_date,
            expiration_date=expiration_date,
            voucher_template=template,
            metadata=metadata or {},
        )
        try:
            with transaction.atomic():
                campaign.save(force_insert=True)
        except IntegrityError:
            raise _duplicate("campaign", f"A campaign named {name} already exists") from None
        _campaign_event("campaign.created", campaign, caller, campaign_type=campaign_type)
        for rule in rules:
            _assign(rule, caller, campaign.id, campaign=campaign)
        taken: set[int] = set()
        for tier in tiers or []:
            _create_tier(campaign, caller, taken, tier)
        if vouchers_count and vouchers_count > MAX_VOUCHERS_PER_CALL:
            schedule_generation(campaign, vouchers_count, caller=caller)
        elif vouchers_count:
            _generate(campaign, vouchers_count)
            _campaign_event("campaign.vouchers.generated", campaign, caller, count=vouchers_count)
        return campaign


def update_campaign(
    *,
    caller: Caller,
    ref: str,
    description: str | None = None,
    type: str | None = None,
    category: str | None = None,
    category_id: str | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
    active: bool | None = None,
    metadata: dict | None = None,
    unset_metadata_fields: list[str] | None = None,
    discount: dict | None = None,
    gift: dict | None = None,
) -> Campaign:
    """A partial update under the campaign's row lock.

    ``metadata`` merges key by key, then ``unset_metadata_fields`` are removed. New dates also move
    the campaign's vouchers that still carried the old ones (not those given their own dates, nor
    any whose own other date would then be out of order). A ``discount`` changes the template and
    every voucher of a DISCOUNT_COUPONS campaign; a ``gift`` changes the template only (existing
    cards keep their balance). Events: ``campaign.updated``.
    """
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        changed: list[str] = []
        if description is not None:
            campaign.description = description
            changed.append("description")
        if type is not None:
            campaign.type = type
            changed.append("type")
        if category or category_id:
            campaign.category = _category_of(category, category_id)
            changed.append("category")
        if active is not None:
            campaign.active = active
            changed.append("active")
        if metadata is not None or unset_metadata_fields:
            merged = {**campaign.metadata, **(metadata or {})}
            for key in unset_metadata_fields or []:
                merged.pop(key, None)
            campaign.metadata = merged
            changed.append("metadata")
        old_start, old_end = campaign.start_date, campaign.expiration_date
        if start_date is not None:
            campaign.start_date = start_date
            changed.append("start_date")
        if expiration_date is not None:
            campaign.expiration_date = expiration_date
            changed.append("expiration_date")
        _check_dates(
            campaign.start_date, campaign.expiration_date, "invalid_campaign_params", "Invalid campaign params"
        )
        template = dict(campaign.voucher_template or {})
        if discount is not None:
            if campaign.campaign_type != CampaignType.DISCOUNT_COUPONS:
                raise _error(
                    "invalid_campaign_params", "Invalid campaign params", "Only DISCOUNT_COUPONS have a discount"
                )
            template["discount"] = discount
            changed.append("discount")
        if gift is not None:
            if campaign.campaign_type != CampaignType.GIFT_VOUCHERS:
                raise _error("invalid_campaign_params", "Invalid campaign params", "Only GIFT_VOUCHERS have a gift")
            template["gift"] = gift
            changed.append("gift")
        campaign.voucher_template = template
        campaign.save()
        live = Voucher.objects.filter(campaign=campaign, deleted_at__isnull=True)
        if discount is not None:
            live.update(**_discount_fields(discount), updated_at=timezone.now())
        _move_voucher_dates(live, old_start, old_end, start_date, expiration_date)
        _campaign_event("campaign.updated", campaign, caller, fields=changed)
        return campaign


def _move_voucher_dates(vouchers, old_start, old_end, new_start, new_end) -> None:
    """Moves the dates of the vouchers that carried the campaign's old ones, keeping each voucher's
    start before its end (the database refuses otherwise): three disjoint groups, one UPDATE each."""
    start = new_start if new_start is not None else old_start
    end = new_end if new_end is not None else old_end
    if start == old_start and end == old_end:
        return
    had_start = Q(start_date__isnull=True) if old_start is None else Q(start_date=old_start)
    had_end = Q(expiration_date__isnull=True) if old_end is None else Q(expiration_date=old_end)
    now = timezone.now()
    vouchers.filter(had_start & had_end).update(start_date=start, expiration_date=end, updated_at=now)
    if start != old_start:
        fits = (
            Q(expiration_date__isnull=True)
            if start is None
            else Q(expiration_date__isnull=True) | Q(expiration_date__gte=start)
        )
        vouchers.filter(had_start & ~had_end & fits).update(start_date=start, updated_at=now)
    if end != old_end:
        fits = Q(start_date__isnull=True) if end is None else Q(start_date__isnull=True) | Q(start_date__lte=end)
        vouchers.filter(~had_start & had_end & fits).update(expiration_date=end, updated_at=now)


def set_campaign_active(*, caller: Caller, ref: str, active: bool) -> Campaign:
    """Enables or disables the campaign (its vouchers keep their own flag). Events: ``campaign.enabled``
    / ``campaign.disabled``."""
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        campaign.active = active
        campaign.save(update_fields=["active", "updated_at"])
        _campaign_event("campaign.enabled" if active else "campaign.disabled", campaign, caller)
        return campaign


def delete_campaign(*, caller: Caller, ref: str, force: bool = False) -> str:
    """Deletes a campaign, synchronously; returns an id in the platform's ``async_action_id`` shape.

    Without ``force``: the campaign and its vouchers go to the bin (``deleted_at``; names and codes stay
    taken). With ``force``: vouchers never redeemed are deleted for good, the others stay in the bin so
    that redemption history keeps its links; the campaign row is deleted only when nothing refers to it
    any more, else it stays in the bin. Events: ``campaign.deleted``.
    """
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        now = timezone.now()
        vouchers = Voucher.objects.filter(campaign=campaign)
        deleted = 0
        if force:
            unused = vouchers.exclude(pk__in=Redemption.objects.filter(voucher__campaign=campaign).values("voucher_id"))
            deleted, _ = unused.delete()
        vouchers.filter(deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
        _campaign_event("campaign.deleted", campaign, caller, force=force)
        if force and not vouchers.exists() and not Redemption.objects.filter(campaign=campaign).exists():
            campaign.delete()
        else:
            campaign.deleted_at = now
            campaign.save(update_fields=["deleted_at", "updated_at"])
        return new_id("aa_")


def add_campaign_vouchers(
    *,
    caller: Caller,
    ref: str,
    count: int = 1,
    code: str | None = None,
    code_config: dict | None = None,
    category: str | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
) -> list[Voucher]:
    """New vouchers in a campaign from its template: one with ``code`` (or a random one), or ``count``
    random ones (at most MAX_VOUCHERS_PER_CALL; more: ``schedule_campaign_vouchers``). Events:
    ``voucher.created`` for one voucher, ``campaign.vouchers.generated`` for more."""
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        _campaign_voucher_kind(campaign)
        if code is not None:
            if count != 1:
                raise _error("invalid_payload", "Invalid payload", "A code can be given for one voucher only")
            voucher = create_voucher(
                caller=caller,
                code=code,
                campaign_id=campaign.id,
                category=category,
                metadata=metadata,
                redemption_quantity=redemption_quantity,
                start_date=start_date,
                expiration_date=expiration_date,
            )
            return [voucher]
        _check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        created = _generate(
            campaign,
            count,
            code_config=code_config,
            category=_category_of(category, None),
            metadata=metadata,
            quantity=redemption_quantity,
            start_date=start_date,
            expiration_date=expiration_date,
        )
        if count == 1:
            _voucher_event("voucher.created", created[0], caller, voucher_type=created[0].type)
        else:
            _campaign_event("campaign.vouchers.generated", campaign, caller, count=count)
        return created


def create_promotion_tier(*, caller: Caller, campaign_ref: str, tier: dict) -> PromotionTier:
    """A tier appended to a PROMOTION campaign (or at ``hierarchy`` when free), under the campaign's
    row lock so that positions stay unique. Events: ``promotion_tier.created``."""
    with transaction.atomic():
        campaign = queries.find_campaign(campaign_ref, for_update=True)
        if campaign.campaign_type != CampaignType.PROMOTION:
            raise _error(
                "invalid_campaign_params",
                "Invalid campaign params",
                f"Campaign {campaign.name} is not a PROMOTION campaign",
                resource_id=campaign.id,
                resource_type="campaign",
            )
        taken = set(campaign.tiers.values_list("position", flat=True))
        return _create_tier(campaign, caller, taken, tier)


# --- background generation (more than MAX_VOUCHERS_PER_CALL codes) ----------------------------------------
#
# Life of a job: ``schedule_generation`` saves it SCHEDULED (the campaign IN_PROGRESS) and enqueues
# campaigns.tasks.generate_vouchers once the transaction commits. The task claims it (IN_PROGRESS) and
# inserts GENERATION_BATCH vouchers per transaction; each batch locks the campaign, then the job row,
# re-reads ``done`` under the lock and moves it with a conditional UPDATE in the same transaction as the
# inserts. So ``done`` is always what exists, and a redelivered task (acks_late) continues from it once
# the dead worker's heartbeat is stale (while it is fresh a worker is on the job: a duplicate message then
# does nothing and costs no attempt); two attempts at once take turns and never exceed ``total`` (the
# database refuses that too). The last batch
# marks the job DONE and settles the campaign's status; an error marks it FAILED with the reason.
# Faults, as exports: if the broker is down the job stays SCHEDULED and ``reap_generation_jobs`` (beat)
# enqueues it again; a job whose heartbeat went stale (worker killed) goes back to SCHEDULED and is
# enqueued again, up to GENERATION_MAX_ATTEMPTS, then FAILED.

GENERATION_BATCH = 1000
GENERATION_MAX_ATTEMPTS = 5
GENERATION_STALE_AFTER = timedelta(minutes=2)  # no batch for this long: the worker is gone
GENERATION_REQUEUE_AFTER = timedelta(minutes=2)  # SCHEDULED and not picked up for this long: enqueue again


class GenerationStopped(Exception):
    """The job cannot go on (campaign deleted, code space exhausted...); the message says why."""


def schedule_generation(
    campaign: Campaign, count: int, *, caller: Caller, params: dict | None = None
) -> VoucherGenerationJob:
    """Within the caller's transaction (the campaign locked or just created): a SCHEDULED job for ``count``
    vouchers, the campaign IN_PROGRESS, and the task enqueued after the commit. ``params`` are what the new
    vouchers change from the template, JSON-ready (see ``_job_builder``). Refuses (400, nothing written)
    a count above MAX_VOUCHERS_PER_JOB or a code config without room for it.
    Events: ``campaign.vouchers.generation_scheduled``."""
    if count > MAX_VOUCHERS_PER_JOB:
        raise _error(
            "invalid_campaign_params",
            "Invalid campaign params",
            f"At most {MAX_VOUCHERS_PER_JOB} vouchers are generated per call",
        )
    params = params or {}
    _check_code_space(params.get("code_config") or _template_code_config(campaign), count)
    job = VoucherGenerationJob.objects.create(
        campaign=campaign,
        total=count,
        params=params,
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        request_log_id=caller.request_id or "",
        user_id=caller.user_id,
    )
    campaign.creation_status = CreationStatus.IN_PROGRESS
    Campaign.objects.filter(pk=campaign.pk).update(creation_status=campaign.creation_status, updated_at=timezone.now())
    _campaign_event("campaign.vouchers.generation_scheduled", campaign, caller, count=count, async_action_id=job.id)
    transaction.on_commit(lambda: enqueue_generation(job.pk))
    return job


def schedule_campaign_vouchers(
    *,
    caller: Caller,
    ref: str,
    count: int,
    code: str | None = None,
    code_config: dict | None = None,
    category: str | None = None,
    metadata: dict | None = None,
    redemption_quantity: int | None = None,
    start_date: datetime | None = None,
    expiration_date: datetime | None = None,
) -> VoucherGenerationJob:
    """``add_campaign_vouchers`` for more than MAX_VOUCHERS_PER_CALL vouchers: checks the same things
    (400 / 404, nothing written), then schedules a job whose id is the call's ``async_action_id``."""
    with transaction.atomic():
        campaign = queries.find_campaign(ref, for_update=True)
        _campaign_voucher_kind(campaign)
        if code is not None:
            raise _error("invalid_payload", "Invalid payload", "A code can be given for one voucher only")
        _check_dates(start_date, expiration_date, "invalid_voucher", "Invalid voucher")
        cat = _category_of(category, None)
        params = {
            "code_config": code_config or None,
            "category_id": cat.pk if cat else None,
            "metadata": metadata or None,
            "quantity": redemption_quantity,
            "start_date": start_date.isoformat() if start_date else None,
            "expiration_date": expiration_date.isoformat() if expiration_date else None,
        }
        return schedule_generation(
            campaign, count, caller=caller, params={k: v for k, v in params.items() if v is not None}
        )


def enqueue_generation(job_id: str) -> bool:
    """Hand the job to the broker; if it is unreachable, log it and leave the job SCHEDULED for the reaper
    (the caller's request still succeeds). Returns whether the message was sent."""
    from .tasks import generate_vouchers

    VoucherGenerationJob.objects.filter(pk=job_id, status=GenerationStatus.SCHEDULED).update(enqueued_at=timezone.now())
    try:
        generate_vouchers.apply_async(
            args=[job_id], retry=True, retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
        )
    except Exception:  # kombu's OperationalError, redis errors, OSError... all mean "not sent"
        log.warning("generation job %s could not be enqueued; it stays SCHEDULED for the reaper", job_id, exc_info=True)
        return False
    return True


def _job_caller(job: VoucherGenerationJob) -> Caller:
    """Who asked for the job, for the events written when it ends (linked to the request's log)."""
    return Caller(
        job.channel_type or "USER",
        job.channel_id or "generation",
        request_id=job.request_log_id or None,
        user=job.user,
    )


def _claim_job(job_id: str) -> VoucherGenerationJob | None:
    """SCHEDULED, or IN_PROGRESS with a stale heartbeat (a redelivery after its worker died) -> IN_PROGRESS
    for this attempt; None when finished, gone, or running elsewhere (a duplicate message: it neither
    counts as an attempt nor waits for the running worker). A job claimed more than
    GENERATION_MAX_ATTEMPTS times (its worker keeps dying) is FAILED instead."""
    now = timezone.now()
    claimable = Q(status=GenerationStatus.SCHEDULED) | Q(
        status=GenerationStatus.IN_PROGRESS, heartbeat_at__lt=now - GENERATION_STALE_AFTER
    )
    claimed = VoucherGenerationJob.objects.filter(claimable, pk=job_id).update(
        status=GenerationStatus.IN_PROGRESS, attempts=F("attempts") + 1, heartbeat_at=now
    )
    if not claimed:
        return None
    job = VoucherGenerationJob.objects.select_related("user").get(pk=job_id)
    if job.started_at is None:
        VoucherGenerationJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    if job.attempts > GENERATION_MAX_ATTEMPTS:
        fail_generation(job_id, message=f"The worker generating these vouchers stopped {job.attempts - 1} times")
        return None
    return job


def run_generation_job(job_id: str) -> VoucherGenerationJob | None:
    """The task's body: generate the missing vouchers of a job, batch by batch, then mark it DONE.

    Safe to run twice, at once or one after the other: every batch is decided under the job's row lock.
    A database outage (OperationalError) propagates, leaving the job to the reaper; any other error marks
    the job FAILED with the reason (logged), keeping the vouchers already made.
    """
    job = _claim_job(job_id)
    if job is None:
        log.info("generation job %s is finished or gone; nothing to do", job_id)
        return None
    try:
        while _generation_batch(job.pk, job.campaign_id):
            pass
    except OperationalError:
        raise
    except Exception as exc:
        log.exception("generation job %s failed", job_id)
        fail_generation(job_id, message=_failure_message(exc))
    return VoucherGenerationJob.objects.filter(pk=job_id).first()


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.details or exc.message
    if isinstance(exc, GenerationStopped):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:1000]


def _generation_batch(job_id: str, campaign_id: str) -> bool:
    """One transaction: up to GENERATION_BATCH vouchers and the job's counter; True while more are due.
    Locks the campaign, then the job (the order every generation path uses)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
        job = VoucherGenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != GenerationStatus.IN_PROGRESS:
            return False  # finished, failed, or handed back to the reaper meanwhile
        if campaign is None or campaign.deleted_at is not None:
            raise GenerationStopped(f"Campaign {campaign_id} was deleted before all vouchers were generated")
        wanted = min(GENERATION_BATCH, job.total - job.done)
        if wanted > 0:
            _insert_generated(campaign, job.params, wanted)
            # Conditional on the count read under the lock: on SQLite, which has no row locks, a parallel
            # attempt that got here first makes this 0 and the whole batch is rolled back.
            moved = VoucherGenerationJob.objects.filter(
                pk=job.pk, status=GenerationStatus.IN_PROGRESS, done=job.done
            ).update(done=F("done") + wanted, heartbeat_at=timezone.now())
            if not moved:
                transaction.set_rollback(True)
                return True
            job.done += wanted
        if job.done < job.total:
            return True
        job.status = GenerationStatus.DONE
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "heartbeat_at"])
        _settle_campaign_status(campaign)
        _campaign_event(
            "campaign.vouchers.generated", campaign, _job_caller(job), count=job.total, async_action_id=job.id
        )
        return False


def _job_builder(campaign: Campaign, params: dict):
    """``_voucher_builder`` from a job's stored params (the template is read as it is at each batch, so a
    campaign updated meanwhile gives its new values to the vouchers still to come)."""
    category = Category.objects.filter(pk=params["category_id"]).first() if params.get("category_id") else None
    start, end = params.get("start_date"), params.get("expiration_date")
    return _voucher_builder(
        campaign,
        category=category,
        metadata=params.get("metadata"),
        quantity=params.get("quantity"),
        start_date=datetime.fromisoformat(start) if start else None,
        expiration_date=datetime.fromisoformat(end) if end else None,
    )


def _insert_generated(campaign: Campaign, params: dict, count: int, tries: int = 5) -> list[Voucher]:
    """``count`` new vouchers; a code taken between drawing and inserting (another generation, a voucher
    created by hand) undoes only this try's savepoint, and the batch is drawn again."""
    build = _job_builder(campaign, params)
    config = params.get("code_config") or _template_code_config(campaign)
    for _ in range(tries):
        codes = generate_codes(config, count)
        vouchers = [build(code) for code in codes]
        try:
            _insert_vouchers(vouchers)
        except IntegrityError:
            if not Voucher.objects.filter(code__in=codes).exists():
                raise  # another constraint: a bug, not a collision
            continue
        return vouchers
    raise GenerationStopped(f"Codes kept colliding with existing ones after {tries} tries; widen the code config")


def _settle_campaign_status(campaign: Campaign) -> None:
    """IN_PROGRESS while a job is unfinished, else FAILED if the latest job failed, else DONE."""
    jobs = VoucherGenerationJob.objects.filter(campaign=campaign)
    if jobs.filter(status__in=UNFINISHED_GENERATION).exists():
        status = CreationStatus.IN_PROGRESS
    elif jobs.order_by("-created_at").values_list("status", flat=True).first() == GenerationStatus.FAILED:
        status = CreationStatus.FAILED
    else:
        status = CreationStatus.DONE
    if campaign.creation_status != status:
        campaign.creation_status = status
        Campaign.objects.filter(pk=campaign.pk).update(creation_status=status, updated_at=timezone.now())


def fail_generation(job_id: str, *, message: str, unless_moved_since=None) -> VoucherGenerationJob | None:
    """Mark an unfinished job FAILED with ``message`` (logged), once; the vouchers made so far stay. With
    ``unless_moved_since``: only if its heartbeat has not moved from that time (checked under its lock).
    Events: ``campaign.vouchers.generation_failed``."""
    campaign_id = VoucherGenerationJob.objects.filter(pk=job_id).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        return None
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).filter(pk=campaign_id).first()
        job = (
            VoucherGenerationJob.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=job_id)
            .first()
        )
        if campaign is None or job is None or job.status not in UNFINISHED_GENERATION:
            return None
        if unless_moved_since is not None and job.heartbeat_at != unless_moved_since:
            return None
        job.status = GenerationStatus.FAILED
        job.error = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        _settle_campaign_status(campaign)
        _campaign_event(
            "campaign.vouchers.generation_failed",
            campaign,
            _job_caller(job),
            async_action_id=job.id,
            count=job.total,
            generated=job.done,
            error=message,
        )
    log.error(
        "generation job %s of campaign %s failed after %s of %s: %s", job_id, campaign_id, job.done, job.total, message
    )
    return job


def reap_generation_jobs(*, now=None) -> dict[str, int]:
    """Periodic (beat): hand out again jobs whose worker died (stale heartbeat), up to
    GENERATION_MAX_ATTEMPTS, then FAILED; enqueue again SCHEDULED jobs nobody picked up (broker down).
    Safe to run twice at once: every change is a conditional UPDATE."""
    now = now or timezone.now()
    counts = {"retried": 0, "failed": 0, "requeued": 0}
    stale = VoucherGenerationJob.objects.filter(
        status=GenerationStatus.IN_PROGRESS, heartbeat_at__lt=now - GENERATION_STALE_AFTER
    )
    for job in stale.only("pk", "attempts", "heartbeat_at"):
        if job.attempts >= GENERATION_MAX_ATTEMPTS:
            message = f"The worker generating these vouchers stopped {job.attempts} times; gave up"
            # only if no batch landed since it was read as stale (its worker may have been slow, not dead)
            if fail_generation(job.pk, message=message, unless_moved_since=job.heartbeat_at):
                counts["failed"] += 1
            continue
        same = VoucherGenerationJob.objects.filter(
            pk=job.pk, status=GenerationStatus.IN_PROGRESS, attempts=job.attempts, heartbeat_at=job.heartbeat_at
        )
        if same.update(status=GenerationStatus.SCHEDULED, enqueued_at=now):
            counts["retried"] += 1
            enqueue_generation(job.pk)
    waiting = VoucherGenerationJob.objects.filter(status=GenerationStatus.SCHEDULED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - GENERATION_REQUEUE_AFTER),
        created_at__lt=now - GENERATION_REQUEUE_AFTER,
    )
    for job_id in waiting.values_list("pk", flat=True):
        counts["requeued"] += enqueue_generation(job_id)
    return counts
