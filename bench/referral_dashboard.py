"""p95 server time of a referral program's dashboard with 1,000,000 referees.

    .venv/bin/python bench/referral_dashboard.py [--referees N] [--referrers R] [--runs R] [--fresh]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_bench`` unless DATABASE_URL says otherwise.
Makes a program converting on a custom event, with a reward tier at one referral, and one conversion through
the product's services (a referrer's code published, the referee's event), then copies them on the server
(``INSERT ... SELECT`` over ``generate_series``): ``--referrers`` referrers with a code and their first
tier's reward each, and ``--referees`` referees spread over them, one a minute back in time, then vacuums and
analyzes the tables as autovacuum would. The program is kept for the next run (``--fresh`` makes it again).

Then renders each of the program's pages ``--runs`` times (after 3 warm-ups) through Django's test client as
an Admin (who sees every tab), in process, DEBUG off: the overview, Rewards, Referral codes, Publications,
Referrers, Referees and Reward redemptions, the lists on their first page and on a filtered one. Prints one
line a page and, last, the worst p95 (target < 150 ms).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django
from bench.loyalty_dashboard import worst_p95_as_admin
from bench.loyalty_expiration import _copy

NAME = "bench-ref friends"
PREFIX = "bench-ref-"
PAGES = (
    "",
    "referral-rewards/",
    "vouchers/",
    "publications/",
    "referrers/",
    "referrers/?min_referrals=1000",
    "referees/",
    "referees/?code=BR-77",
    "referees/?source=custom_event",
    "referral-reward-redemptions/",
    "referral-reward-redemptions/?role=REFERRER",
)


def _program(referees: int, referrers: int, fresh: bool):
    """The bench's program with ``referees`` referees, made unless an earlier run left it."""
    from campaigns.models import Campaign
    from referrals.models import Referral

    program = Campaign.objects.filter(name=NAME).first()
    if program is not None and not fresh and Referral.objects.filter(campaign=program).count() == referees + 1:
        print(f"reusing {NAME!r} with {referees:,} copied referees", flush=True)
        return program
    if program is not None:
        _drop(program)
    started = time.perf_counter()
    program = _make(referees, referrers)
    print(f"setup: {referees:,} referees of {referrers:,} referrers in {time.perf_counter() - started:.1f} s")
    return program


def _make(referees: int, referrers: int):
    from django.db import connection, transaction

    from campaigns.models import Customer, Publication, Voucher
    from campaigns.services.campaigns import create_campaign
    from campaigns.services.publications import publish
    from campaigns.services.requests import Discount, PublicationRequest, ReferralSettings, VoucherTemplate
    from customers.services import CustomEvent, track_custom_event
    from loyalty.models import Reward
    from referrals.models import Referral, ReferralReward, Referrer
    from referrals.services.tiers import create_tier
    from voucherhub.caller import Caller

    caller = Caller.system("bench")
    with transaction.atomic():
        program = create_campaign(
            caller=caller, name=NAME, campaign_type="REFERRAL_PROGRAM", vouchers_count=1,
            voucher=VoucherTemplate(discount=Discount(type="PERCENT", percent_off=10)),
            referral=ReferralSettings(conversion_event_type="custom_event", custom_event="joined"),
        )  # fmt: skip
        reward = Reward.objects.create(name="Bench referral mug", type="MATERIAL")
        create_tier(caller=caller, program=program.pk, referrals=1, reward=reward.pk)
        create_tier(caller=caller, program=program.pk, referrals=100, reward=reward.pk)
        customer = {"source_id": f"{PREFIX}referrer"}
        code = publish(PublicationRequest(customer=customer, campaign=program.pk), caller=caller).vouchers[0]
        event = CustomEvent(name="joined", customer={"source_id": f"{PREFIX}referee"}, referral_code=code.code)
        track_custom_event(event, caller=caller)
        referral = Referral.objects.get(campaign=program)
        referrer = Referrer.objects.get(campaign=program)
        granted = ReferralReward.objects.get(campaign=program)
        publication = Publication.objects.get(campaign=program)
        g, r = "g", f"(1 + g %% {referrers})"
        minutes = f"t.created_at - {g} * interval '1 minute'"
        referrer_id, referee_id = f"'cust_benchrefr' || {g}", f"'cust_benchrefe' || {g}"
        copies = (
            (Customer, code.holder_id, referrers, {"id": referrer_id, "source_id": f"'{PREFIX}r' || {g}",
                                                   "name": f"'Referrer ' || {g}", "created_at": minutes}),
            (Voucher, code.pk, referrers, {"id": f"'{PREFIX}v' || {g}", "code": f"'BR-' || {g}",
                                           "holder_id": referrer_id, "created_at": minutes}),
            (Publication, publication.pk, referrers, {"id": f"'{PREFIX}p' || {g}", "customer_id": referrer_id,
                                                      "source_id": "NULL", "created_at": minutes}),
            (Referrer, referrer.pk, referrers, {"id": f"'{PREFIX}rr' || {g}", "customer_id": referrer_id,
                                                "referrals": str(referees // referrers)}),
            (ReferralReward, granted.pk, referrers, {"id": f"'{PREFIX}w' || {g}", "customer_id": referrer_id,
                                                     "created_at": minutes}),
            (Customer, referral.referee_id, referees, {"id": referee_id, "source_id": f"'{PREFIX}e' || {g}",
                                                       "name": f"'Referee ' || {g}", "created_at": minutes}),
            (Referral, referral.pk, referees, {"id": f"'{PREFIX}f' || {g}", "voucher_id": f"'{PREFIX}v' || {r}",
                                               "referrer_id": f"'cust_benchrefr' || {r}", "referee_id": referee_id,
                                               "created_at": minutes}),
        )  # fmt: skip
        for model, template, count, replaced in copies:
            _copy(model, template, replaced, count)
    with connection.cursor() as cursor:
        for model in (Customer, Voucher, Publication, Referrer, ReferralReward, Referral):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')  # as autovacuum would leave them
    return program


def _drop(program) -> None:
    """An earlier run's program, its copies and their customers, by SQL."""
    from django.db import connection

    from auditlog.models import Event
    from campaigns.models import Customer, Publication, Voucher
    from referrals.models import Referral, ReferralReward, ReferralTier, Referrer

    through, publications = Publication.vouchers.through._meta.db_table, Publication._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{through}" WHERE "publication_id" IN (SELECT "id" FROM "{publications}"'
            ' WHERE "campaign_id" = %s)',
            [program.pk],
        )
        for model in (Event, Referral, ReferralReward, Referrer, ReferralTier, Publication, Voucher):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "campaign_id" = %s', [program.pk])
        cursor.execute(f'DELETE FROM "{Customer._meta.db_table}" WHERE "source_id" LIKE %s', [f"{PREFIX}%"])
    program.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referees", type=int, default=1_000_000)
    parser.add_argument("--referrers", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    setup_django()
    program = _program(args.referees, args.referrers, args.fresh)
    worst = worst_p95_as_admin([f"/campaigns/{program.pk}/{page}" for page in PAGES], args.runs)
    print(f"referral_dashboard: worst p95 {worst:.1f} ms over {args.runs} requests a page, {args.referees:,} referees")


if __name__ == "__main__":
    main()
