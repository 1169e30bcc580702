"""Formatting for the dashboard's templates: money in minor units, times shown locally with UTC on hover,
icons.

``{% load dashboard_tags %}`` then ``{{ redemption.amount|money }}``, ``{{ redemption.created_at|when }}``
(or ``{% when redemption.created_at %}``), ``{% icon "bell" %}``, and an id with its copy button
(``{% copy_id redemption.id %}``, or just the button: ``{% copy_button redemption.id %}``), a stored code in
words (``{{ session.status|label }}``) and a channel (``{% channel log.channel_type log.channel_id %}``). The
formatting itself is dashboard.formatting and dashboard.labels, which tables and admins import: one place
formats each, so every page agrees.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from dashboard import components, formatting, labels
from dashboard.formatting import DATETIME_FORMAT

register = template.Library()

register.filter("money", formatting.money)
register.filter("when", formatting.when)
register.filter("day", formatting.day)
register.filter("label", labels.label)
register.filter("channel_label", labels.channel_label)
register.filter("http_status", labels.http_status)
register.simple_tag(labels.channel, name="channel")
register.simple_tag(labels.duration, name="duration")


@register.simple_tag(name="when")
def when_tag(value, fmt: str = DATETIME_FORMAT):
    """The ``when`` filter as a tag, for templates that read better that way."""
    return formatting.when(value, fmt)


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


register.simple_tag(components.copy_id, name="copy_id")
register.simple_tag(components.copy_button, name="copy_button")
register.filter("truncated", components.truncated)
register.filter("id_text", components.id_text)
