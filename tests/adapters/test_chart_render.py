"""A card with the summary's chart on each platform: Slack's blocks never carry the picture
(it is uploaded beside them); Teams shows it from the server's address, or inside the card
when that fits, or says it was left out; the console says it in words."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block

from adapters.console.render import render_card as console_card
from adapters.slack.render import render_blocks, render_text
from adapters.teams.cards import CARD_BUDGET, data_uri, render_card, utf16_size
from bot import messages as m
from bot.cx.chart import weekly_chart_image
from bot.cx.dimensions import DIMENSIONS
from bot.views import Card, Field, ItemList, ListItem
from tests.adapters.adaptive_cards.checks import microsoft_check, schema_errors
from tests.adapters.test_slack_render import validate_deeply

WEEKS = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(13)]
# A steady quarter: each dimension drifts a little, as real averages do.
SERIES = {d.key: [3.0 + (n * (i + 1) % 7) / 4 for n in range(13)] for i, d in enumerate(DIMENSIONS)}
CHART = weekly_chart_image(WEEKS, SERIES, title=m.CHART_TITLE)
URL = "https://cx.example.com/charts/3b9Qx_Ty-0aZ.png"


def summary(lines: int = 5, comment: str = "Quick and friendly.") -> Card:
    """A summary card: a figure per dimension, then a list of comments."""
    return Card(
        title="CX summary · last 90 days",
        text="Work on Communication first: it fell most since last quarter.",
        fields=tuple(Field(d.label, "4.1 / 5 · 23 ratings") for d in DIMENSIONS),
        lists=(
            ItemList(
                "Latest comments",
                tuple(ListItem(f"IT-7K3QX{n % 10}", comment, "Closed") for n in range(lines)),
            ),
        ),
        footer=m.SUMMARY_FOOTER,
        image=CHART,
    )


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [part for part in card["body"] if part["type"] == "Image"]


def texts(card: dict[str, Any]) -> list[str]:
    return [part["text"] for part in card["body"] if part["type"] == "TextBlock"]


def test_slack_blocks_never_carry_the_picture() -> None:
    card = summary()
    blocks = render_blocks(card)
    shown = json.dumps(blocks) + render_text(card)
    assert CHART.png_base64[:40] not in shown and "image" not in shown
    assert blocks == render_blocks(Card(**{**card.__dict__, "image": None}))
    for block in Block.parse_all(blocks):
        validate_deeply(block)


def test_teams_shows_the_chart_from_the_servers_address_after_the_figures(tmp_path: Path) -> None:
    rendered = render_card(summary(), image_url=URL)
    [image] = images(rendered)
    assert image == {"type": "Image", "url": URL, "altText": CHART.alt, "size": "Stretch"}
    kinds = [part["type"] for part in rendered["body"]]
    assert kinds.index("Image") == kinds.index("FactSet") + 1  # right after the figures
    assert schema_errors(rendered) == []
    assert microsoft_check({"chart": rendered}, tmp_path)["chart"]["errors"] == []
    assert utf16_size(rendered) <= CARD_BUDGET


def test_without_an_address_a_small_card_carries_the_chart_itself(tmp_path: Path) -> None:
    rendered = render_card(summary(lines=2))
    [image] = images(rendered)
    assert image["url"] == data_uri(CHART) and image["url"].startswith("data:image/png;base64,")
    assert m.CHART_LEFT_OUT not in texts(rendered)
    assert schema_errors(rendered) == []
    assert microsoft_check({"inline": rendered}, tmp_path)["inline"]["errors"] == []
    assert utf16_size(rendered) <= CARD_BUDGET


def test_without_an_address_a_full_card_leaves_the_chart_out_and_says_so(tmp_path: Path) -> None:
    card = summary(lines=25, comment="They fixed my laptop and explained it well. " * 8)
    rendered = render_card(card)
    assert images(rendered) == []
    # The words the card would show anyway are all still there, and one line more: nothing
    # was cut to make room for a picture that then did not fit.
    anyway = texts(render_card(card, image_url=URL))
    [note] = [text for text in texts(rendered) if text not in anyway]
    assert note.startswith("The chart is left out here")
    assert [text for text in texts(rendered) if text != note] == anyway
    assert schema_errors(rendered) == []
    assert microsoft_check({"left out": rendered}, tmp_path)["left out"]["errors"] == []
    assert utf16_size(rendered) <= CARD_BUDGET


def test_a_card_without_a_chart_is_rendered_as_before() -> None:
    plain = Card(**{**summary().__dict__, "image": None})
    assert render_card(plain) == render_card(plain, image_url=URL)
    assert images(render_card(plain)) == []


def test_the_console_says_what_the_chart_shows_in_words() -> None:
    shown = console_card(summary())
    assert "(Chart of the average rating each week" in shown and "13 weeks" in shown
    assert CHART.png_base64[:40] not in shown
    assert shown.index("13 weeks") > shown.index("Quality")  # after the figures
