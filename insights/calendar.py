"""The Campaigns calendar: campaigns as bars on a window of a month, a quarter or a year that the person
moves and zooms with GET parameters (``?zoom=quarter&from=2026-04``), so every window is a URL.

:func:`window` reads the parameters: a zoom (month, quarter, year; quarter by default) and the window's
first month (``from``, ``YYYY-MM``; this month by default). A value that does not read falls back to the
default with a message saying so, never an error page. Previous/next move by the zoom's own length.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from django.db.models import F, Q
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.queries import CampaignStatus, campaigns_with_status

ZOOMS = {"month": 1, "quarter": 3, "year": 12}  # zoom -> months in the window (and in a previous/next step)
DEFAULT_ZOOM = "quarter"
SHOWN = (CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED, CampaignStatus.EXPIRED)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    zoom: str
    start: date  # the first day of the window's first month
    today: date
    messages: tuple[str, ...] = ()

    @property
    def months(self) -> int:
        return ZOOMS[self.zoom]

    @property
    def end(self) -> date:
        """The window's last day."""
        return add_months(self.start, self.months) - timedelta(days=1)

    def params(self, *, zoom: str | None = None, months: int = 0) -> str:
        """The query string of this window moved by ``months`` or zoomed to ``zoom``."""
        start = add_months(self.start, months)
        return f"?zoom={zoom or self.zoom}&from={start:%Y-%m}"

    @property
    def previous(self) -> str:
        return self.params(months=-self.months)

    @property
    def next(self) -> str:
        return self.params(months=self.months)

    @property
    def zooms(self) -> list[tuple[str, str, bool]]:
        """(label, query string, current) for each zoom, keeping the window's first month."""
        return [(zoom.capitalize(), self.params(zoom=zoom), zoom == self.zoom) for zoom in ZOOMS]


def window(params, now: datetime | None = None, tz: tzinfo = UTC) -> Window:
    """The window ``params`` (a QueryDict) ask for, in days of the zone ``tz`` (the viewer's); a bad value is
    replaced by the default, with a message."""
    today = (now or timezone.now()).astimezone(tz).date()
    messages = []
    zoom = params.get("zoom") or DEFAULT_ZOOM
    if zoom not in ZOOMS:
        messages.append(f"\u201c{zoom}\u201d is not a zoom: choose month, quarter or year. Showing a quarter.")
        zoom = DEFAULT_ZOOM
    start = today.replace(day=1)
    raw = params.get("from")
    if raw:
        try:
            asked = datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            asked = None
        if asked is not None and FIRST_YEAR <= asked.year <= LAST_YEAR:
            start = asked
        else:
            messages.append(
                f"\u201c{raw}\u201d is not a month between {FIRST_YEAR} and {LAST_YEAR} "
                "(write it as YYYY-MM, e.g. 2026-04). Showing this month onwards."
            )
    return Window(zoom=zoom, start=start, today=today, messages=tuple(messages))


@dataclass
class CalendarBar:
    campaign: Campaign
    left: float  # percent of the timeline
    width: float
    open_start: bool  # starts before the window (or has no start date)
    open_end: bool  # ends after the window (or never ends)


@dataclass
class Tick:
    left: float  # percent
    width: float  # percent: the label lives inside its segment, so it is never cut at an edge
    label: str
    day: date


@dataclass
class Calendar:
    window: Window
    bars: list[CalendarBar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    today_left: float | None = None  # None: today is outside the window

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(status, label) of each colour a bar may have, in the statuses' order."""
        return [(status, label) for status, label in CampaignStatus.choices if status in SHOWN]


def calendar(at: Window, now: datetime | None = None, tz: tzinfo = UTC) -> Calendar:
    """Enabled campaigns (active, scheduled or expired) that run at some time in the window, as bars, in
    days of the zone ``tz``."""
    start, end = at.start, at.end
    span = (end - start).days + 1

    def position(day: date) -> float:
        return round((min(max(day, start), end + timedelta(days=1)) - start).days * 100 / span, 3)

    rows = (
        campaigns_with_status(now)
        .filter(active=True, status__in=SHOWN)
        .filter(Q(start_date__isnull=True) | Q(start_date__lt=_midnight(end + timedelta(days=1), tz)))
        .filter(Q(expiration_date__isnull=True) | Q(expiration_date__gte=_midnight(start, tz)))
        .order_by(F("start_date").asc(nulls_first=True), "name")
    )
    result = Calendar(window=at, ticks=_ticks(at, position))
    for campaign in rows:
        first = campaign.start_date.astimezone(tz).date() if campaign.start_date else None
        last = campaign.expiration_date.astimezone(tz).date() if campaign.expiration_date else None
        left = position(first or start)
        right = position(last + timedelta(days=1) if last else end + timedelta(days=1))
        result.bars.append(
            CalendarBar(
                campaign=campaign,
                left=left,
                width=max(right - left, 0.5),
                open_start=first is None or first < start,
                open_end=last is None or last > end,
            )
        )
    if start <= at.today <= end:
        result.today_left = position(at.today)
    return result


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def _ticks(at: Window, position) -> list[Tick]:
    """The axis: a segment per week (from the 1st) in a month, a segment per month otherwise."""
    if at.zoom == "month":
        days = [at.start + timedelta(days=n) for n in range(0, (at.end - at.start).days + 1, 7)]
        bounds = [*days, at.end + timedelta(days=1)]
        labels = [f"{day:%b} {day.day}" for day in days]
    else:
        days = [add_months(at.start, n) for n in range(at.months)]
        bounds = [*days, add_months(at.start, at.months)]
        labels = [f"{day:%b %Y}" if n == 0 or day.month == 1 else f"{day:%b}" for n, day in enumerate(days)]
    return [
        Tick(left=position(day), width=round(position(following) - position(day), 3), label=label, day=day)
        for day, following, label in zip(days, bounds[1:], labels, strict=True)
    ]
