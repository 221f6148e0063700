"""The summary's picture: each dimension's weekly average as a line, as a small PNG.

Drawn with matplotlib's object API (a `Figure` of its own, never pyplot's global state) and
kept small: a palette of 32 colours is plenty for five lines on white and makes the picture
ten-odd kilobytes, which a Teams card can carry itself when no address serves it. The same data
draws the same bytes: the PNG carries no date, software name or other metadata.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot import messages as m
from bot.cx.dimensions import BY_KEY, DIMENSIONS, SCORES
from bot.views import Image

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# 640 × 320 pixels: wide enough for a quarter's weeks, small enough for a chat message.
WIDTH, HEIGHT, DPI = 6.4, 3.2, 100
# Okabe and Ito's palette, told apart by people with any kind of colour blindness; the
# markers (a point where a week has ratings) tell the lines apart in grey too.
STYLE = {
    "communication": ("#0072B2", "o"),
    "approachability": ("#E69F00", "s"),
    "speed": ("#009E73", "^"),
    "knowledge": ("#CC79A7", "D"),
    "quality": ("#D55E00", "v"),
}
# At most this many dates under the chart, so they never run into each other.
MAX_TICKS = 7
COLOURS = 32
FILE_NAME = "cx-summary.png"
# matplotlib shares its font cache between figures; one drawing at a time keeps a chart
# drawn in a worker thread (asyncio.to_thread) from meeting another half-way.
_DRAWING = threading.Lock()


def weekly_chart(
    weeks: Sequence[date], series: Mapping[str, Sequence[float | None]], *, title: str
) -> bytes:
    """A PNG with one line per dimension (keyed by dimension key) over `weeks`.

    A week without ratings (None) is a gap in its line. Raises ValueError for an unknown
    dimension, a series whose length is not the number of weeks, or a score outside 1–5.
    Drawing takes about a tenth of a second (the first one longer, while matplotlib loads):
    from async code, call it in a worker thread (`asyncio.to_thread`).
    """
    _check(weeks, series)
    with _DRAWING:
        return _png(_draw(weeks, series, title))


def chart_image(png: bytes, alt: str, *, title: str = "") -> Image:
    """A picture for a card: the PNG, the words that stand for it, and its title."""
    encoded = base64.b64encode(png).decode("ascii")
    return Image(png_base64=encoded, alt=alt, name=FILE_NAME, title=title)


def weekly_chart_image(
    weeks: Sequence[date], series: Mapping[str, Sequence[float | None]], *, title: str
) -> Image:
    """`weekly_chart` as a card's picture, described in words for screen readers."""
    png = weekly_chart(weeks, series, title=title)
    return chart_image(png, alt=chart_alt(weeks, series), title=title)


def chart_alt(weeks: Sequence[date], series: Mapping[str, Sequence[float | None]]) -> str:
    """What the chart shows, in words: the dimensions and the weeks it covers."""
    labels = ", ".join(d.label for d in DIMENSIONS if d.key in series)
    if not weeks:
        return m.CHART_ALT_EMPTY.format(dimensions=labels)
    return m.CHART_ALT.format(
        dimensions=labels,
        weeks=len(weeks),
        first=_day(weeks[0]),
        last=_day(weeks[-1]),
        week_word=m.CHART_WEEK if len(weeks) == 1 else m.CHART_WEEKS,
    )


def _check(weeks: Sequence[date], series: Mapping[str, Sequence[float | None]]) -> None:
    for key, values in series.items():
        if key not in BY_KEY:
            raise ValueError(f"{key!r} is not a dimension")
        if len(values) != len(weeks):
            raise ValueError(f"{key}: {len(values)} values for {len(weeks)} weeks")
        for value in values:
            if value is not None and not SCORES[0] <= value <= SCORES[-1]:
                raise ValueError(f"{key}: {value} is not a score from 1 to 5")


def _draw(
    weeks: Sequence[date], series: Mapping[str, Sequence[float | None]], title: str
) -> Figure:
    # Imported here: matplotlib takes a while and tens of megabytes to load, which a server
    # that is never asked for a chart should not pay.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    for dimension in DIMENSIONS:
        if dimension.key not in series:
            continue
        colour, marker = STYLE[dimension.key]
        # NaN breaks a line: a week without ratings is a gap, not a fall to zero.
        values = [math.nan if v is None else float(v) for v in series[dimension.key]]
        axes.plot(
            positions, values, color=colour, marker=marker, markersize=4, linewidth=1.6,
            label=dimension.label,
        )  # fmt: skip
    axes.set_title(title, fontsize=10, loc="left")
    axes.set_ylim(SCORES[0] - 0.2, SCORES[-1] + 0.2)
    axes.set_yticks(list(SCORES))
    axes.set_xlim(-0.5, max(0.5, len(weeks) - 0.5))
    step = max(1, math.ceil(len(weeks) / MAX_TICKS))
    axes.set_xticks(positions[::step], [_day(week) for week in weeks[::step]])
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    if axes.lines:
        figure.legend(loc="outside lower center", ncols=5, fontsize=7, frameon=False)
    return figure


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as Picture

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    picture = Picture.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    # 32 colours keep five lines, their smoothed edges and the grey text apart, at a fifth
    # of the size of full colour; Pillow writes no metadata of its own.
    small = picture.convert("RGB").quantize(colors=COLOURS, method=Picture.Quantize.FASTOCTREE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _day(day: date) -> str:
    return f"{day.day} {m.CHART_MONTHS[day.month - 1]}"
