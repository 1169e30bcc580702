"""Money and times as every dashboard page shows them (dashboard.formatting and its template tags)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation

from dashboard.formatting import major_text, money, to_minor, when


@pytest.mark.parametrize(
    ("minor_units", "shown"),
    [
        (200000, "€2,000.00"),
        (0, "€0.00"),
        (5, "€0.05"),
        (-150, "-€1.50"),
        (-200000, "-€2,000.00"),
        (123456789, "€1,234,567.89"),
        (None, "—"),
        ("", "—"),
        ("n/a", "n/a"),
        (1.5, "1.5"),
    ],
)
def test_money_shows_minor_units_in_the_installation_currency_eur_by_default(minor_units, shown):
    assert money(minor_units) == shown


@pytest.mark.parametrize(
    ("currency", "minor_units", "shown"),
    [
        ("USD", 10678600, "$106,786.00"),
        ("PLN", 10678600, "PLN106,786.00"),  # en-US names a currency without a sign of its own by its code
        ("GBP", -150, "-£1.50"),
        ("JPY", 10678600, "¥10,678,600"),  # no minor units: one yen is one unit
        ("KWD", 1500, "KWD1.500"),  # three decimals
    ],
)
def test_money_follows_the_installation_currency_and_its_decimals(currency, minor_units, shown):
    with override_settings(VOUCHERHUB_CURRENCY=currency):
        assert money(minor_units) == shown


@pytest.mark.parametrize(
    ("currency", "typed", "minor_units", "example"),
    [
        ("EUR", "100.5", 10050, "100.00"),
        ("JPY", "1200", 1200, "10000"),  # no minor units: a yen typed is a yen stored
        ("KWD", "1.5", 1500, "10.000"),  # three decimals
    ],
)
def test_amounts_typed_in_major_units_become_minor_units_by_the_currencys_exponent(
    currency, typed, minor_units, example
):
    with override_settings(VOUCHERHUB_CURRENCY=currency):
        assert to_minor(Decimal(typed)) == minor_units
        assert major_text(10_000) == example
        assert money(int(to_minor(Decimal(typed)))) == money(minor_units)


def test_money_is_formatted_for_the_active_locale():
    with translation.override("de"):
        assert money(10678600) == "106.786,00\xa0€"


def test_money_filter_in_a_template():
    html = Template("{% load dashboard_tags %}{{ amount|money }}").render(Context({"amount": 200000}))
    assert html == "€2,000.00"


@override_settings(TIME_ZONE="Europe/Warsaw")
def test_times_show_in_the_viewers_zone_with_utc_on_hover():
    moment = datetime(2025, 1, 15, 9, 30, 5, tzinfo=UTC)
    with timezone.override("Europe/Warsaw"):
        html = str(when(moment))
        tag = Template("{% load dashboard_tags %}{% when moment %}").render(Context({"moment": moment}))
    assert html == (
        '<time datetime="2025-01-15T09:30:05Z" title="2025-01-15 09:30:05 UTC">'
        '<span class="vh-date">Jan 15, 2025,</span> <span class="vh-clock">10:30:05</span></time>'
    )
    assert tag == html
    assert when(None) == "—"
