"""The hand-written statements of earning points, which every paid order runs (voucherhub.hotsql says why).

``earning_cards`` reads, in one statement, the earning rules of every program whose card a customer holds,
each with that card locked; ``credit_card`` writes a card's new figures. Each names the ORM query it stands
for, and ``tests/loyalty/test_statements.py`` compares the two on the same rows. The database constraints
stay the guard (a balance below zero, figures that do not add up).
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from campaigns.models import Campaign, Voucher
from voucherhub import hotsql

from .models import EarningRule, LoyaltyCard, LoyaltyTier


@dataclass
class EarningCard:
    """One earning rule, the customer's card of its program (locked), the card's code, and the program's dates."""

    rule: EarningRule
    card: LoyaltyCard
    code: str
    program_start: datetime | None
    program_end: datetime | None
    has_tiers: bool  # whether the program has tiers (which may change what its rules give)
    expiration_rules: dict | None = None  # when the program's points expire (none: never)


@functools.cache
def _earning_sql(vendor: str) -> str:
    rule, card, voucher, campaign = (hotsql.table(m) for m in (EarningRule, LoyaltyCard, Voucher, Campaign))
    tiers = f'EXISTS (SELECT 1 FROM {hotsql.table(LoyaltyTier)} t WHERE t."campaign_id" = r."campaign_id")'
    selected = [*hotsql.columns(EarningRule, "r"), *hotsql.columns(LoyaltyCard, "c"),
                'v."code"', 'p."start_date"', 'p."expiration_date"', tiers, 'p."voucher_template"']  # fmt: skip
    return (
        f"SELECT {', '.join(selected)} FROM {rule} r"
        f' JOIN {campaign} p ON p."id" = r."campaign_id"'
        f' JOIN {card} c ON c."campaign_id" = r."campaign_id"'
        f' JOIN {voucher} v ON v."id" = c."voucher_id"'
        ' WHERE v."holder_id" = %s AND v."deleted_at" IS NULL AND v."active"'
        ' AND r."event" = %s AND r."active" AND p."active" AND p."deleted_at" IS NULL'
        ' ORDER BY r."created_at", r."id"'
    )


def earning_cards(customer_id: str, event: str) -> list[EarningCard]:
    """The active ``event`` rules of the active programs whose active card the customer holds, oldest rule
    first, each card locked (``FOR UPDATE OF`` the card; one instance per card). None: one cheap query.

    The ORM's twin: ``EarningRule.objects.filter(event=event, active=True, campaign__active=True,
    campaign__deleted_at__isnull=True, campaign__loyalty_cards__voucher__holder_id=customer_id,
    campaign__loyalty_cards__voucher__deleted_at__isnull=True, campaign__loyalty_cards__voucher__active=True)
    .order_by("created_at", "id")`` with each program's card read ``select_for_update()``, and whether the
    program has tiers (``Exists(LoyaltyTier.objects.filter(campaign=OuterRef("campaign")))``)."""
    db = transaction.get_connection()
    with hotsql.prepared_cursor(db) as cursor:
        cursor.execute(_earning_sql(db.vendor) + hotsql.for_update(db, "c"), [customer_id, event])
        rows = cursor.fetchall()
    start_col = Campaign._meta.get_field("start_date").get_col("p")
    end_col = Campaign._meta.get_field("expiration_date").get_col("p")
    template_col = Campaign._meta.get_field("voucher_template").get_col("p")
    rule_width = len(EarningRule._meta.concrete_fields)
    card_width = len(LoyaltyCard._meta.concrete_fields)
    cards: dict[str, LoyaltyCard] = {}
    found = []
    for row in rows:
        rule = hotsql.instance(EarningRule, iter(row[:rule_width]), db)
        card = hotsql.instance(LoyaltyCard, iter(row[rule_width : rule_width + card_width]), db)
        card = cards.setdefault(card.pk, card)
        code, start, end, has_tiers, template = row[rule_width + card_width :]
        start, end = hotsql.converted(start, start_col, db), hotsql.converted(end, end_col, db)
        template = hotsql.converted(template, template_col, db) or {}
        rules = (template.get("loyalty_card") or {}).get("expiration_rules") or None
        found.append(EarningCard(rule, card, code, start, end, bool(has_tiers), rules))
    return found


def credit_card(card: LoyaltyCard, now: datetime) -> None:
    """Write the (locked) card's points, balance and pending points as the instance holds them; queued when
    a :func:`voucherhub.hotsql.batch` is open.

    The ORM's twin: ``card.save(update_fields=["points", "balance", "pending_points", "updated_at"])``."""
    card.updated_at = now
    db = transaction.get_connection()
    stamp = LoyaltyCard._meta.get_field("updated_at").get_db_prep_save(now, connection=db)
    hotsql.execute(
        f'UPDATE {hotsql.table(LoyaltyCard)} SET "points" = %s, "balance" = %s, "pending_points" = %s,'
        ' "updated_at" = %s WHERE "voucher_id" = %s',
        [card.points, card.balance, card.pending_points, stamp, card.pk],
    )
