"""What the apps above the audit log lend its pages so that they word an event as every other page does.

The audit log sits below stacking and campaigns (.importlinter, "apps"): it may not import a failure
code's sentence (stacking.reasons) or read promotion tiers (campaigns.queries). Those apps hand them over
in their ``AppConfig.ready`` (:func:`lend`), a dependency pointing the allowed way, and the audit log's
pages ask here: :func:`reason` ("The gift card's balance does not cover the credits asked for.") and
:func:`tier_names` (one query for a page's tiers). Without them (an app not installed) a reason reads as
its code in words and a tier by the name its event stored, else its id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

_lent: dict[str, Callable] = {}


def lend(
    *,
    reason: Callable[[str], str] | None = None,
    tier_names: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
) -> None:
    """Called by an app's ``AppConfig.ready``: ``reason`` (failure code -> sentence), ``tier_names`` (tier
    ids -> {id: name}, in one query)."""
    if reason is not None:
        _lent["reason"] = reason
    if tier_names is not None:
        _lent["tier_names"] = tier_names


def reason(code: str) -> str:
    """A failure code's sentence, or "" when no app lent one (auditlog.sentences then words the code)."""
    lent = _lent.get("reason")
    return lent(code) if lent else ""


def tier_names(ids: Iterable[str]) -> dict[str, str]:
    """{tier id: name} of these tiers, in one query; {} for none, or when no app lent the lookup."""
    ids = set(ids)
    lent = _lent.get("tier_names")
    return dict(lent(ids)) if lent and ids else {}
