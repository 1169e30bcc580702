"""The Stacking Rules simulator (redemptions.simulator), a panel of the Stacking Rules tab: the engine's
verdict on a stack, in the tab's page and URL, writing nothing."""

import re
from datetime import timedelta

import pytest

from auditlog.models import Event
from campaigns.models import Customer, Order, Voucher
from redemptions.models import Redemption, Validation
from redemptions.services.requests import RedeemableRef
from redemptions.simulator import simulate
from sessions.models import SessionLock, ValidationSession
from stacking import engine
from stacking.models import Category, StackingRules
from tests.factories import make_voucher, now

pytestmark = pytest.mark.django_db

URL = "/redemptions/stacking-rules/"


def _scenario():
    exclusive = Category.objects.create(name="Exclusive", hierarchy=1, stacking_rules_type="EXCLUSIVE")
    make_voucher(code="EXCL20", percent_off=20, category=exclusive)
    make_voucher(code="REG10", percent_off=10, redemption_quantity=5)
    make_voucher(code="OLD", expiration_date=now() - timedelta(days=1))
    StackingRules.objects.update_or_create(pk=1, defaults={"redeemables_application_mode": "PARTIAL"})


def _counters():
    return sorted(Voucher.objects.values_list("code", "redeemed_quantity", "locked_quantity", "locked_credits"))


def _row_counts():
    models = (Redemption, Validation, SessionLock, ValidationSession, Order, Customer, Event)
    return {m.__name__: m.objects.count() for m in models}


def test_simulator_matches_the_engine_and_writes_nothing():
    _scenario()
    counters, rows = _counters(), _row_counts()
    redeemables = [RedeemableRef("voucher", c) for c in ("REG10", "EXCL20", "OLD", "NOPE")]
    sim = simulate(redeemables=redeemables, amount=10_000, customer_source_id="shopper-1")
    by_id = {line.id: line for line in sim.redeemables}
    assert [line.id for line in sim.redeemables] == ["REG10", "EXCL20", "OLD", "NOPE"]
    assert by_id["EXCL20"].status == engine.Status.APPLICABLE and by_id["EXCL20"].discount_amount == 2_000
    assert by_id["REG10"].status == engine.Status.SKIPPED
    assert by_id["REG10"].skip_reason == engine.SkipReason.EXCLUSION_RULES_NOT_MET
    assert (by_id["OLD"].status, by_id["OLD"].failure_code, by_id["OLD"].failure_message) == (
        "INAPPLICABLE", "voucher_expired", "Voucher expired",
    )  # fmt: skip
    assert by_id["NOPE"].failure_code == "resource_not_found"
    assert (sim.stack.valid, sim.stack.total_discount_amount, sim.stack.total_amount) == (True, 2_000, 8_000)
    assert sim.notes  # the unknown customer is said, not created
    assert _counters() == counters and _row_counts() == rows


def test_simulator_in_the_page(client, role_user):
    _scenario()
    client.force_login(role_user("Marketer"))
    counters, rows = _counters(), _row_counts()
    response = client.get(
        URL,
        {"redeemables": "REG10, EXCL20\nOLD", "amount": "100.00", "customer": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="simulator-result",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="simulator-body"')
    statuses = re.findall(r'<tr data-redeemable="([^"]+)">.*?<span class="badge [^"]+">(\w+)</span>', html, re.S)
    assert statuses == [("REG10", "Skipped"), ("EXCL20", "Applicable"), ("OLD", "Inapplicable")]
    assert "The voucher or its campaign has expired." in html
    assert "Not applied: an exclusive redeemable in this stack excludes" in html
    assert "100.00" in html and "80.00" in html  # "100.00" is major units: 10000 minor
    assert _counters() == counters and _row_counts() == rows


def test_simulator_all_mode_skips_the_rest(client, role_user):
    _scenario()
    StackingRules.objects.filter(pk=1).update(redeemables_application_mode="ALL")
    client.force_login(role_user("Admin"))
    response = client.get(URL, {"redeemables": "REG10\nOLD", "amount": "50"})
    sim = response.context["simulation"]
    assert [line.status for line in sim.redeemables] == ["SKIPPED", "INAPPLICABLE"]
    assert sim.redeemables[0].skip_reason == "preceding_validation_failed"
    assert sim.stack.valid is False and sim.stack.initial_amount == 5_000


@pytest.mark.parametrize(
    "data, message",
    [
        ({"redeemables": " , ", "amount": "100"}, "Enter at least one"),
        ({"redeemables": "A", "amount": "1.234"}, "At most two decimal places"),
        ({"redeemables": "A", "amount": "-1"}, "0 or more"),
        ({"redeemables": "A", "amount": "ten"}, "Enter an amount, such as 100.00"),
        ({"redeemables": "A A", "amount": "100"}, "was sent twice"),
    ],
)
def test_simulator_input_errors(client, role_user, data, message):
    client.force_login(role_user("Marketer"))
    response = client.get(URL, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="simulator-result")
    assert response.status_code == 200 and message in response.content.decode()


@pytest.mark.parametrize(("typed", "amount"), [("1200", 1_200), ("1200.00", 1_200), ("1,200", 1_200)])
def test_simulator_reads_a_yen_amount_as_yen_whatever_its_decimal_point(client, role_user, settings, typed, amount):
    settings.VOUCHERHUB_CURRENCY = "JPY"
    _scenario()
    client.force_login(role_user("Marketer"))
    response = client.get(URL, {"redeemables": "REG10", "amount": typed})
    assert response.context["simulation"].stack.initial_amount == amount


def test_simulator_refuses_a_fraction_of_a_yen(client, role_user, settings):
    settings.VOUCHERHUB_CURRENCY = "JPY"
    client.force_login(role_user("Marketer"))
    response = client.get(URL, {"redeemables": "A", "amount": "1200.5"})
    assert "JPY has no minor units: enter a whole number." in response.content.decode()


def test_simulator_errors_name_their_field(client, role_user):
    client.force_login(role_user("Marketer"))
    response = client.get(
        URL, {"redeemables": "", "amount": "abc"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="simulator-result"
    )
    html = response.content.decode()
    assert "<strong>Codes and promotion tier ids:</strong> Enter at least one code or promotion tier id." in html
    assert "<strong>Order amount:</strong> Enter an amount, such as 100.00" in html


def test_simulator_needs_the_view_permission(client, role_user):
    client.force_login(role_user("Staff"))
    assert client.get(URL, {"redeemables": "A", "amount": "100"}).status_code == 403
