"""A loyalty program's earning rules: created (several at once, all or none), changed, turned on and off,
deleted. What they earn is loyalty.services.earning's. Events ``earning_rule.created``, ``.updated``,
``.enabled``, ``.disabled`` and ``.deleted`` in the program's activity."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from auditlog.services import record_event
from campaigns.models import Segment, ValidationRule
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from .. import queries
from ..models import EarningRule


def create_rules(*, caller: Caller, program: str, rules: list[dict[str, Any]]) -> list[EarningRule]:
    """The rules (fields as EarningRule names them), in the order sent."""
    with transaction.atomic():
        campaign = queries.find_program(program)
        created = []
        for fields in rules:
            _check_refs(fields)
            rule = EarningRule.objects.create(campaign=campaign, **fields)
            created.append(rule)
            _event("earning_rule.created", rule, caller)
        return created


def update_rule(*, caller: Caller, program: str, rule_id: str, fields: dict[str, Any]) -> EarningRule:
    """What ``fields`` holds overwrites; the rest stays."""
    with transaction.atomic():
        rule = _locked(program, rule_id)
        _check_refs(fields)
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.updated_at = timezone.now()
        rule.save()
        _event("earning_rule.updated", rule, caller, fields=sorted(fields))
        return rule


def set_active(*, caller: Caller, program: str, rule_id: str, active: bool) -> EarningRule:
    with transaction.atomic():
        rule = _locked(program, rule_id)
        if rule.active != active:
            rule.active, rule.updated_at = active, timezone.now()
            rule.save(update_fields=["active", "updated_at"])
            _event("earning_rule.enabled" if active else "earning_rule.disabled", rule, caller)
        return rule


def delete_rule(*, caller: Caller, program: str, rule_id: str) -> None:
    with transaction.atomic():
        rule = _locked(program, rule_id)
        _event("earning_rule.deleted", rule, caller)
        rule.delete()


def _locked(program: str, rule_id: str) -> EarningRule:
    campaign = queries.find_program(program)
    rule = EarningRule.objects.select_for_update().filter(pk=rule_id, campaign=campaign).first()
    if rule is None:
        raise not_found("earning_rule", rule_id, label=f"earning rule of {campaign.name}")
    return rule


def _check_refs(fields: dict[str, Any]) -> None:
    """The segment and validation rule a rule names exist."""
    segment = fields.get("segment_id")
    if segment and not Segment.objects.filter(pk=segment).exists():
        raise not_found("segment", segment)
    validation = fields.get("validation_rule_id")
    if validation and not ValidationRule.objects.filter(pk=validation).exists():
        raise not_found("validation_rule", validation)
    start, end = fields.get("start_date"), fields.get("expiration_date")
    if start and end and start > end:
        raise DomainError("invalid_payload", "Invalid payload", "start_date is after expiration_date")


def _event(event_type: str, rule: EarningRule, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="earning_rule",
        resource_id=rule.pk,
        campaign_id=rule.campaign_id,
        data={"earning_rule_id": rule.pk, "name": rule.banner, "event": rule.event, **data},
    )
