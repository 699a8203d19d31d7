"""Charts drawn on the server as SVG geometry (no script, no CDN): the template draws the
rectangles this computes, and words them in the page's language; every chart has its
table under it. The figures beside them are formatted by halo/formats.py."""
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT, GAP = 720, 160, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    day: date
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: int
    first_day: date | None
    last_day: date | None


def stacked_bars(days: dict, series: tuple[str, ...]) -> Chart:
    """One bar per day, stacked by series, scaled to the busiest day."""
    ordered = sorted(days.items())
    peak = max((sum(v.values()) for _, v in ordered), default=0)
    slot = WIDTH / max(len(ordered), 1)
    bars = []
    for i, (day, values) in enumerate(ordered):
        top = HEIGHT
        for name in series:
            n = values.get(name, 0)
            if not n or not peak:
                continue
            h = HEIGHT * n / peak
            top -= h
            bars.append(Bar(round(i * slot + GAP / 2, 2), round(top, 2), round(max(slot - GAP, 1), 2),
                            round(h, 2), name, day, n))
    first, last = (ordered[0][0], ordered[-1][0]) if ordered else (None, None)
    return Chart(WIDTH, HEIGHT, bars, peak, first, last)


@dataclass(frozen=True)
class Pair:
    label: str
    y: float
    now: float      # bar widths
    before: float
    now_value: int
    before_value: int


@dataclass(frozen=True)
class PairChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    pairs: list[Pair]
    peak: int


def paired_bars(items: list[tuple[str, int, int]], limit: int = 12) -> PairChart:
    """Horizontal bars, this period over the period before, one pair per (label, now,
    before), scaled to the largest value; the first `limit` items (the table has all)."""
    items = items[:limit]
    label_width, bar, gap = 180, 10, 8
    peak = max((max(n, b) for _, n, b in items), default=0)
    room = WIDTH - label_width - 48
    pairs = []
    for i, (label, n, b) in enumerate(items):
        scale = room / peak if peak else 0
        pairs.append(Pair(label if len(label) <= 24 else label[:23] + "…", i * (2 * bar + gap),
                          round(n * scale, 2), round(b * scale, 2), n, b))
    height = max(len(items) * (2 * bar + gap), 2 * bar)
    return PairChart(WIDTH, height, label_width, bar, pairs, peak)
