"""An event in words, as every dashboard page shows it: one sentence from its type and data.

The engine, the API and the audit log speak in event keys (``redemption.succeeded``) with JSON data; a
person reads "Voucher SUMMER10 redeemed for €5.00.". The key and the data stay in the database and the API;
pages show :func:`sentence`, and keep the raw event ("Technical details") for those who look after the
integration (:func:`can_see_technical_details`). A type without its own sentence reads as its words
("stacking_rules.updated" -> "Stacking rules updated."). A customer is never named here: pages that may
show customers do so elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.components import copy_id, copyable_ids
from dashboard.formatting import money
from dashboard.labels import duration, label
from voucherhub.privacy import shown_json

# Who may read an event's raw data: those who manage the API keys (the Admin role; README, "Roles").
TECHNICAL_DETAILS = "voucherhub.view_apikey"


def can_see_technical_details(user) -> bool:
    return bool(user is not None and user.has_perm(TECHNICAL_DETAILS))


def _redeemable(data: dict, tiers: Mapping[str, str] | None = None, *, prefix: str = "") -> str:
    """ "voucher SUMMER10" or "promotion tier Silver members", from an event's ``object`` and ``id`` (or
    ``failed_object`` and ``failed_id`` with ``prefix`` "failed_"): a tier by its name (``tiers``, tier id ->
    name read once for the page, else the name the event stored), an older event's tier by its id."""
    kind = str(data.get(f"{prefix}object") or "voucher")
    ref = str(data.get(f"{prefix}id") or "")
    if kind == "promotion_tier":
        ref = (tiers or {}).get(ref) or str(data.get(f"{prefix}name") or "") or ref
    return f"{label(kind).lower()} {ref}".strip()


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _why(code: Any, reason: Callable[[str], str] | None) -> str:
    """Why something failed, to follow a colon: the page's sentence for the code when it has one
    (``reason``, e.g. stacking.reasons.sentence, which this app cannot import), else the code in words."""
    if not code:
        return "no reason given"
    text = (reason(str(code)) if reason else "") or label(code).lower()
    return text[:1].lower() + text[1:].rstrip(".")


def _count(value: Any, noun: str) -> str:
    number = value if isinstance(value, int) else 0
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _codes(data: dict) -> str:
    codes = data.get("codes") or [lock.get("code") for lock in data.get("locks") or [] if isinstance(lock, dict)]
    return ", ".join(str(code) for code in codes if code) or "no voucher"


def _session_created(data: dict) -> str:
    ttl = duration(data.get("ttl"), data.get("ttl_unit") or "")
    expires = f"; it expires after {ttl}" if data.get("ttl") and data.get("ttl_unit") else ""
    return f"Session {data.get('key', '')} locks {_codes(data)}{expires}."


# How a session was released (sessions.models.ReleaseReason, which this app cannot import).
RELEASED_HOW = {
    "MANUAL": "in the dashboard",
    "API": "by the shop's system",
    "REDEEMED": "on redemption",
    "EXPIRED": "on expiry",
}


def _released_how(reason: Any) -> str:
    return RELEASED_HOW.get(str(reason or "").upper(), f"({label(reason).lower()})")


# A validated redeemable's status as the end of its sentence ("Voucher TEN was validated and is applicable").
VALIDATED_AS = {
    "APPLICABLE": "was validated and is applicable",
    "INAPPLICABLE": "was validated and is not applicable",
    "SKIPPED": "was skipped in the validation",
}


def _validated(data: dict, why: str, tiers: Mapping[str, str]) -> str:
    status = str(data.get("status") or "").upper()
    outcome = VALIDATED_AS.get(status, f"was validated: {label(status).lower()}")
    because = f": {why}" if data.get("failure_code") else ""
    return f"{_upper_first(_redeemable(data, tiers))} {outcome}{because}."


def _redeemed(data: dict, tiers: Mapping[str, str]) -> str:
    amount = data.get("amount")
    return f"{_upper_first(_redeemable(data, tiers))} redeemed{f' for {money(amount)}' if amount else ''}."


def _redemption_failed(data: dict, why: str, tiers: Mapping[str, str]) -> str:
    """As the redemption pages say it: a failed stack's parent counts its redeemables; an attempt of a
    failed stack that did not fail itself names the one that did (events since ``failed_id`` was stored;
    older ones read as a failure of their own)."""
    if data.get("stacked") and not data.get("id"):
        return f"Stacked redemption of {_count(data.get('stacked'), 'redeemable')} failed: {why}."
    if data.get("failed_id"):
        failed = _redeemable(data, tiers, prefix="failed_")
        return f"{_upper_first(_redeemable(data, tiers))} not redeemed: {failed} failed."
    return f"Redemption of {_redeemable(data, tiers)} failed: {why}."


def _rolled_back(data: dict, tiers: Mapping[str, str]) -> str:
    """What a rollback gave back: gift credits to the card(s), and the discount that no longer holds. An
    event from before ``credits`` and ``discount`` were stored has its ``amount`` alone (minus the credits)."""
    credits = data.get("credits", -(data.get("amount") or 0))
    cards = "gift cards" if (data.get("gift_cards") or 0) > 1 else "gift card"
    parts = [f"{money(credits)} returned to the {cards}"] if credits else []
    if data.get("discount"):
        parts.append(f"its {money(data['discount'])} discount is cancelled")
    done = f"Redemption {data.get('redemption_id', '')} rolled back"
    return f"{done}: {' and '.join(parts)}." if parts else f"{done}."


def _published(codes: list) -> str:
    if len(codes) == 1:
        return f"Voucher {codes[0]} published."
    shown = ", ".join(str(code) for code in codes[:5]) + ("…" if len(codes) > 5 else "")
    return f"{_count(len(codes), 'code')} published: {shown}."


def _export_finished(data: dict) -> str:
    if data.get("error"):
        return f"Export failed: {data['error']}"
    return f"Export ready: {_count(data.get('rows'), 'row')}."


# Events that may say why something failed: (data, why, tier names) -> the sentence.
WITH_REASON: dict[str, Callable[[dict, str, Mapping[str, str]], str]] = {
    "redemption.failed": _redemption_failed,
    "redemption.rollback.failed": lambda d, why, _: (
        f"Rollback of redemption {d.get('redemption_id', '')} refused: {why}."
    ),
    "voucher.validated": _validated,
}

# Events that name a redeemable: (data, tier names) -> the sentence.
WITH_TIERS: dict[str, Callable[[dict, Mapping[str, str]], str]] = {
    "redemption.succeeded": _redeemed,
    "redemption.rollback.succeeded": _rolled_back,
}


def _points(value: Any) -> str:
    return _count(abs(value) if isinstance(value, int) else 0, "point")


def _pending(data: dict) -> str:
    return _count(data.get("points"), "pending point")


def _card(data: dict, what: str) -> str:
    """A loyalty card's change: "Card CLUB-7Q2M: 10 points added (Visit). Balance: 130 points." (the reason
    and the balance where the event has them)."""
    reason = f" ({data['reason']})" if data.get("reason") else ""
    balance = f" Balance: {_points(data['balance'])}." if isinstance(data.get("balance"), int) else ""
    return f"Card {data.get('code', '')}: {what}{reason}.{balance}"


# A loyalty card's events, under the platform's own names (its "aded" spelling included).
LOYALTY_SENTENCES: dict[str, Callable[[dict], str]] = {
    "voucher.loyalty_card.points_aded": lambda d: _card(
        d, f"{_points(d.get('points'))} {'transferred in' if d.get('transferred') else 'added'}"
    ),
    "voucher.loyalty_card.points_removed": lambda d: _card(d, f"{_points(d.get('points'))} taken"),
    "voucher.loyalty_card.points_transferred": lambda d: _card(
        d, f"{_points(d.get('points'))} transferred to card {d.get('to', '')}"
    ),
    "voucher.loyalty_card.points_expired": lambda d: _card(d, f"{_points(d.get('points'))} expired"),
    "customer.rewarded.loyalty_points": lambda d: _card(d, f"{_points(d.get('points'))} earned"),
    "voucher.loyalty_card.pending_points.aded": lambda d: _card(
        d, f"{_points(d.get('points'))} earned, pending until they become usable"
    ),
    "voucher.loyalty_card.pending_points.activated": lambda d: _card(d, f"{_pending(d)} became usable"),
    "voucher.loyalty_card.pending_points.canceled": lambda d: _card(d, f"{_pending(d)} canceled"),
    "voucher.loyalty_card.pending_points.updated": lambda d: _card(
        d, f"pending points changed to {d.get('points', 0):,}"
    ),
}

SENTENCES: dict[str, Callable[[dict], str]] = {
    **LOYALTY_SENTENCES,
    "redemption.created": lambda d: f"Stacked redemption of {_count(d.get('stacked'), 'redeemable')}.",
    "session.created": _session_created,
    "session.released": lambda d: (
        f"Session {d.get('key', '')} released {_released_how(d.get('reason'))}: {_codes(d)} available again."
    ),
    "voucher.created": lambda d: f"Voucher {d.get('code', '')} created.",
    "voucher.updated": lambda d: f"Voucher {d.get('code', '')} changed.",
    "voucher.enabled": lambda d: f"Voucher {d.get('code', '')} enabled.",
    "voucher.disabled": lambda d: f"Voucher {d.get('code', '')} disabled.",
    "voucher.deleted": lambda d: f"Voucher {d.get('code', '')} deleted.",
    "voucher.balance.updated": lambda d: (
        f"Gift card {d.get('code', '')} balance changed by {money(d.get('amount'))}: now {money(d.get('balance'))}."
    ),
    "promotion_tier.updated": lambda d: f"Promotion tier {d.get('name', '')} changed.",
    "promotion_tier.enabled": lambda d: f"Promotion tier {d.get('name', '')} enabled.",
    "promotion_tier.disabled": lambda d: f"Promotion tier {d.get('name', '')} disabled.",
    "promotion_tier.deleted": lambda d: f"Promotion tier {d.get('name', '')} deleted.",
    "promotion_stack.created": lambda d: (
        f"Promotion stack {d.get('name', '')} created of {_count(len(d.get('tiers') or []), 'tier')}."
    ),
    "promotion_stack.updated": lambda d: f"Promotion stack {d.get('name', '')} changed.",
    "promotion_stack.deleted": lambda d: f"Promotion stack {d.get('name', '')} deleted.",
    "campaign.created": lambda d: f"Campaign {d.get('name', '')} created.",
    "campaign.updated": lambda d: f"Campaign {d.get('name', '')} changed.",
    "campaign.enabled": lambda d: f"Campaign {d.get('name', '')} enabled.",
    "campaign.disabled": lambda d: f"Campaign {d.get('name', '')} disabled.",
    "campaign.deleted": lambda d: f"Campaign {d.get('name', '')} deleted.",
    "campaign.vouchers.generation_scheduled": lambda d: f"{_count(d.get('count'), 'voucher')} to be generated.",
    "campaign.vouchers.generated": lambda d: f"{_count(d.get('count'), 'voucher')} generated.",
    "campaign.vouchers.generation_failed": lambda d: (
        f"Voucher generation stopped after {_count(d.get('generated'), 'voucher')} of {d.get('count', 0):,}."
    ),
    "customer.created": lambda d: "Customer created.",
    "customer.updated": lambda d: "Customer changed.",
    "customer.deleted": lambda d: "Customer deleted.",
    "customer.permanently_deleted": lambda d: (
        f"A customer was deleted for good: their data erased from {_count(d.get('events'), 'event')} and "
        f"{_count(d.get('logs'), 'request log')}."
    ),
    "customer.custom_event": lambda d: f"Custom event {d.get('event', '')} tracked.",
    "customer.segment.entered": lambda d: f"Customer entered segment {d.get('segment_id', '')}.",
    "customer.loyalty.tier.joined": lambda d: f"Card {d.get('code', '')} joined tier {d.get('tier', '')}.",
    "customer.loyalty.tier.upgraded": lambda d: (
        f"Card {d.get('code', '')} moved up from tier {d.get('previous_tier', '')} to {d.get('tier', '')}."
    ),
    "customer.loyalty.tier.downgraded": lambda d: (
        f"Card {d.get('code', '')} moved down from tier {d.get('previous_tier', '')} to {d.get('tier', '')}."
    ),
    "customer.loyalty.tier.left": lambda d: (
        f"Card {d.get('code', '')} left tier {d.get('previous_tier', '')}: its points are below every tier."
    ),
    "customer.referred": lambda d: (
        f"Referred through code {d.get('code', '')}: their referrer's referral {d.get('referrals', 0):,}."
    ),
    "customer.rewarded": lambda d: (
        f"Rewarded: {d.get('reward', '')}." + (f" Not handed over: {d['problem']}." if d.get("problem") else "")
    ),
    "redeemable_holder.created": lambda d: f"Added to referral code {d.get('code', '')} as a referee.",
    "redeemable_holder.deleted": lambda d: f"Removed from referral code {d.get('code', '')}.",
    "campaign.referral_tier.created": lambda d: (
        f"Referral reward tier added: {d.get('reward', '')} after {_count(d.get('referrals'), 'referral')}."
    ),
    "campaign.referral_tier.deleted": lambda d: (
        f"Referral reward tier removed: {d.get('reward', '')} after {_count(d.get('referrals'), 'referral')}."
    ),
    "order.created": lambda d: f"Order {d.get('source_id') or ''} created.".replace("  ", " "),
    "order.updated": lambda d: (
        f"Order {d.get('source_id') or ''} changed ({label(d.get('status') or '').lower()}).".replace("  ", " ")
    ),
    "publication.succeeded": lambda d: _published(d.get("codes") or []),
    "publication.failed": lambda d: (
        f"Publication of {_count(d.get('count'), 'code')} failed: the campaign has no free code left."
    ),
    "export.created": lambda d: f"Export of {label(d.get('exported_object')).lower()}s requested.",
    "export.done": _export_finished,
    "export.failed": _export_finished,
    "api_key.created": lambda d: f"API key {d.get('name', '')} created (X-App-Id {d.get('app_id', '')}).",
    "api_key.revoked": lambda d: f"API key {d.get('name', '')} revoked: its calls are refused.",
    "webhook.created": lambda d: (
        f"Webhook {d.get('target_url', '')} created for {_count(len(d.get('events') or []), 'event')}."
    ),
    "webhook.updated": lambda d: f"Webhook {d.get('target_url', '')} changed ({'on' if d.get('active') else 'off'}).",
    "webhook.deleted": lambda d: f"Webhook {d.get('target_url', '')} deleted.",
    "webhook.secret_rotated": lambda d: f"Webhook {d.get('target_url', '')}: signing secret rotated.",
    "webhook.disabled": lambda d: f"Webhook {d.get('target_url', '')} turned off: {d.get('reason', '')}",
    "webhook.test": lambda d: f"Test event sent to {d.get('target_url', '')}.",
    "webhook.delivery.replayed": lambda d: f"Delivery of {d.get('event_type', '')} ({d.get('event_id', '')}) replayed.",
    "distribution.created": lambda d: f"E-mail of campaign {d.get('name', '')} set up: “{d.get('subject', '')}”.",
    "distribution.updated": lambda d: f"E-mail of campaign {d.get('name', '')} changed: “{d.get('subject', '')}”.",
}


def sentence(event, *, reason: Callable[[str], str] | None = None, tiers: Mapping[str, str] | None = None) -> str:
    """The event in words (see the module's docstring); never fails on data it does not expect.
    ``reason``: a failure code's sentence, for pages of apps that may import it (stacking.reasons).
    ``tiers``: tier id -> name (:func:`tier_ids` says which to read), so that a tier reads by its name."""
    data = event.data if isinstance(event.data, dict) else {}
    try:
        if event.type in WITH_REASON:
            return WITH_REASON[event.type](data, _why(data.get("failure_code"), reason), tiers or {})
        if event.type in WITH_TIERS:
            return WITH_TIERS[event.type](data, tiers or {})
        if event.type in SENTENCES:
            return SENTENCES[event.type](data)
    except (TypeError, ValueError, AttributeError):
        pass
    subject, _, verb = (event.type or "").rpartition(".")
    return f"{label(subject.replace('.', ' '))} {label(verb).lower()}." if subject else f"{label(verb)}."


def technical_details(event, user) -> str:
    """The raw event for those who may read it (its key and its data, without customer data for who may not
    see customers), folded under "Technical details"; "" for anyone else. In a table's cell, the opened
    body moves to a full-width row under its row (static/js/technical-details.js)."""
    if not can_see_technical_details(user):
        return ""
    data = shown_json(event.data, user, is_customer=event.resource_type == "customer")
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html(
        '<details class="vh-technical small" data-testid="technical-details">'
        '<summary class="text-secondary text-nowrap">Technical details</summary>'
        '<div class="vh-technical-body" data-testid="technical-body">'
        '<div class="mt-1">Event <code class="text-nowrap">{}</code></div><div>{}</div>'
        '<pre class="vh-json small mb-0">{}</pre></div></details>',
        event.type,
        copy_id(event.pk, "", "event id"),
        text,
    )


def sentence_html(event, *, reason: Callable[[str], str] | None = None, tiers: Mapping[str, str] | None = None) -> str:
    """:func:`sentence` for a page: each id it names has its copy button; a tier shows its name (``tiers``,
    else the name its event stored), its id in the title and on the copy button."""
    data = event.data if isinstance(event.data, dict) else {}
    names = {ref: name for ref, name in _named_tiers(data) if name} | dict(tiers or {})
    # The sentence with the tiers' ids, each then shown by its name with its copy button; a code on one line.
    text = sentence(event, reason=reason, tiers={ref: ref for ref in names})
    return copyable_ids(_unbroken_codes(text, _codes_in(data)), names=names)


def _codes_in(data: dict) -> set[str]:
    """The voucher codes an event's data names (a code, a redeemable's or a session's)."""
    listed = data.get("codes") if isinstance(data.get("codes"), list) else []
    locks = data.get("locks") if isinstance(data.get("locks"), list) else []
    codes = [data.get("code"), *listed, *(lock.get("code") for lock in locks if isinstance(lock, dict))]
    codes += [data.get(f"{prefix}id") for prefix in ("", "failed_") if data.get(f"{prefix}object") == "voucher"]
    return {str(code) for code in codes if code and isinstance(code, str | int)}


def _unbroken_codes(text: str, codes: set[str]) -> SafeString:
    """``text`` escaped, each of ``codes`` in it in a ``<code>`` that never breaks (at a hyphen or anywhere)."""
    escaped = str(escape(text))
    if not codes:
        return mark_safe(escaped)
    pattern = "|".join(re.escape(str(escape(code))) for code in sorted(codes, key=len, reverse=True))
    wrapped = re.sub(rf"(?<![\w-])({pattern})(?![\w-])", r'<code class="text-nowrap">\1</code>', escaped)
    return mark_safe(wrapped)


def _named_tiers(data: dict) -> list[tuple[str, str]]:
    """(id, stored name) of each tier an event's data names."""
    return [
        (str(data[f"{prefix}id"]), str(data.get(f"{prefix}name") or ""))
        for prefix in ("", "failed_")
        if data.get(f"{prefix}object") == "promotion_tier" and data.get(f"{prefix}id")
    ]


def tier_ids(events: Iterable) -> set[str]:
    """The promotion tiers these events name, for a page that may read tiers to read their names at once."""
    return {ref for event in events for ref, _ in _named_tiers(event.data if isinstance(event.data, dict) else {})}


def kind(event_type: str) -> str:
    """An event type as a filter option names it: "redemption.rollback.succeeded" -> "Redemption rollback
    succeeded"."""
    return label(event_type.replace(".", " "))


# Every event type the services record, for the filters that pick one (a campaign's Activity tab).
EVENT_TYPES = (
    *WITH_REASON,
    *WITH_TIERS,
    *SENTENCES,
    "promotion_tier.created",
    "validation_rule.created",
    "validation_rule.updated",
    "validation_rule.deleted",
    "validation_rule_assignment.created",
    "validation_rule_assignment.deleted",
    "segment.created",
    "segment.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
    "stacking_rules.updated",
)
EVENT_CHOICES = sorted(((event_type, kind(event_type)) for event_type in set(EVENT_TYPES)), key=lambda c: c[1])
# Kinds of events by the start of their type, for the Audit log's Events filter (a "starts with" filter).
EVENT_GROUPS = [
    ("redemption.", "Redemptions and rollbacks"),
    ("voucher.validated", "Validations"),
    ("session.", "Sessions"),
    ("voucher.", "Vouchers"),
    ("campaign.", "Campaigns"),
    ("promotion_tier.", "Promotion tiers"),
    ("promotion_stack.", "Promotion stacks"),
    ("validation_rule", "Validation rules"),
    ("segment.", "Segments"),
    ("customer.", "Customers"),
    ("publication.", "Publications"),
    ("order.", "Orders"),
    ("category.", "Categories"),
    ("stacking_rules.", "Stacking rules"),
    ("export.", "Exports"),
    ("api_key.", "API keys"),
    ("webhook.", "Webhooks"),
    ("distribution.", "E-mail distributions"),
    ("redeemable_holder.", "Referral code holders"),
]
