"""Money and times as the dashboard shows them, in one place so every page (and the admin) agrees.

- ``money``: integer minor units of the installation's currency (settings.VOUCHERHUB_CURRENCY) as an amount
  with its sign, formatted by Babel for the locale (200000 -> "€2,000.00"; a currency without minor units,
  such as JPY, has as many decimals as ISO 4217 gives it: 200000 -> "¥200,000").
- ``when``: a ``<time>`` in the viewer's time zone (activated by dashboard.timezones.TimeZoneMiddleware)
  with the UTC time in its ``title``; ``day``: a calendar day (a date column: the day points expire or
  become usable), in the same words without a clock.
- ``minor_digits`` / ``to_minor``: the currency's minor-unit exponent (ISO 4217, from Babel: 2 for EUR, 0 for
  JPY) and an amount typed in major units as minor units, the other direction of ``money``.
- ``money_column``: an admin ``list_display`` entry formatting a minor-units field with ``money``.

Templates use them through ``{% load dashboard_tags %}`` (dashboard.templatetags.dashboard_tags);
tables and admins import them from here.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision
from django.conf import settings
from django.contrib import admin
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

EMPTY = "—"
DATETIME_FORMAT = "M j, Y, H:i:s"  # Django date format: "Nov 24, 2025, 10:22:05"
DATE_FORMAT = "M j, Y"  # "Nov 24, 2025"


def money(value, currency: str | None = None) -> str:
    """Integer minor units as an amount in ``currency`` (the installation's by default), for the locale:
    200000 -> "€2,000.00", -150 -> "-€1.50", None -> "—".

    Anything that is not a whole number is shown as it is rather than guessed at.
    """
    if value is None or value == "":
        return EMPTY
    try:
        minor = Decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        return str(value)
    if not minor.is_finite() or minor != minor.to_integral_value():
        return str(value)
    return _formatter(translation.get_language() or settings.LANGUAGE_CODE, currency or settings.VOUCHERHUB_CURRENCY)(
        minor
    )


def minor_digits(currency: str | None = None) -> int:
    """How many decimals the currency's amounts have (ISO 4217, from Babel): 2 for EUR, 0 for JPY."""
    return get_currency_precision(currency or settings.VOUCHERHUB_CURRENCY)


def to_minor(major: Decimal, currency: str | None = None) -> Decimal:
    """An amount in major units as minor units of the currency (``100.5`` EUR -> 10050, ``100`` JPY -> 100);
    not a whole number when ``major`` has more decimals than the currency."""
    return major.scaleb(minor_digits(currency))


def major_text(minor: int, currency: str | None = None) -> str:
    """Minor units as the plain number a person types in major units (10000 EUR -> "100.00", JPY -> "10000"):
    for input examples; amounts shown to read go through :func:`money`."""
    digits = minor_digits(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


@lru_cache(maxsize=64)
def _formatter(language: str, currency: str) -> Callable[[Decimal], str]:
    """Babel's currency format for the language, compiled once (a list page formats hundreds of amounts)."""
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en_US")
    pattern = locale.currency_formats["standard"]
    digits = get_currency_precision(currency)
    return lambda minor: pattern.apply(minor.scaleb(-digits), locale, currency=currency, currency_digits=True)


def when(value, fmt: str = DATETIME_FORMAT):
    """A ``<time>`` in the viewer's time zone (Django's current zone) with the UTC time in ``title``.

    Naive datetimes are taken as UTC, which is how everything is stored. Non-datetimes pass through.
    """
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, datetime):
        return value
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    local = timezone.localtime(value)
    # The date and the clock on one line (static/css/times.css keeps the whole <time> from wrapping).
    date_part, _, clock = date_format(local, fmt).rpartition(", ") if fmt == DATETIME_FORMAT else ("", "", "")
    text = (
        format_html('<span class="vh-date">{},</span> <span class="vh-clock">{}</span>', date_part, clock)
        if date_part
        else format_html('<span class="vh-date">{}</span>', date_format(local, fmt))
    )
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        text,
    )


def day(value):
    """A calendar day as the dashboard writes dates ("Dec 31, 2026"), in a ``<time>`` with the ISO date.
    A day has no time zone: it is the same day for every viewer. Datetimes go through :func:`when`."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        return when(value)
    if not isinstance(value, date):
        return value
    return format_html('<time datetime="{}"><span class="vh-date">{}</span></time>', value.isoformat(),
                       date_format(value, DATE_FORMAT))  # fmt: skip


def money_column(field: str, description: str):
    """A ``list_display`` entry that formats a minor-units field like the dashboard (200000 -> €2,000.00)."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return money(getattr(obj, field))

    column.__name__ = f"{field}_money"
    return column
