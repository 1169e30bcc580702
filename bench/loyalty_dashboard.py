"""p95 server time of a loyalty program's dashboard with 1,000,000 members.

    .venv/bin/python bench/loyalty_dashboard.py [--members N] [--runs R] [--fresh]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_bench`` unless DATABASE_URL says otherwise.
Makes a program (three tiers, an earning rule, a reward, points expiring a year after they are added) and
one member through the product's services, then copies that member ``--members`` times on the server
(``INSERT ... SELECT`` over ``generate_series``: customers, their cards with 1 to 1,000 points, a ledger row
and a bucket each), then vacuums and analyzes the tables as autovacuum would. The program is kept for the next
run (``--fresh`` makes it again).

Then refreshes the program's figures as the beat does every minute (loyalty.services.figures) and renders
each of the program's pages ``--runs`` times (after 3 warm-ups) through Django's test client as
an Admin (who sees every tab, the Participants too), in process, DEBUG off: the overview, Loyalty cards,
Participants, Transactions, Tiers, Earning rules, Points expiration, Pending points, Rewards catalog and
Reward redemptions, the lists on their first page and on a filtered one. Prints one line a page and, last,
the worst p95 (target < 150 ms).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign_dashboard import measure
from bench.common import setup_django
from bench.loyalty_expiration import _cleanup, _copy

NAME = "bench-dash club"
PREFIX = "bench-dash-"
PAGES = (
    "",
    "loyalty-cards/",
    "loyalty-cards/?balance_min=990",
    "participants/",
    "participants/?code={code}",
    "points/",
    "points/?type=POINTS_ADDITION",
    "loyalty-tiers/",
    "earning-rules/",
    "points-expiration/",
    "pending-points/",
    "rewards/",
    "reward-redemptions/",
)


class _Rollback(Exception):
    pass


def _program(members: int, fresh: bool):
    """The bench's program with ``members`` members, made unless a earlier run left it."""
    from campaigns.models import Campaign
    from loyalty.models import LoyaltyCard

    program = Campaign.objects.filter(name=NAME).first()
    if program is not None and not fresh and LoyaltyCard.objects.filter(campaign=program).count() == members + 1:
        print(f"reusing {NAME!r} with {members:,} copied members", flush=True)
        return program
    if program is not None:
        _drop(program)
    started = time.perf_counter()
    program = _make(members)
    print(f"setup: {members:,} members in {time.perf_counter() - started:.1f} s", flush=True)
    return program


def _make(members: int):
    from django.db import connection, transaction

    from campaigns.models import Customer, Voucher
    from loyalty.models import LoyaltyCard, PointsBucket, PointsTransaction
    from loyalty.services.earning_rules import create_rules
    from loyalty.services.points import PointsChange, change_balance
    from loyalty.services.programs import add_member, create_program
    from loyalty.services.rewards import assign, create_reward
    from loyalty.services.tiers import create_tiers
    from voucherhub.caller import Caller

    caller = Caller.system("bench")
    with transaction.atomic():
        program = create_program(
            caller=caller, name=NAME, expiration_rules={"period_type": "MONTH", "period_value": 12}
        )
        tiers = [("Bronze", 0, 299), ("Silver", 300, 799), ("Gold", 800, None)]
        create_tiers(caller=caller, program=program.pk,
                     items=[{"name": n, "points_from": a, "points_to": b} for n, a, b in tiers])  # fmt: skip
        create_rules(
            caller=caller,
            program=program.pk,
            rules=[{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}, "banner": "Ten a visit"}],
        )
        reward = create_reward(caller=caller, fields={"name": "Free coffee", "type": "MATERIAL"})
        assign(caller=caller, program=program.pk, items=[(reward.pk, 500)])
        card = add_member(caller=caller, program=program.pk, customer={"source_id": f"{PREFIX}member"})
        change_balance(caller=caller, member=card.code, change=PointsChange(points=500, reason="Welcome"))
        holder, entry = card.holder_id, PointsTransaction.objects.get(card_id=card.pk)
        bucket = PointsBucket.objects.get(card_id=card.pk)
        g = "g"
        points, minutes = f"(1 + ({g}::bigint * 7919) %% 1000)", f"t.created_at - {g} * interval '1 minute'"
        _copy(Customer, holder, {"id": f"'cust_benchdash' || {g}", "source_id": f"'{PREFIX}m' || {g}",
                                 "name": f"'Member ' || {g}", "email": f"'m' || {g} || '@example.com'",
                                 "created_at": minutes}, members)  # fmt: skip
        _copy(Voucher, card.pk, {"id": f"'{PREFIX}v' || {g}", "code": f"'BD-' || {g}",
                                 "holder_id": f"'cust_benchdash' || {g}", "created_at": minutes}, members)  # fmt: skip
        _copy(LoyaltyCard, card.pk, {"voucher_id": f"'{PREFIX}v' || {g}", "points": points, "balance": points,
                                     "created_at": minutes}, members)  # fmt: skip
        _copy(PointsTransaction, entry.pk, {"id": f"'{PREFIX}t' || {g}", "card_id": f"'{PREFIX}v' || {g}",
                                            "points": points, "balance": points, "total": points,
                                            "created_at": minutes}, members)  # fmt: skip
        _copy(PointsBucket, bucket.pk, {"id": f"'{PREFIX}b' || {g}", "card_id": f"'{PREFIX}v' || {g}",
                                        "points": points, "remaining": points,
                                        "expires_at": f"t.expires_at + {g} %% 365"}, members)  # fmt: skip
    with connection.cursor() as cursor:
        for model in (Customer, Voucher, LoyaltyCard, PointsTransaction, PointsBucket):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')  # as autovacuum would leave them
    return program


def _drop(program) -> None:
    """An earlier run's program, its copies and their customers, by SQL."""
    from django.db import connection

    from campaigns.models import Customer

    _cleanup(program)  # the program, its cards and their rows (bench/loyalty_expiration.py)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{Customer._meta.db_table}" WHERE "source_id" LIKE %s', [f"{PREFIX}%"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    setup_django()
    program = _program(args.members, args.fresh)
    from loyalty.services.figures import refresh_all

    started = time.perf_counter()
    refresh_all()  # what the beat does every minute: the big program's totals
    print(f"program figures refreshed (the beat's task) in {time.perf_counter() - started:.1f} s", flush=True)
    urls = [f"/campaigns/{program.pk}/{page.format(code='BD-777777')}" for page in PAGES]
    worst = worst_p95_as_admin(urls, args.runs)
    print(f"loyalty_dashboard: worst p95 {worst:.1f} ms over {args.runs} requests a page, {args.members:,} members")


def worst_p95_as_admin(urls: list[str], runs: int) -> float:
    """Each page ``runs`` times through Django's test client as an Admin (bench.campaign_dashboard.measure:
    a line each); the worst p95 in ms. The Admin and its session live in a transaction rolled back at the
    end; one connection for the run."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core import signals
    from django.db import close_old_connections, transaction
    from django.test import Client, override_settings

    from voucherhub.roles import ADMIN, sync_roles

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    worst = 0.0
    try:
        with override_settings(STORAGES=storages, DEBUG=False, ALLOWED_HOSTS=["testserver"]), transaction.atomic():
            if not Group.objects.filter(name=ADMIN).exists():
                sync_roles(apps)
            user = User.objects.create_user(username=f"bench-admin-{time.time_ns()}", password="x")
            user.groups.add(Group.objects.get(name=ADMIN))
            client = Client()
            client.force_login(user)
            for url in urls:
                worst = max(worst, measure(client, url, url, runs))
            raise _Rollback
    except _Rollback:
        pass
    return worst


if __name__ == "__main__":
    main()
