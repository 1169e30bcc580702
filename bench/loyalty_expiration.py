"""The points-expiration beat task on 1,000,000 cards: wall time of one run that expires them all.

    .venv/bin/python bench/loyalty_expiration.py [--cards N] [--workers W]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_bench`` unless DATABASE_URL says otherwise.
Makes a loyalty program whose points expire a month after they are added and one card through the product's
services, then copies that card ``--cards`` times on the server (``INSERT ... SELECT`` over
``generate_series``: vouchers, cards with 100 points, each with a bucket of 100 points due yesterday), and
times ``loyalty.services.expiration.expire_points`` expiring them: per card a bucket closed, the card's
figures changed, a ledger row and an event written. Checks the books after (every copy at 0 with its 100 points expired,
one POINTS_EXPIRATION row each), runs the task again to show it finds nothing, then deletes the bench's rows.

Prints the setup and the run, and the run's wall time as the last line (target < 30 s for 1,000,000 cards).
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django

PREFIX = "bench-exp-"


def _copy(model, template_pk: str, replaced: dict[str, str], cards: int) -> None:
    """``cards`` copies of ``model``'s row ``template_pk``, with ``replaced`` columns as SQL over ``g``."""
    from django.db import connection

    columns = [field.column for field in model._meta.concrete_fields]
    selected = [replaced.get(column, f't."{column}"') for column in columns]
    table, names, pk = model._meta.db_table, ", ".join(f'"{c}"' for c in columns), model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {", ".join(selected)} FROM "{table}" t,'
            f' generate_series(1, %s) g WHERE t."{pk}" = %s',
            [cards, template_pk],
        )


def _setup(cards: int):
    from django.db import connection, transaction

    from campaigns.models import Voucher
    from loyalty.models import LoyaltyCard, PointsBucket
    from loyalty.services.programs import add_member, create_program
    from voucherhub.caller import Caller

    caller = Caller.system("bench")
    rules = {"period_type": "MONTH", "period_value": 1}
    with transaction.atomic():
        program = create_program(caller=caller, name=f"{PREFIX}club {time.time_ns()}", expiration_rules=rules)
        template = add_member(caller=caller, program=program.pk, customer={"source_id": f"{PREFIX}member"})
        card_id = f"'{PREFIX}' || g"
        _copy(Voucher, template.pk, {"id": card_id, "code": f"'{PREFIX.upper()}' || g", "holder_id": "NULL"}, cards)
        _copy(LoyaltyCard, template.pk, {"voucher_id": card_id, "points": "100", "balance": "100"}, cards)
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{PointsBucket._meta.db_table}" ("id", "card_id", "campaign_id", "points", "remaining",'
                ' "expires_at", "status", "created_at", "updated_at")'
                f" SELECT 'lpb_{PREFIX}' || g, '{PREFIX}' || g, %s, 100, 100, %s, 'ACTIVE', now(), now()"
                " FROM generate_series(1, %s) g",
                [program.pk, yesterday, cards],
            )
            cursor.execute(f'ANALYZE "{PointsBucket._meta.db_table}"; ANALYZE "{LoyaltyCard._meta.db_table}"')
    return program


def _cleanup(program) -> None:
    """The bench's rows, by SQL (the ORM would collect a million rows in Python first)."""
    from django.db import connection

    from auditlog.models import Event
    from campaigns.models import Publication, Voucher
    from loyalty.models import LoyaltyCard, PointsBucket, PointsTransaction

    Publication.objects.filter(campaign=program).delete()
    with connection.cursor() as cursor:
        for model in (Event, PointsTransaction, PointsBucket, LoyaltyCard, Voucher):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "campaign_id" = %s', [program.pk])
    program.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="connections side by side (the task's default: 2)")
    args = parser.parse_args()
    setup_django()
    from django.db.models import Count, Sum

    from campaigns.models import Campaign
    from loyalty.models import LoyaltyCard, PointsTransaction
    from loyalty.services.expiration import expire_points

    for earlier in Campaign.objects.filter(name__startswith=f"{PREFIX}club"):
        _cleanup(earlier)  # an interrupted run's rows
    started = time.perf_counter()
    program = _setup(args.cards)
    print(f"setup: {args.cards:,} cards with a bucket due, in {time.perf_counter() - started:.1f} s")
    try:
        started = time.perf_counter()
        expired = expire_points(workers=args.workers)
        took = time.perf_counter() - started
        books = LoyaltyCard.objects.filter(campaign=program).aggregate(
            cards=Count("pk"), balance=Sum("balance"), expired=Sum("expired_points")
        )
        rows = PointsTransaction.objects.filter(campaign=program, type="POINTS_EXPIRATION").count()
        print(f"expired {expired:,} cards; books: {books}, {rows:,} expiration rows")
        assert books["balance"] == 0 and books["expired"] == 100 * args.cards and rows == args.cards
        print(f"second run expires {expire_points():,} cards")
    finally:
        _cleanup(program)
    print(f"expiration task: {args.cards:,} cards in {took:.1f} s (target < 30 s for 1,000,000)")


if __name__ == "__main__":
    main()
