"""System checks of stored data, registered with the database tag (campaigns.apps): ``manage.py migrate``
and ``manage.py check --database default`` run them.

A validation rule stored before the current rule language, or written around the API, may no longer
parse; :func:`campaigns.rules.evaluate` then fails every redemption it guards (``order_rules_violated``).
This check names each such rule at deploy time, so that it is saved again rather than found by shoppers.
"""

from django.core.checks import Warning
from django.db import DatabaseError

from voucherhub.errors import DomainError

from .models import ValidationRule
from .rules import parse


def stored_rules_are_readable(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    if not databases:
        return []
    try:
        rules = list(ValidationRule.objects.only("id", "name", "rules").order_by("id"))
    except DatabaseError:  # not migrated yet
        return []
    warnings = []
    for rule in rules:
        try:
            parse(rule.rules)
        except DomainError as error:
            warnings.append(
                Warning(
                    f"Validation rule {rule.id} ({rule.name}) cannot be read: {error.details}",
                    hint="Every validation and redemption it guards fails with order_rules_violated until it "
                    "is saved again (PUT /v1/validation-rules/<id>).",
                    obj=rule.id,
                    id="campaigns.W001",
                )
            )
    return warnings
