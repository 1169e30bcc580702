"""Panels that apps above stacking add to the Stacking Rules tab.

The tab (stacking.views) shows what is stacking's own: the settings and the categories. The simulator
runs the engine's checks on real vouchers, promotion tiers, customers and session locks, so it belongs to
redemptions, above stacking; redemptions adds it here when Django starts (redemptions.apps). The tab
renders every panel added, which keeps the page one page at one URL without stacking importing anything
above it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    """A panel of the tab: ``template`` is included in the page with ``context(request)`` added to the
    page's context; an htmx request whose target is a key of ``swaps`` renders that partial of
    ``template`` alone (e.g. the simulator's result)."""

    name: str
    template: str
    context: Callable[[HttpRequest], dict]
    swaps: dict[str, str] = field(default_factory=dict)


_panels: dict[str, Panel] = {}


def add_panel(panel: Panel) -> None:
    """Add (or replace, by name) a panel of the Stacking Rules tab."""
    _panels[panel.name] = panel


def panels() -> list[Panel]:
    return list(_panels.values())
