"""Block Kit stays inside Slack's limits and shows typed text inert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, ButtonElement, PlainTextObject

from adapters.slack.render import (
    action_name,
    render_blocks,
    render_modal,
    render_text,
    safe,
)
from bot import messages as m
from bot import views
from bot.cx import cards as cx_cards
from bot.requests import cards
from bot.views import Button, Card, Field, Form, ItemList, ListItem, RatingRow, TimelineEntry
from storage.models import Request as StoredRequest
from storage.models import TimelineEntry as StoredEntry
from tests import summary_data
from tests.bot.test_followups import sample_cards

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANA, TESS = "slack:T1:UANA", "slack:T1:UTESS"


def check_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    action_ids = []
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        assert len(text) <= (150 if block["type"] == "header" else 3000)
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                action_ids.append(element["action_id"])
    assert len(action_ids) == len(set(action_ids))


def mrkdwn(node: object):
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            yield from mrkdwn(value)


def big_card(text: str, n: int) -> Card:
    return Card(
        title=text,
        text=text,
        fields=tuple(Field(text, text) for _ in range(12)),
        lists=(
            ItemList(text, tuple(ListItem("IT-7K3QX4", text, "Received") for _ in range(n)), text),
        ),
        timeline=tuple(TimelineEntry(NOW + timedelta(minutes=i), text, text) for i in range(n)),
        buttons=tuple(Button(text, "take", "IT-7K3QX4") for _ in range(30)),
        footer=text,
        fallback=text,
    )


def test_huge_cards_are_shortened_not_rejected() -> None:
    blocks = render_blocks(big_card("x" * 100_000, 500))
    check_limits(blocks)
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"].endswith("…")
    assert any("earlier updates not shown" in json.dumps(b) for b in blocks)
    assert blocks[-1]["type"] == "context"  # the footer survives trimming


def test_mentions_and_links_people_typed_are_inert() -> None:
    hostile = "<!channel> <!here> <@U123> <http://evil.example|bank> & co"
    card = Card(
        title=hostile,
        text=hostile,
        fields=(Field("Note", hostile),),
        footer=hostile,
        timeline=(TimelineEntry(NOW, hostile, hostile),),
        lists=(ItemList(hostile, (ListItem("IT-7K3QX4", hostile, "Received"),), hostile),),
        fallback=hostile,
    )
    # Plain-text objects (the header) are never parsed by Slack; every mrkdwn one is escaped.
    payload = json.dumps(list(mrkdwn(render_blocks(card)))) + render_text(card)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<http://evil"):
        assert raw not in payload
    assert "&lt;!channel&gt;" in payload and "&amp; co" in payload


def test_people_are_shown_by_name_and_dates_in_the_readers_zone() -> None:
    card = Card(
        title="t", timeline=(TimelineEntry(NOW, "IT support", "On it", person="slack:T1:UTESS"),)
    )
    text = json.dumps(render_blocks(card))
    assert "<@UTESS>" in text
    assert f"<!date^{int(NOW.timestamp())}^" in text


def test_escaping_never_splits_an_entity_or_passes_the_limit() -> None:
    for n in range(2990, 3010):
        out = safe("a" * (n % 7) + "&" * n, 3000)
        assert len(out) <= 3000
        body = out.removesuffix("…")
        assert body.replace("&amp;", "").strip("a") == ""


def test_rating_rows_show_the_choice() -> None:
    rows = tuple(
        RatingRow(
            d,
            d.title(),
            "?",
            3 if d == "speed" else None,
            tuple(
                Button(str(s), "rate", f"IT-7K3QX4:{d}:{s}", selected=d == "speed" and s == 3)
                for s in range(1, 6)
            ),
        )
        for d in ("communication", "approachability", "speed", "knowledge", "quality")
    )
    blocks = render_blocks(Card(title="How did we do?", rating_rows=rows))
    check_limits(blocks)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 5 and all(len(a["elements"]) == 5 for a in actions)
    picked = [e for a in actions for e in a["elements"] if e.get("style") == "primary"]
    assert [e["value"] for e in picked] == ["IT-7K3QX4:speed:3"]
    assert "you chose 3" in json.dumps(blocks)
    assert {action_name(e["action_id"]) for a in actions for e in a["elements"]} == {"rate"}
    assert action_name("other") is None


def test_the_update_form_is_a_valid_modal() -> None:
    form = Form(
        title="Post an update to the requester now",
        submit_label="Send",
        action="update",
        value="IT-7K3QX4",
        text_label="What?",
        text_placeholder="Plain words",
        choice_label="Status",
        choices=(("in_progress", "In progress"), ("resolved", "Resolved")),
    )
    view = render_modal(form, callback_id="cx_form", private_metadata="{}")
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    options = view["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options] == ["in_progress", "resolved"]


@given(st.text(max_size=4000), st.integers(0, 60))
@settings(max_examples=150, deadline=None)
def test_any_text_renders_within_limits(text: str, n: int) -> None:
    check_limits(render_blocks(big_card(text, n)))
    assert len(render_text(Card(title=text, fallback=text))) <= 3000


def test_each_list_shows_its_title_and_what_is_left_out() -> None:
    titles = (m.LIST_OWN, m.LIST_ASSIGNED, m.LIST_WAITING)
    lists = tuple(
        ItemList(
            title,
            tuple(ListItem(f"IT-{n:06d}", "Printer jammed " * 30, "Received") for n in range(20)),
            more=m.LIST_MORE.format(more=100, size=20, word="waiting", page=2),
        )
        for title in titles
    )
    card = Card(title=m.STAFF_LISTS_TITLE, lists=lists, fallback=m.STAFF_LISTS_TITLE)
    blocks = render_blocks(card)
    check_limits(blocks)
    assert [Block.parse(b).to_dict() for b in blocks] == blocks  # valid Block Kit
    text = json.dumps(blocks, ensure_ascii=False)
    for title in titles:
        assert f"*{title}*" in text
    assert text.count("…and 100 more. Next 20: `/track waiting 2`") == 3
    positions = [text.index(f"*{title}*") for title in titles]
    assert positions == sorted(positions)
    # The App Home shows the same card: a home view allows 100 blocks, a message 50.
    assert len(blocks) <= 50


def test_a_list_too_long_for_a_message_still_says_how_many_are_left_out() -> None:
    items = tuple(ListItem(f"IT-{n:06d}", "x", "Received") for n in range(40))
    card = Card(title="t", lists=(ItemList("", items),))
    text = json.dumps(render_blocks(card), ensure_ascii=False)
    assert "…and 15 more" in text


def test_a_chosen_score_is_said_in_the_bots_words() -> None:
    row = RatingRow("speed", "Speed", "?", 4, ())
    text = json.dumps(render_blocks(Card(title="t", rating_rows=(row,))), ensure_ascii=False)
    assert m.YOU_CHOSE.format(score=4) in text


def every_card() -> dict[str, Card]:
    """Each kind of card cxbot sends, built by the card builders from stored rows."""
    new = StoredRequest(
        code="IT-7K3QX4", requester=ANA, title="Printer <jammed> & smoking", status="received"
    )
    taken = StoredRequest(
        code="IT-7K3QX5", requester=ANA, title="Wifi drops", status="in_progress", assignee=TESS
    )
    resolved = StoredRequest(
        code="IT-7K3QX6", requester=ANA, title="VPN", status="resolved", assignee=TESS
    )
    entries = [
        StoredEntry(request_id=1, at=NOW, actor=ANA, kind="opened"),
        StoredEntry(request_id=1, at=NOW, actor=TESS, kind="assigned"),
        StoredEntry(
            request_id=1,
            at=NOW,
            actor=TESS,
            kind="status",
            status="in_progress",
            text="On it <!here>",
        ),
        StoredEntry(request_id=1, at=NOW, actor="system:close", kind="note", text="Closed"),
    ]
    lists = [
        cards.item_list(
            title,
            [new, taken, resolved],
            more=m.LIST_MORE.format(more=3, size=20, word="waiting", page=2),
        )
        for title in (m.LIST_OWN, m.LIST_ASSIGNED, m.LIST_WAITING)
    ]
    return {
        "tracking, requester": cards.tracking_card(new, entries, viewer=ANA, usual_seconds=3600),
        "tracking, requester, resolved": cards.tracking_card(resolved, entries, viewer=ANA),
        "tracking, staff, new": cards.tracking_card(new, entries, viewer=TESS, staff=True),
        "tracking, staff, taken": cards.tracking_card(taken, entries, viewer=TESS, staff=True),
        "tracking, staff, resolved": cards.tracking_card(
            resolved, entries, viewer=TESS, staff=True
        ),
        "triage, new": cards.triage_card(new, entries),
        "triage, taken": cards.triage_card(taken, entries),
        "notice": cards.notice(taken, entries[2]),
        "rating, none chosen": cx_cards.rating_card(resolved, {}),
        "rating, some chosen": cx_cards.rating_card(resolved, {"speed": 3, "quality": 5}),
        "rating, closed": cx_cards.rating_card(resolved, {"speed": 3}, open_=False),
        **sample_cards(resolved),
        "lists": cards.request_lists(m.STAFF_LISTS_TITLE, lists, empty="-"),
        "lists, empty": cards.request_lists(m.STAFF_LISTS_TITLE, [], empty=m.LIST_OWN),
        "help": views.message(m.HELP_TEXT + m.HELP_STAFF, title=m.HELP_TITLE),
        "people added": cards.people_added("IT-7K3QX4", [(TESS, "Tess"), (ANA, None)]),
        "huge": big_card("x" * 100_000, 500),
        **summary_data.sample_cards(),
    }


def validate_deeply(node: object) -> None:
    """validate_json() on a model and on every model inside it (it checks only its own)."""
    if isinstance(node, JsonObject):
        node.validate_json()
        for name, value in vars(node).items():
            if not name.startswith("_"):
                validate_deeply(value)
    elif isinstance(node, list | tuple):
        for value in node:
            validate_deeply(value)


def test_a_button_past_slacks_limits_is_caught_by_the_check() -> None:
    too_long = {"type": "plain_text", "text": "x" * 76}
    block = {
        "type": "actions",
        "elements": [{"type": "button", "text": too_long, "action_id": "a"}],
    }
    with pytest.raises(SlackObjectFormationError):
        validate_deeply(Block.parse(block))


@pytest.mark.parametrize("name", list(every_card()))
def test_every_card_is_block_kit_that_slack_sdk_accepts(name: str) -> None:
    blocks = render_blocks(every_card()[name])
    parsed = Block.parse_all(blocks)
    assert len(parsed) == len(blocks) and all(type(b) is not Block for b in parsed)
    for block in parsed:
        validate_deeply(block)  # Slack's limits, as slack_sdk's models know them
    assert [block.to_dict() for block in parsed] == blocks
    check_limits(blocks)


def test_a_rating_cards_buttons_are_those_slack_sdk_would_build() -> None:
    card = every_card()["rating, some chosen"]
    actions = [b for b in render_blocks(card) if b["type"] == "actions"]
    expected = [
        ButtonElement(
            text=PlainTextObject(text=b.label, emoji=True),
            action_id=f"cx:rate:{5 * row + i + 1}",
            value=b.value,
            style="primary" if b.style == "primary" else None,
        ).to_dict()
        for row, r in enumerate(card.rating_rows)
        for i, b in enumerate(r.buttons)
    ]
    scores = [e for a in actions for e in a["elements"] if e["action_id"].startswith("cx:rate:")]
    assert scores == expected


def test_a_form_starts_with_the_words_saved_before() -> None:
    from bot.views import Form

    form = Form(
        "Comment", "Save", "comment", "IT-7K3QX4", "Your comment", "", "", text="Was <ok> & fine"
    )
    modal = render_modal(form, callback_id="cx_form", private_metadata="{}")
    [box] = [b for b in modal["blocks"] if b["block_id"] == "text"]
    assert box["element"]["initial_value"] == "Was <ok> & fine"  # plain text: no escaping
    validate_deeply(Block.parse_all(modal["blocks"]))
