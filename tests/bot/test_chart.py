"""The summary's chart: a small, real PNG with a line per dimension and gaps where a week had
no ratings; the same data draws the same bytes, from any thread."""

from __future__ import annotations

import base64
import io
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from PIL import Image as Picture

from bot import messages as m
from bot.cx.chart import STYLE, chart_image, weekly_chart, weekly_chart_image
from bot.cx.dimensions import DIMENSIONS
from bot.views import Card, Field, Image, dump_card, load_card

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUARTER = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(13)]
KEYS = [d.key for d in DIMENSIONS]


def quarter(seed: int = 1, gaps: float = 0.15) -> dict[str, list[float | None]]:
    """Thirteen weeks of averages, a few weeks without ratings, as a busy quarter looks."""
    rng = random.Random(seed)
    return {
        key: [None if rng.random() < gaps else round(rng.uniform(1, 5), 2) for _ in QUARTER]
        for key in KEYS
    }


def picture(png: bytes) -> Picture.Image:
    return Picture.open(io.BytesIO(png)).convert("RGB")


def plot_area(png: bytes) -> Picture.Image:
    """The chart without the legend under it (which shows every line's colour anyway)."""
    shown = picture(png)
    return shown.crop((0, 0, shown.width, int(shown.height * 0.84)))


def pixels_of(shown: Picture.Image, colour: str) -> int:
    """Pixels close to `colour` (the palette moves colours a little)."""
    want = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        count
        for count, rgb in shown.getcolors(shown.width * shown.height)
        if sum(abs(a - b) for a, b in zip(rgb, want, strict=True)) <= 60
    )


def test_a_quarter_is_a_small_real_png() -> None:
    png = weekly_chart(QUARTER, quarter(), title=m.CHART_TITLE)
    assert png.startswith(PNG_SIGNATURE)
    shown = Picture.open(io.BytesIO(png))
    assert shown.format == "PNG" and shown.size == (640, 320)
    assert len(png) <= 25_000


def test_each_dimension_is_a_line_of_its_own_colour() -> None:
    every = plot_area(weekly_chart(QUARTER, quarter(), title="t"))
    assert all(pixels_of(every, STYLE[key][0]) > 200 for key in KEYS)
    only_speed = plot_area(weekly_chart(QUARTER, {"speed": quarter()["speed"]}, title="t"))
    drawn = {key for key in KEYS if pixels_of(only_speed, STYLE[key][0]) > 200}
    assert drawn == {"speed"}


def test_a_week_without_ratings_is_a_gap_not_a_line() -> None:
    colour = STYLE["quality"][0]
    whole = pixels_of(plot_area(weekly_chart(QUARTER, {"quality": [4.0] * 13}, title="t")), colour)
    gaps = [4.0 if n % 3 == 0 else None for n in range(13)]  # points alone, nothing between
    broken = pixels_of(plot_area(weekly_chart(QUARTER, {"quality": gaps}, title="t")), colour)
    assert 0 < broken < whole / 2
    nothing = {key: [None] * 13 for key in KEYS}
    assert pixels_of(plot_area(weekly_chart(QUARTER, nothing, title="t")), colour) == 0


@pytest.mark.parametrize("weeks", [[], QUARTER[:1], QUARTER[:2]], ids=["none", "one", "two"])
def test_no_week_one_week_and_weeks_without_ratings_still_draw(weeks: list[date]) -> None:
    for series in ({k: [3.5] * len(weeks) for k in KEYS}, {k: [None] * len(weeks) for k in KEYS}):
        assert weekly_chart(weeks, series, title="t").startswith(PNG_SIGNATURE)
    one = plot_area(weekly_chart(QUARTER[:1], {"speed": [4.2]}, title="t"))
    assert pixels_of(one, STYLE["speed"][0]) > 10  # a single week shows as its point


@pytest.mark.parametrize(
    ("series", "wrong"),
    [
        ({"happiness": [3.0] * 13}, "not a dimension"),
        ({"speed": [3.0] * 12}, "12 values for 13 weeks"),
        ({"speed": [3.0] * 12 + [7.0]}, "not a score"),
        ({"speed": [3.0] * 12 + [0.5]}, "not a score"),
    ],
)
def test_data_that_cannot_be_a_chart_is_refused(series: dict, wrong: str) -> None:
    with pytest.raises(ValueError, match=wrong):
        weekly_chart(QUARTER, series, title="t")


def test_the_same_data_draws_the_same_bytes_from_any_thread() -> None:
    alone = weekly_chart(QUARTER, quarter(seed=7), title="t")
    assert b"tEXt" not in alone and b"iTXt" not in alone and b"tIME" not in alone
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(
            pool.map(lambda _: weekly_chart(QUARTER, quarter(seed=7), title="t"), range(8))
        )
    assert set(drawn) == {alone}
    assert weekly_chart(QUARTER, quarter(seed=8), title="t") != alone


def test_the_image_carries_the_png_and_says_what_it_shows() -> None:
    png = weekly_chart(QUARTER, quarter(), title="t")
    image = chart_image(png, "words", title="Ratings by week")
    assert base64.b64decode(image.png_base64) == png
    assert (image.alt, image.title, image.name) == ("words", "Ratings by week", "cx-summary.png")
    described = weekly_chart_image(QUARTER, quarter(), title=m.CHART_TITLE)
    assert base64.b64decode(described.png_base64) == weekly_chart(
        QUARTER, quarter(), title=m.CHART_TITLE
    )
    assert described.title == m.CHART_TITLE
    assert "13 weeks from 5 Jan to 30 Mar" in described.alt
    assert all(d.label in described.alt for d in DIMENSIONS)
    assert "1 week from 5 Jan to 5 Jan" in weekly_chart_image(QUARTER[:1], {}, title="t").alt


def test_a_card_with_a_picture_waits_in_the_outbox_and_comes_back_whole() -> None:
    image = chart_image(weekly_chart(QUARTER, quarter(), title="t"), "words")
    card = Card(title="CX summary", fields=(Field("Speed", "4.1"),), image=image)
    assert load_card(dump_card(card)) == card
    older = dump_card(Card(title="CX summary"))
    older["card"].pop("image")  # a card saved before cards had pictures
    assert load_card(older) == Card(title="CX summary")
    assert load_card({"title": "unversioned"}).image is None
    assert isinstance(load_card(dump_card(card)).image, Image)
