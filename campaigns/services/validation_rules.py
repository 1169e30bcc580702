"""Validation rules: creation, updates and deletion, and their assignments to campaigns, vouchers and tiers."""

from typing import Any

from django.db import transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import duplicate_found, not_found

from .. import queries
from ..models import (
    Segment,
    ValidationRule,
    ValidationRuleAssignment,
)
from ..rules import Kind, RuleSet, invalid_rules, parse


def check_rules(rules: Any) -> RuleSet:
    """The rule set of a ``rules`` body, or DomainError ``invalid_validation_rules`` for one the
    engine would not evaluate: what :func:`campaigns.rules.parse` refuses, and ``customer.segment``
    conditions naming segments that do not exist. The body is stored unchanged."""
    rule_set = parse(rules)
    named = [
        (f"rules.{condition.number}.conditions.{op}", segment_id)
        for condition in rule_set.conditions.values()
        if condition.spec.kind is Kind.SEGMENT
        for op, segment_ids in condition.operators
        for segment_id in segment_ids
    ]
    if named:
        found = set(Segment.objects.filter(pk__in={segment_id for _, segment_id in named}).values_list("pk", flat=True))
        for where, segment_id in named:
            if segment_id not in found:
                raise invalid_rules(f"{where}: {segment_id!r} is not a segment id")
    return rule_set


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
    """Assigns the rule to a voucher (code or id), a campaign (id or name) or a promotion tier; ``not_found`` for an
    unknown object, ``duplicate_found`` when the rule is already assigned to it."""
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
