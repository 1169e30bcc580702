"""Session expiry, the dashboard's release and the validation purge: periodic, idempotent, exact books."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import Event
from campaigns.models import Voucher
from redemptions import tasks
from redemptions.models import Redemption, Validation
from redemptions.services.redemption import redeem
from redemptions.services.retention import purge_validations
from redemptions.services.validation import validate
from sessions import services as session_services
from sessions import tasks as session_tasks
from sessions.models import ValidationSession
from tests.factories import make_gift_card, make_voucher, stack
from tests.redemptions.factories import body, voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("tests")


def locked_session(*codes: str, key: str, credits: int | None = None, **session) -> ValidationSession:
    redeemables = [voucher(code, gift={"credits": credits}) if credits else voucher(code) for code in codes]
    request = body(*redeemables, session={"type": "LOCK", "key": key, **session})
    fields = {k: request.get(k) for k in ("redeemables", "order", "customer", "session")}
    outcome = validate(stack(**fields), caller=CALLER)
    assert outcome.session is not None
    return outcome.session


def test_the_sweeper_expires_sessions_past_their_ttl_and_frees_their_locks_once():
    make_voucher(code="A", redemption_quantity=1)
    make_gift_card(code="CARD", amount=5_000)
    locked_session("A", "CARD", key="ssn_old", credits=2_000)
    locked_session("CARD", key="ssn_fresh", credits=1_000)
    ValidationSession.objects.filter(pk="ssn_old").update(expires_at=timezone.now() - timedelta(minutes=1))

    assert session_tasks.expire_sessions.delay().get() == 1
    assert session_services.expire_sessions() == 0  # twice is harmless

    old, fresh = ValidationSession.objects.get(pk="ssn_old"), ValidationSession.objects.get(pk="ssn_fresh")
    assert (old.status, old.release_reason) == ("EXPIRED", "EXPIRED") and old.released_at is not None
    assert fresh.status == "ACTIVE"
    a, card = Voucher.objects.get(code="A"), Voucher.objects.get(code="CARD")
    assert (a.locked_quantity, card.locked_quantity, card.locked_credits) == (0, 1, 1_000)
    assert Event.objects.filter(type="session.released", resource_id="ssn_old").count() == 1


def test_the_dashboard_releases_a_whole_session():
    make_voucher(code="A", redemption_quantity=1)
    make_voucher(code="B", redemption_quantity=1)
    locked_session("A", "B", key="ssn_cart")

    released = session_services.release_session(key="ssn_cart", caller=CALLER)
    again = session_services.release_session(key="ssn_cart", caller=CALLER)

    assert (released.status, released.release_reason) == ("RELEASED", "MANUAL")
    assert again.released_at == released.released_at
    assert set(Voucher.objects.values_list("locked_quantity", flat=True)) == {0}


def test_a_session_overridden_with_a_new_ttl_is_not_expired_by_a_stale_sweep():
    make_voucher(code="A", redemption_quantity=1)
    locked_session("A", key="ssn_renewed", ttl=1, ttl_unit="HOURS")

    assert session_services.expire_sessions(timezone.now() + timedelta(minutes=30)) == 0
    assert session_services.expire_sessions(timezone.now() + timedelta(hours=2)) == 1
    assert Voucher.objects.get(code="A").locked_quantity == 0


def test_a_write_the_database_refuses_fails_the_call_like_a_check_and_keeps_nothing_of_the_success():
    """The checks read rows under locks, so only books already out of balance reach the database's
    constraints (the last line of defence); the call then fails with the code the constraint stands for."""
    make_voucher(code="A", redemption_quantity=1)
    locked_session("A", key="ssn_stale")
    # Out of balance: the session is closed, yet its lock still counts on the voucher.
    ValidationSession.objects.filter(pk="ssn_stale").update(
        status="RELEASED", release_reason="MANUAL", released_at=timezone.now()
    )
    request = body(voucher("A"), session={"key": "ssn_stale"})

    outcome = redeem(
        stack(**{k: request.get(k) for k in ("redeemables", "order", "customer", "session")}), caller=CALLER
    )

    assert outcome.error is not None and outcome.error.key == "quantity_exceeded"
    assert outcome.redemptions == [] and outcome.parent is None
    assert list(Redemption.objects.values_list("result", "failure_code")) == [("FAILURE", "quantity_exceeded")]
    a = Voucher.objects.get(code="A")
    assert (a.redeemed_quantity, a.locked_quantity) == (0, 1)
    assert outcome.order is not None and outcome.order.status == "CREATED"
    assert not Event.objects.filter(type__in=["redemption.succeeded", "session.released"]).exists()
    assert Event.objects.filter(type="redemption.failed").count() == 1
    # The refused write ended its round trip early (on PostgreSQL, a pipeline of prepared statements): the
    # connection's next call runs the same statements as if nothing had happened.
    make_voucher(code="B")
    again = redeem(stack(redeemables=[voucher("B")], order={"amount": 1_000}), caller=CALLER)
    assert again.error is None and again.redemptions[0].voucher_code == "B"


def test_validations_older_than_thirty_days_are_purged_idempotently():
    make_voucher(code="A")
    for _ in range(3):
        validate(stack(redeemables=[voucher("A")], order={"amount": 1_000}), caller=CALLER)
    old = list(Validation.objects.values_list("pk", flat=True)[:2])
    Validation.objects.filter(pk__in=old).update(created_at=timezone.now() - timedelta(days=31))

    assert tasks.purge_validations.delay().get() == 2
    assert purge_validations() == 0
    assert Validation.objects.count() == 1
