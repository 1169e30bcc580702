"""Validation rules: creation, updates and deletion, and their assignments to campaigns, vouchers and tiers."""

import logging
import re
from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, duplicate_found, not_found

from .. import queries
from ..models import (
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
)

log = logging.getLogger(__name__)


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
        return DomainError("invalid_validation_rules", "Invalid validation rules", details)

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


def rules_by_ids(ids: list[str] | None) -> list[ValidationRule]:
    found = []
    for rule_id in dict.fromkeys(ids or []):
        found.append(queries.find_rule(rule_id))
    return found


def assign_rule(
    rule: ValidationRule, caller: Caller, campaign_id: str | None = None, **target
) -> ValidationRuleAssignment:
    if ValidationRuleAssignment.objects.filter(rule=rule, **target).exists():
        (key,) = target
        raise duplicate_found("validation_rules_assignment", f"Rule {rule.id} is already assigned to {target[key].pk}")
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
            return assign_rule(rule, caller, voucher.campaign_id, voucher=voucher)
        if related_object_type == "campaign":
            campaign = queries.find_campaign(related_object_id)
            return assign_rule(rule, caller, campaign.id, campaign=campaign)
        tier = queries.find_tier(related_object_id)
        return assign_rule(rule, caller, tier.campaign_id, promotion_tier=tier)


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
