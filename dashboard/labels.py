"""Stored codes in words, as every dashboard page shows them: a status ("ROLLED_BACK" -> "Rolled back") and
a channel ("USER" -> "Dashboard user", with the API key's or the user's name under it).

The codes stay what they are in the database, the API and CSV exports (their wire contract); only pages
use these. Templates use them through ``{% load dashboard_tags %}`` (the ``label`` filter and the
``channel`` tag); tables import them from here.
"""

from decimal import Decimal, InvalidOperation
from http import HTTPStatus

from django.utils.html import format_html
from django.utils.safestring import SafeString

from voucherhub.models import ChannelType

from .formatting import EMPTY

CHANNEL_LABELS = {ChannelType.API: "API", ChannelType.USER: "Dashboard user"}
# What a periodic task or a command did: stored as the dashboard's channel without a user (Caller.system).
AUTOMATION = "AUTOMATION"


def label(code) -> str:
    """A stored code in words: "ROLLED_BACK" -> "Rolled back", "APPLICABLE" -> "Applicable", "" -> "—".

    The same words as the models' choices (``RedemptionStatus.ROLLED_BACK.label`` is "Rolled back"),
    also for codes that have no choices (a validation's redeemable status)."""
    text = str(code or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else EMPTY


def http_status(code) -> str:
    """An HTTP status with its phrase, the number first: 200 -> "200 OK", 400 -> "400 Bad Request"; a number
    HTTP does not name stays a number."""
    try:
        return f"{code} {HTTPStatus(int(code)).phrase}"
    except (TypeError, ValueError):
        return str(code) if code not in (None, "") else EMPTY


def duration(amount, unit) -> str:
    """An amount of a stored time unit in words: (7, "DAYS") -> "7 days", (1, "HOURS") -> "1 hour",
    (Decimal("1.500000000"), "MINUTES") -> "1.5 minutes"."""
    try:
        number = Decimal(str(amount)).normalize()
    except (InvalidOperation, ValueError):
        return EMPTY
    if not number.is_finite():
        return EMPTY
    words = label(unit).lower()
    if number == 1 and words.endswith("s"):
        words = words[:-1]
    return f"{format(number, 'f')} {words}"


def channel_label(channel_type) -> str:
    """Who made a call, in words: "API", "Dashboard user" or (:data:`AUTOMATION`) "Automation"."""
    return CHANNEL_LABELS.get(channel_type, label(channel_type))


def event_channel_type(event) -> str:
    """An event's channel kind: :data:`AUTOMATION` for the dashboard's channel without a user."""
    return AUTOMATION if event.channel_type == ChannelType.USER and event.user_id is None else event.channel_type


def channel(channel_type, channel_id) -> SafeString:
    """A channel as every page shows it: its kind ("Dashboard user", kept on one line where a list gives it
    the room: static/css/events.css), and under it its name (the API key's, such as "Web shop", or the
    dashboard user's)."""
    return format_html(
        '<span class="vh-channel-kind">{}</span><div class="small text-secondary" data-testid="channel-name">{}</div>',
        channel_label(channel_type),
        channel_id or EMPTY,
    )


def channel_from_label(value: str) -> str | None:
    """The channel type a filter value names, by its code or its label ("user", "Dashboard user"), else None."""
    wanted = value.strip().lower()
    for code, text in CHANNEL_LABELS.items():
        if wanted in (code.lower(), text.lower()):
            return code
    return None
