"""The Campaigns section's charts, drawn on the server: the one bucketing rule, line charts over time and
bar charts of counts. Geometry here, markup in templates/insights/_chart.html and _bars.html.

Bucketing (:func:`bucket_for`), the one rule every chart over time follows: a period of up to
``DAY_MAX_DAYS`` days is drawn by day, up to ``WEEK_MAX_DAYS`` by week (weeks start on Monday), longer by
month. The axis and the heading say which (``Bucket.noun``: "per day", "per week", "per month").
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.formatting import money

DAY_MAX_DAYS = 62  # about two months: a point a day stays readable
WEEK_MAX_DAYS = 371  # about a year (53 weeks)


@dataclass(frozen=True)
class Bucket:
    name: str  # "day" | "week" | "month"
    noun: str  # "per day", as headings and axes read it
    label_format: str  # strftime for a bucket's first day on the axis

    def start(self, day: date) -> date:
        """The first day of the bucket ``day`` falls in."""
        if self.name == "week":
            return day - timedelta(days=day.weekday())
        if self.name == "month":
            return day.replace(day=1)
        return day

    def label(self, day: date) -> str:
        text = day.strftime(self.label_format).replace(" 0", " ")
        return f"Week of {text}" if self.name == "week" else text

    def starts(self, first: date, last: date) -> list[date]:
        """Every bucket from the one holding ``first`` to the one holding ``last``."""
        starts, day = [], self.start(first)
        while day <= last:
            starts.append(day)
            day = _next_month(day) if self.name == "month" else day + timedelta(days=7 if self.name == "week" else 1)
        return starts


DAY = Bucket("day", "per day", "%b %d")
WEEK = Bucket("week", "per week", "%b %d")
MONTH = Bucket("month", "per month", "%b %Y")


def bucket_for(days: int) -> Bucket:
    """The bucket a chart over ``days`` days is drawn in: by day up to about two months, by week up to
    about a year, by month beyond."""
    if days <= DAY_MAX_DAYS:
        return DAY
    return WEEK if days <= WEEK_MAX_DAYS else MONTH


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass
class Point:
    """One bucket of a chart: its first day and a value per series key."""

    day: date
    values: dict[str, int]


def bucketed(rows: Iterable, keys: Sequence[str], first: date, last: date) -> list[Point]:
    """Daily ``rows`` (objects or dicts with a ``day`` and the ``keys``) summed into the buckets of the period
    ``first``..``last`` (every bucket present, zero when nothing fell in it)."""
    bucket = bucket_for((last - first).days + 1)
    points = {start: Point(start, dict.fromkeys(keys, 0)) for start in bucket.starts(first, last)}
    for row in rows:
        read = row.get if isinstance(row, dict) else lambda key, row=row: getattr(row, key)
        point = points.get(bucket.start(read("day")))
        if point is None:
            continue
        for key in keys:
            point.values[key] += read(key) or 0
    return list(points.values())


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 200, 28
LINE_WIDTH, LINE_WIDTH_STEP = 2, 2  # the last series' stroke, and how much wider each earlier one is
MARKER_MAX_POINTS = 62  # above this many points the markers merge into a band: the line alone is drawn


def _svg(number: float) -> str:
    """A coordinate as SVG writes it (one decimal, a point as separator): 12.0 -> "12.0"."""
    return str(round(number, 1))


def line_chart(
    points: list[Point], series: list[tuple[str, str, str]], bucket: Bucket, *, is_money: bool = False
) -> dict:
    """An SVG line chart of figures per bucket. Every point keeps its bucket's first day and value
    (data-* attributes and a JSON block), so the figures are readable by a test or a screen reader, not
    only as pixels. A chart whose series are all zero is ``empty``: the template says so in one line.
    ``is_money``: the values are minor units, shown through dashboard.formatting.money."""
    shown = money if is_money else _count
    left = CHART_PAD * 2 if is_money else CHART_PAD  # room for amounts on the gridlines
    top = nice_top(max([p.values[key] for p in points for key, _, _ in series] + [1]))
    inner_w, inner_h = CHART_WIDTH - left - CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)
    drawn = []
    for index, (key, label, colour) in enumerate(series):
        # Coordinates and raw values as text: SVG numbers are never localized, and a template that prints a
        # number runs it through Django's number formatting (a few hundred calls a page, ~5 ms).
        dots = [
            {
                "x": _svg(left + i * step),
                "y": _svg(CHART_PAD + inner_h - p.values[key] * inner_h / top),
                "day": p.day.isoformat(),
                "label": bucket.label(p.day),
                "value": str(p.values[key]),
                "shown": shown(p.values[key]),
            }
            for i, p in enumerate(points)
        ]
        path = " ".join(f"{d['x']},{d['y']}" for d in dots)
        # Each series is drawn narrower than the one before it, so lines that coincide (a redemption and
        # its rollback on one day) show as nested strokes instead of the last one hiding the others.
        width = LINE_WIDTH + LINE_WIDTH_STEP * (len(series) - 1 - index)
        drawn.append({"key": key, "label": label, "colour": colour, "dots": dots, "path": path, "width": width})
        drawn[-1]["total"] = sum(p.values[key] for p in points)
        drawn[-1]["total_shown"] = shown(drawn[-1]["total"])
    ticks = sorted({0, len(points) // 2, len(points) - 1}) if points else []
    empty = all(line["total"] == 0 for line in drawn)
    # Light gridlines with their values: 0 (the baseline), the middle (when it is a whole number) and the top.
    grid = [] if empty else [{"y": CHART_PAD + inner_h, "label": 0}, {"y": CHART_PAD, "label": top}]
    if not empty and top >= 2 and top % 2 == 0:
        grid.insert(1, {"y": round(CHART_PAD + inner_h - (top // 2) * inner_h / top, 1), "label": top // 2})
    for line in grid:
        line["shown"] = shown(line["label"])
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "left": left,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "top": top,
        "grid": grid,
        "empty": empty,
        "bucket": bucket,
        # The points stay in the DOM either way (data-* attributes, hover titles); above
        # MARKER_MAX_POINTS they are not painted.
        "markers": len(points) <= MARKER_MAX_POINTS,
        "series": drawn,
        "ticks": [{"x": _svg(left + i * step), "label": bucket.label(points[i].day)} for i in ticks],
        "data": {
            "bucket": bucket.name,
            "days": [p.day.isoformat() for p in points],
            **{key: [p.values[key] for p in points] for key, _, _ in series},
        },
    }


NICE_STEPS = (1, 2, 2.5, 5, 10)  # the top of a chart's y axis is one of these times a power of ten


def nice_top(value: int) -> int:
    """The top of the y axis: the smallest whole 1, 2, 2.5 or 5 times a power of ten that is at least
    ``value`` (13580 -> 20000, so €135.80 draws under a €200.00 top and a €100.00 middle; 7 -> 10; 3 -> 5).
    Money is in minor units, a power of ten of the major unit, so the same steps are round there too."""
    if value <= 1:
        return 1
    power = 1
    while power * 10 < value:
        power *= 10
    return next(int(step * power) for step in NICE_STEPS if step * power >= value and (step * power) % 1 == 0)


def _count(value: int) -> str:
    return f"{value:,}"


def bar_chart(rows: Sequence, *, notes: dict[str, str] | None = None) -> dict:
    """Horizontal bars (CSS widths, no script, no SVG needed) for rows with ``key``, ``label``, ``value``
    and ``title``, in the order given. ``notes``: text after a bar's count (e.g. the discount it gave)."""
    top = max([row.value for row in rows] + [1])
    bars = [
        {
            "key": row.key,
            "label": row.label,
            "title": row.title,
            "value": row.value,
            "shown": _count(row.value),
            "note": (notes or {}).get(row.key, ""),
            "width": round(row.value * 100 / top, 1) if row.value else 0,
        }
        for row in rows
    ]
    return {"bars": bars, "empty": not any(bar["value"] for bar in bars)}
