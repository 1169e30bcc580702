"""What a redemption and a rollback cost the database, statement by statement (PostgreSQL).

The hot path is written to a budget (bench/README.md): each lock is one statement, and a redemption's
writes travel together in one round trip (voucherhub.hotsql.batch). These tests name every statement the
engine sends, so a change that adds one (an ORM lazy load, a write outside the batch) fails here and has
to say why. SAVEPOINTs are left out: they come from the test's own transaction around the call.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redemptions.services.redemption import RedemptionOutcome, redeem
from redemptions.services.requests import RollbackRequest
from redemptions.services.rollback import rollback_redemption
from redemptions.services.validation import validate
from stacking.models import StackingRules
from tests.factories import make_customer, make_gift_card, make_voucher, stack
from voucherhub.caller import Caller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CALLER = Caller.system("tests")


def named(sql: str) -> str:
    """``SELECT campaigns_voucher FOR UPDATE``, ``INSERT redemptions_redemption``: verb, table and lock."""
    verb = sql.split(" ", 1)[0]
    while "(SELECT " in sql:  # subqueries (the rule flags' EXISTS) name other tables
        sql = re.sub(r"\(SELECT [^()]*\)", "", sql)
    table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql).group(1)
    return f"{verb} {table}" + (" FOR UPDATE" if " FOR UPDATE" in sql else "")


def round_trips(run) -> list[str]:
    """What ``run()`` sends, one entry per round trip; the statements of one round trip joined by `` + ``."""
    with CaptureQueriesContext(connection) as captured:
        run()
    sent = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return [" + ".join(named(part) for part in re.split(r"; (?=INSERT|UPDATE|SELECT)", sql)) for sql in sent]


def redeem_now(*redeemables: dict, customer) -> RedemptionOutcome:
    request = stack(redeemables=list(redeemables), order={"amount": 10_000}, customer={"source_id": customer.source_id})
    return redeem(request, caller=CALLER)


def voucher(code: str, **extra) -> dict:
    return {"object": "voucher", "id": code, **extra}


@pytest.fixture
def customer():
    StackingRules.load()  # the row exists: reading it is one SELECT (cached per process outside transactions)
    return make_customer()


ENGINE_START = ["SELECT stacking_stackingrules", "SELECT campaigns_customer FOR UPDATE"]
# Every event under a webhook name queues its deliveries right after it (outbound.services.queueing): one
# INSERT ... SELECT, in the same round trip when the writes are batched.
OUTBOX = "INSERT outbound_delivery"
# The order paid: the customer's loyalty cards whose programs have earning rules, locked (loyalty.statements).
EARNING = "SELECT loyalty_earningrule FOR UPDATE"


def test_a_redemption_locks_the_customer_and_the_voucher_and_sends_its_writes_in_one_round_trip(customer):
    make_voucher(code="ONE")

    trips = round_trips(lambda: redeem_now(voucher("ONE"), customer=customer))

    assert trips == [
        *ENGINE_START,
        "SELECT campaigns_voucher FOR UPDATE",
        EARNING,
        "INSERT campaigns_order + INSERT redemptions_redemption + UPDATE campaigns_voucher + INSERT auditlog_event"
        f" + {OUTBOX}",
    ]


def test_a_members_redemption_adds_its_points_to_the_same_round_trip(customer):
    from loyalty.services.earning_rules import create_rules
    from loyalty.services.programs import add_member, create_program

    make_voucher(code="EARN")
    club = create_program(caller=CALLER, name="Club")
    create_rules(
        caller=CALLER, program=club.pk, rules=[{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}]
    )
    add_member(caller=CALLER, program=club.pk, customer={"id": customer.pk})

    trips = round_trips(lambda: redeem_now(voucher("EARN"), customer=customer))

    assert trips == [
        *ENGINE_START,
        "SELECT campaigns_voucher FOR UPDATE",
        EARNING,
        f"INSERT campaigns_order + INSERT redemptions_redemption + UPDATE campaigns_voucher + INSERT auditlog_event"
        f" + {OUTBOX} + INSERT loyalty_pointstransaction + INSERT auditlog_event + {OUTBOX}"
        " + UPDATE loyalty_loyaltycard",
    ]


def test_a_stacked_redemption_with_a_gift_card_adds_only_the_card_s_ledger_row(customer):
    make_voucher(code="TWO")
    make_gift_card(code="CARD", amount=5_000)

    trips = round_trips(lambda: redeem_now(voucher("TWO"), voucher("CARD", gift={"credits": 1_000}), customer=customer))

    assert trips == [
        *ENGINE_START,
        "SELECT campaigns_voucher FOR UPDATE",  # both vouchers, in primary-key order
        "INSERT campaigns_vouchertransaction",
        EARNING,
        "INSERT campaigns_order + INSERT redemptions_redemption + INSERT auditlog_event"  # the parent (internal)
        f" + INSERT redemptions_redemption + UPDATE campaigns_voucher + INSERT auditlog_event + {OUTBOX}"  # each child
        f" + UPDATE campaigns_voucher + INSERT auditlog_event + {OUTBOX}",
    ]


def test_a_validation_reads_the_voucher_without_locking_it(customer):
    make_voucher(code="CHECK")
    request = stack(
        redeemables=[voucher("CHECK")], order={"amount": 10_000}, customer={"source_id": customer.source_id}
    )

    trips = round_trips(lambda: validate(request, caller=CALLER))

    assert trips == [
        *ENGINE_START,
        "SELECT campaigns_voucher",
        "INSERT campaigns_order + INSERT redemptions_validation + INSERT auditlog_event",
    ]


def test_a_rollback_locks_the_voucher_then_the_redemption_and_gives_the_use_back(customer):
    make_voucher(code="BACK")
    redemption = redeem_now(voucher("BACK"), customer=customer).redemptions[0]

    trips = round_trips(lambda: rollback_redemption(RollbackRequest(redemption.pk), caller=CALLER))

    assert trips == [
        "SELECT redemptions_redemption",  # the redemption and what its request is checked against
        "SELECT redemptions_redemption",  # its voucher
        "SELECT campaigns_voucher FOR UPDATE",
        "SELECT redemptions_redemption FOR UPDATE",
        "SELECT campaigns_order",
        "INSERT redemptions_rollback",
        "UPDATE campaigns_voucher",
        "UPDATE redemptions_redemption",
        "UPDATE campaigns_order",
        "INSERT auditlog_event",
        OUTBOX,
    ]


def test_a_stacked_rollback_gives_each_voucher_its_use_and_the_card_its_credits(customer):
    make_voucher(code="PAIR")
    make_gift_card(code="GIFT", amount=5_000)
    parent = redeem_now(voucher("PAIR"), voucher("GIFT", gift={"credits": 1_000}), customer=customer).parent

    trips = round_trips(lambda: rollback_redemption(RollbackRequest(parent.pk, stacked=True), caller=CALLER))

    assert trips == [
        "SELECT redemptions_redemption",
        "SELECT redemptions_redemption",  # the children
        "SELECT redemptions_redemption",  # their vouchers
        "SELECT campaigns_voucher FOR UPDATE",
        "SELECT redemptions_redemption FOR UPDATE",
        "SELECT campaigns_order",
        "INSERT redemptions_rollback",  # the parent rollback
        "INSERT redemptions_rollback",  # the card's (children newest first)
        "UPDATE campaigns_voucher",
        "INSERT campaigns_vouchertransaction",
        "UPDATE redemptions_redemption",
        "INSERT redemptions_rollback",  # the voucher's
        "UPDATE campaigns_voucher",
        "UPDATE redemptions_redemption",
        "UPDATE redemptions_redemption",  # the parent
        "UPDATE campaigns_order",
        "INSERT auditlog_event",
        OUTBOX,
        "INSERT auditlog_event",
        OUTBOX,
        "INSERT auditlog_event",
        OUTBOX,
    ]


def prepared_statements() -> set[str]:
    """The statements this connection holds prepared, as ``named`` names them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {named(sql) for (sql,) in cursor.fetchall()}


def test_the_hot_statements_are_prepared_once_per_connection_and_reused(customer):
    make_voucher(code="FIRST")
    make_voucher(code="SECOND")
    redeem_now(voucher("FIRST"), customer=customer)
    prepared = prepared_statements()

    assert {"SELECT campaigns_customer FOR UPDATE", "SELECT campaigns_voucher FOR UPDATE", EARNING} <= prepared
    assert {"INSERT campaigns_order", "INSERT redemptions_redemption", "UPDATE campaigns_voucher"} <= prepared

    outcome = redeem_now(voucher("SECOND"), customer=customer)

    assert outcome.error is None and outcome.redemptions[0].voucher_code == "SECOND"
    assert prepared_statements() == prepared  # the second call ran the same prepared statements


def test_with_prepared_statements_off_a_redemption_prepares_nothing_and_still_sends_one_round_trip(customer, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False  # a PgBouncer without prepared-statement support
    make_voucher(code="PLAIN")
    before = prepared_statements()

    trips = round_trips(lambda: redeem_now(voucher("PLAIN"), customer=customer))

    assert trips[-1] == (
        "INSERT campaigns_order + INSERT redemptions_redemption + UPDATE campaigns_voucher + INSERT auditlog_event"
        f" + {OUTBOX}"
    )
    assert prepared_statements() == before
