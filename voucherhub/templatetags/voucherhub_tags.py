"""Formatting for the dashboard: money in minor units, times shown locally with UTC on hover, icons.

``{% load voucherhub_tags %}`` then ``{{ redemption.amount|money }}``, ``{{ redemption.created_at|when }}``
(or ``{% when redemption.created_at %}``) and ``{% icon "bell" %}``. One place formats each, so every page
agrees.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()

EMPTY = "—"
DATETIME_FORMAT = "M j, Y, H:i:s"  # Django date format: "Nov 24, 2025, 10:22:05"


@register.filter
def money(value) -> str:
    """Integer minor units as an amount: 200000 -> "2,000.00", -150 -> "-1.50", None -> "—".

    Anything that is not a whole number is shown as it is rather than guessed at.
    """
    if value is None or value == "":
        return EMPTY
    try:
        minor = Decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        return str(value)
    if minor != minor.to_integral_value():
        return str(value)
    return f"{minor / 100:,.2f}"


@register.filter
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
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        date_format(timezone.localtime(value), fmt),
    )


@register.simple_tag(name="when")
def when_tag(value, fmt: str = DATETIME_FORMAT):
    """The ``when`` filter as a tag, for templates that read better that way."""
    return when(value, fmt)


ICON_SPRITE = "vendor/bootstrap-icons/icons.svg"  # the Bootstrap Icons we use (static/vendor/README.md)


@register.simple_tag
def icon(name: str, css_class: str = ""):
    """An inline Bootstrap Icon from our sprite; decorative, so hidden from screen readers."""
    return format_html(
        '<svg class="bi{}" width="1em" height="1em" aria-hidden="true" focusable="false">'
        '<use href="{}#{}"></use></svg>',
        f" {css_class}" if css_class else "",
        static(ICON_SPRITE),
        name,
    )
