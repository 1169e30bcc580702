"""The template a bulk load replicates: one small demo, made by the demo generator in the load's transaction.

:func:`make_template` runs :func:`demo.loader.replay` (the product's services under a moved clock) in a
:class:`~demo.catalogue.Namespace` of the load's own; what the replicator needs back is a :class:`Template`:
the primary keys of the rows to clone, by model. Everything else the generator wrote (campaigns, tiers,
rules, segments, request logs, events) stays as it is, once, and the clones point at it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models

from campaigns.models import Customer, Order, Segment, ValidationRuleAssignment, Voucher, VoucherTransaction
from demo.catalogue import HISTORY, Namespace
from demo.loader import DemoRows, quiet_queries, replay
from redemptions.models import Redemption, Rollback, Validation
from sessions.models import SessionLock, ValidationSession
from stacking.services import held_for_load

# The rows each clone repeats, in the order they are written (foreign keys are deferred anyway).
CLONED: tuple[type[models.Model], ...] = (
    Customer,
    Segment.customers.through,
    Voucher,
    ValidationRuleAssignment,
    VoucherTransaction,
    Order,
    ValidationSession,
    SessionLock,
    Validation,
    Redemption,
    Rollback,
)
SPAN = HISTORY  # how far back the template's history reaches
LOAD_KEY = "bulk_load"  # the campaign metadata key that holds a load's number


@dataclass
class Template:
    """What the replicator needs: the primary keys of the rows to clone, and the load's campaigns."""

    ids: dict[type[models.Model], list]
    campaigns: list[str]


def load_names(load: int) -> Namespace:
    """Load ``n``'s campaigns, rules and segments are named ``"<name> · load <n>"``, its customers' and
    orders' source ids start ``bulk<n>-`` and its campaigns carry ``{LOAD_KEY: n}``."""
    return Namespace(source_prefix=f"bulk{load}-", suffix=f" · load {load}", metadata={LOAD_KEY: load})


def make_template(*, redemptions: int, rng: random.Random, load: int, now: datetime) -> Template:
    """Run the demo generator for ``redemptions`` rows in load ``load``'s namespace (the caller holds the
    transaction) and collect what it wrote."""
    names = load_names(load)
    with held_for_load(), quiet_queries():
        replay(redemptions, rng.randrange(2**32), now, names)
    rows = DemoRows.of(names)
    vouchers = rows.vouchers.values("pk")
    sessions = rows.sessions.values("pk")
    selected = {
        Customer: rows.customers,
        Segment.customers.through: Segment.customers.through.objects.filter(customer__in=rows.customers),
        Voucher: rows.vouchers,
        ValidationRuleAssignment: ValidationRuleAssignment.objects.filter(voucher__in=vouchers),
        VoucherTransaction: VoucherTransaction.objects.filter(voucher__in=vouchers),
        Order: rows.orders,
        ValidationSession: rows.sessions,
        SessionLock: SessionLock.objects.filter(session__in=sessions),
        Validation: rows.validations,
        Redemption: rows.redemptions,
        Rollback: rows.rollbacks,
    }
    ids = {model: list(selected[model].order_by("pk").values_list("pk", flat=True)) for model in CLONED}
    return Template(ids, list(rows.campaigns.values_list("pk", flat=True)))


def template_text(template: Template) -> dict[type[models.Model], tuple[list[str], list[str]]]:
    """Each cloned table's columns and the template's rows as COPY text lines (without their newline)."""
    out = {}
    with connection.connection.cursor() as cursor:
        for model in CLONED:
            columns = [f.column for f in model._meta.concrete_fields if not _serial(f)]
            select = ", ".join(f'"{c}"' for c in columns)
            pk = model._meta.pk.column
            statement = f'COPY (SELECT {select} FROM "{model._meta.db_table}" WHERE "{pk}" = ANY(%s)) TO STDOUT'
            with cursor.copy(statement, [template.ids[model]]) as copy:
                text = b"".join(bytes(block) for block in copy).decode()
            out[model] = (columns, text.splitlines())
    return out


def _serial(field: models.Field) -> bool:
    """An integer primary key the database numbers (a clone gets a new one by leaving it out)."""
    return field.primary_key and isinstance(field, models.AutoField | models.BigAutoField)
