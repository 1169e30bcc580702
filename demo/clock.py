"""The controlled clock of the small demo: a traveller that moves the process's clock forward over the
last 90 days (``time-machine``), so that every service stamps its rows, ids and events with the moment of
the simulated call, exactly as it would have done then."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import time_machine


class Traveller:
    """Owns the clock from ``start`` to ``end``: it only moves forward, stops (``tick=False``) between
    moves, and runs what was put on its agenda once the clock reaches its moment."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.now = start
        self._travel = time_machine.travel(start, tick=False)
        self._agenda: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def __enter__(self) -> Traveller:
        self._clock = self._travel.start()
        return self

    def __exit__(self, *exc) -> None:
        self._travel.stop()

    def at(self, fraction: float) -> datetime:
        """The moment ``fraction`` (0..1) of the way from start to end."""
        return self.start + (self.end - self.start) * fraction

    def later(self, delay: timedelta, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` from now, if that is still before the end."""
        self.plan(self.now + delay, action)

    def plan(self, moment: datetime, action: Callable[[], None]) -> None:
        if moment < self.end:
            heapq.heappush(self._agenda, (moment, next(self._order), action))

    def move_to(self, moment: datetime) -> None:
        """Move forward to ``moment`` (never back), running the agenda's actions due on the way."""
        while self._agenda and self._agenda[0][0] <= moment:
            due, _, action = heapq.heappop(self._agenda)
            self._set(due)
            action()
        self._set(moment)

    def finish(self) -> None:
        self.move_to(self.end)

    def _set(self, moment: datetime) -> None:
        if moment > self.now:
            self.now = moment
            self._clock.move_to(moment)
