"""Adaptive Cards that Teams accepts: valid by the published 1.5 schema and by Microsoft's own
library, within Teams' size limit, and showing typed text exactly as it was typed."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams.cards import (
    as_attachment,
    fallback_text,
    render_card,
    render_form,
    utf16_size,
)
from bot import messages as m
from bot import views
from bot.cx import cards as cx_cards
from bot.requests import cards
from bot.views import Button, Card, Field, ItemList, ListItem, RatingRow, TimelineEntry, command
from storage.models import Request as StoredRequest
from storage.models import TimelineEntry as StoredEntry
from tests import summary_data
from tests.adapters.adaptive_cards.checks import (
    microsoft_check,
    schema_errors,
    teams_activity,
    without_joiners,
)
from tests.bot.test_followups import sample_cards

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANA, TESS = "teams:t1:29:1ana", "teams:t1:29:1tess"
NAMES = {ANA: "Ana [admin](http://x.example)", TESS: "Tess_IT"}
TEAMS_LIMIT = 40_000  # bytes of UTF-16; Teams' own figure is 40 KB, this is a little under
HOSTILE = (
    "**bold** _it_ ~~gone~~ `code` [bank](http://evil.example) <at>Everyone</at> "
    "http://evil.example/x www.evil.com mail@evil.com {{DATE(2026-01-01T00:00:00Z)}} "
    "&amp; \\*\n# heading\n- item\n1. first\n> quote"
)


def request(code: str, title: str, status: str, assignee: str | None = None) -> StoredRequest:
    return StoredRequest(code=code, requester=ANA, title=title, status=status, assignee=assignee)


@cache
def every_card() -> dict[str, dict[str, Any]]:
    """Each kind of card cxbot sends, built by the card builders from stored rows, rendered."""
    new = request("IT-7K3QX4", "Printer <jammed> & *smoking*", "received")
    taken = request("IT-7K3QX5", "Wifi drops", "in_progress", TESS)
    resolved = request("IT-7K3QX6", "VPN", "resolved", TESS)
    entries = [
        StoredEntry(request_id=1, at=NOW, actor=ANA, kind="opened"),
        StoredEntry(request_id=1, at=NOW, actor=TESS, kind="assigned"),
        StoredEntry(request_id=1, at=NOW, actor=TESS, kind="status", status="in_progress",
                    text=HOSTILE),
        StoredEntry(request_id=1, at=NOW, actor="system:close", kind="note", text="Closed"),
    ]  # fmt: skip
    lists = [
        cards.item_list(title, [new, taken, resolved], more=m.LIST_MORE.format(
            more=3, size=20, word="waiting", page=2))
        for title in (m.LIST_OWN, m.LIST_ASSIGNED, m.LIST_WAITING)
    ]  # fmt: skip
    all_chosen = {"communication": 5, "approachability": 4, "speed": 3, "knowledge": 2}
    built = {
        "tracking, requester": cards.tracking_card(new, entries, viewer=ANA, usual_seconds=3600),
        "tracking, requester, resolved": cards.tracking_card(resolved, entries, viewer=ANA),
        "tracking, staff, new": cards.tracking_card(new, entries, viewer=TESS, staff=True),
        "tracking, staff, taken": cards.tracking_card(
            taken, entries, viewer=TESS, staff=True, names=NAMES
        ),
        "triage, new": cards.triage_card(new, entries),
        "triage, taken": cards.triage_card(taken, entries, names=NAMES),
        "notice": cards.notice(taken, entries[2]),
        "rating, none chosen": cx_cards.rating_card(resolved, {}),
        "rating, some chosen": cx_cards.rating_card(resolved, {"speed": 3, "quality": 5}),
        "rating, all chosen": cx_cards.rating_card(resolved, {**all_chosen, "quality": 1}),
        "rating, closed": cx_cards.rating_card(resolved, {"speed": 3}, open_=False),
        **sample_cards(resolved),
        "lists": cards.request_lists(m.STAFF_LISTS_TITLE, lists, empty="-"),
        "lists, empty": cards.request_lists(m.STAFF_LISTS_TITLE, [], empty=m.NOTHING_OPEN),
        "help": views.message(m.HELP_TEXT + m.HELP_STAFF, title=m.HELP_TITLE),
        "message, hostile": views.message(HOSTILE),
        "people added": cards.people_added("IT-7K3QX4", [(TESS, "Tess *T*"), (ANA, None)]),
        "huge": big_card("*😀字" * 40_000, 300),
        **summary_data.sample_cards(),
    }
    rendered = {name: render_card(view) for name, view in built.items()}
    rendered["update form"] = render_form(cards.update_form(taken))
    rendered["comment form"] = render_form(cx_cards.comment_form(resolved))
    return rendered


def big_card(text: str, n: int) -> Card:
    return Card(
        title=text,
        text=text,
        fields=tuple(Field(text, text) for _ in range(30)),
        lists=tuple(
            ItemList(text, tuple(ListItem("IT-7K3QX4", text, text) for _ in range(n)), text)
            for _ in range(3)
        ),
        timeline=tuple(TimelineEntry(NOW + timedelta(minutes=i), text, text) for i in range(n)),
        rating_rows=tuple(
            RatingRow(d, text, text, 3, tuple(Button(text, "rate", f"c:{d}:{s}") for s in "12345"))
            for d in ("communication", "approachability", "speed", "knowledge", "quality")
        ),
        buttons=tuple(Button(text, "take", "IT-7K3QX4", opens_form=True) for _ in range(30)),
        footer=text,
        fallback=text,
    )


@pytest.mark.parametrize("name", list(every_card()))
def test_every_card_matches_the_published_adaptive_card_1_5_schema(name: str) -> None:
    card = every_card()[name]
    assert schema_errors(card) == []
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"


def test_every_card_passes_microsofts_adaptive_cards_library(tmp_path: Path) -> None:
    report = microsoft_check(every_card(), tmp_path)
    assert {name: r["errors"] for name, r in report.items() if r["errors"]} == {}
    assert len(report) == len(every_card())


def test_both_checks_catch_a_card_teams_would_refuse(tmp_path: Path) -> None:
    def broken(change: str) -> dict[str, Any]:
        card = render_card(Card(title="t", buttons=(Button("Go", "take", "X"),)))
        if change == "bad value":
            card["body"][0]["size"] = "Huge"
        elif change == "unknown element":
            card["body"].append({"type": "Carousel", "pages": []})
        else:
            card["body"][-1]["actions"] *= 6
        return card

    changes = ("bad value", "unknown element", "too many actions")
    assert [bool(schema_errors(broken(c))) for c in changes] == [True, True, False]
    report = microsoft_check({c: broken(c) for c in changes}, tmp_path)
    assert [[e.split(":")[0] for e in report[c]["errors"]] for c in changes] == [
        ["parse InvalidPropertyValue"],
        ["parse UnknownElementType"],
        ["validate TooManyActions"],
    ]


def test_typed_markdown_links_and_mentions_show_exactly_as_typed(tmp_path: Path) -> None:
    one_line = HOSTILE.replace("\n", " ")
    card = Card(
        title=HOSTILE,
        text=HOSTILE,
        fields=(Field(HOSTILE, HOSTILE),),
        lists=(ItemList(HOSTILE, (ListItem(HOSTILE, HOSTILE, HOSTILE),), HOSTILE),),
        timeline=(TimelineEntry(NOW, one_line, one_line),),
        footer=HOSTILE,
    )
    report = microsoft_check({"hostile": render_card(card)}, tmp_path)["hostile"]
    # As markdown-it renders it (CommonMark, with bare addresses turned into links), each
    # block is one paragraph of the typed text with no markup but what the card adds.
    rendered = [without_joiners(block) for block in report["html"]]
    typed = f"<p>{html.escape(HOSTILE, quote=False)}</p>\n"
    assert rendered.count(typed) == 7  # title, text, field label and value, list title and
    # its "more", footer
    line = html.escape(one_line, quote=False)
    when = "{{DATE(2026-11-23T12:00:00Z, SHORT)}} {{TIME(2026-11-23T12:00:00Z)}}"
    assert f"<p>{when} · <strong>{line}</strong>: {line}</p>\n" in rendered
    for block in rendered:
        assert "<a" not in block and "<em>" not in block and "<code>" not in block
    raw = json.dumps(render_card(card), ensure_ascii=False)
    assert "<at>" not in raw and "{{DATE(2026-01-01" not in raw


MARKDOWN_PIECES = (
    *"*_`[]()<>#-+!|~=&@\\:/. x字😀", "1.", "2)", "\n", "\n\n", "    ", "\t", "\r\n", "amp;",
    "#35;", "{{", "}}", "http://", "www.", "a.com", "<at>", "](", "![", "***", "  \n", "---",
)  # fmt: skip


def test_any_mix_of_markdown_syntax_shows_as_typed(tmp_path: Path) -> None:
    chance = random.Random(9)
    typed = ["".join(chance.choices(MARKDOWN_PIECES, k=chance.randint(1, 30))) for _ in range(400)]
    report = microsoft_check({str(n): render_card(Card("", text)) for n, text in enumerate(typed)},
                             tmp_path)  # fmt: skip
    for n, text in enumerate(typed):
        block = report[str(n)]["html"][0]
        # Paragraphs and line breaks are the only markup; the words are the typed ones,
        # give or take the whitespace a paragraph never shows.
        assert set(re.findall(r"<[^>]*>", block)) <= {"<p>", "</p>", "<br>"}, (text, block)
        words = html.unescape(re.sub(r"<[^>]*>", "", without_joiners(block)))
        assert words.split() == text.split(), (text, block)


def test_commands_show_as_the_bold_words_a_teams_user_types() -> None:
    text = f"Not fixed? Reply {command('/track reopen IT-7K3QX4')} or {command('track')}."
    card = render_card(Card(title="t", text=text, footer=text))
    shown = "Not fixed? Reply **track reopen IT-7K3QX4** or **track**."
    assert [b["text"] for b in card["body"][1:]] == [shown, shown]
    assert fallback_text(Card(title="", text=text)) == "Not fixed? Reply /track reopen" + (
        " IT-7K3QX4 or track."
    )


def test_a_chosen_score_is_distinct_and_said_in_the_bots_words() -> None:
    card = every_card()["rating, some chosen"]
    sets = [b["actions"] for b in card["body"] if b["type"] == "ActionSet"]
    rows = [row for row in sets if row[0]["data"]["cx"]["action"] == "rate"]
    assert len(rows) == 5 and all(len(row) == 5 for row in rows)
    picked = [a for row in rows for a in row if a["style"] == "positive"]
    assert [a["data"]["cx"]["value"] for a in picked] == [
        "IT-7K3QX6:speed:3",
        "IT-7K3QX6:quality:5",
    ]
    assert [a["title"] for a in picked] == ["✓ 3", "✓ 5"]
    assert {a["title"] for row in rows for a in row if a not in picked} == set("12345")
    texts = json.dumps(card, ensure_ascii=False)
    assert m.YOU_CHOSE.format(score=3) in texts and m.YOU_CHOSE.format(score=5) in texts
    flagged = render_card(Card(title="t", buttons=(Button("4", "rate", "x", selected=True),)))
    assert flagged["body"][-1]["actions"][0]["style"] == "positive"
    assert not [b for b in every_card()["rating, closed"]["body"] if b["type"] == "ActionSet"]


def test_buttons_send_cx_data_and_a_form_button_opens_a_task_module() -> None:
    buttons = (
        Button("Take it", "take", "IT-1", "primary"),
        Button("Post update", "update", "IT-1", opens_form=True),
        Button("Close", "close", "IT-1", "danger"),
    )
    actions = render_card(Card(title="t", buttons=buttons))["body"][-1]["actions"]
    assert [(a["type"], a["style"]) for a in actions] == [
        ("Action.Submit", "positive"),
        ("Action.Submit", "default"),
        ("Action.Submit", "destructive"),
    ]
    assert [a["data"] for a in actions] == [
        {"cx": {"action": "take", "value": "IT-1"}},
        {"cx": {"action": "update", "value": "IT-1"}, "msteams": {"type": "task/fetch"}},
        {"cx": {"action": "close", "value": "IT-1"}},
    ]


def test_the_update_form_asks_for_text_and_an_optional_status() -> None:
    form = cards.update_form(request("IT-1", "x", "in_progress", TESS))
    card = render_form(form)
    text, choice = card["body"]
    assert (text["id"], text["isMultiline"], text["maxLength"]) == ("text", True, 3000)
    assert text["placeholder"] == m.FORM_PLACEHOLDER
    assert (choice["id"], choice["style"], choice["isRequired"]) == ("choice", "compact", False)
    assert [c["value"] for c in choice["choices"]] == [v for v, _ in form.choices]
    assert card["actions"][0]["data"] == {"cx": {"action": "update", "value": "IT-1"}}


@pytest.mark.parametrize("unit", ["😀", "字", "*", "<", "a"])
def test_the_largest_cards_stay_under_teams_limit(unit: str) -> None:
    card = big_card(unit * 3000, 200)
    card = Card(**{**card.__dict__, "timeline": tuple(
        TimelineEntry(NOW + timedelta(minutes=i), "IT support", unit * 600) for i in range(200)
    )})  # fmt: skip
    activity = teams_activity(card)
    assert utf16_size(activity) < TEAMS_LIMIT
    assert schema_errors(activity["attachments"][0]["content"]) == []


def test_a_long_timeline_keeps_the_latest_and_says_how_many_are_hidden() -> None:
    timeline = tuple(TimelineEntry(NOW + timedelta(minutes=i), "You", f"n{i}") for i in range(200))
    body = render_card(Card(title="t", timeline=timeline))["body"]
    texts = [b["text"] for b in body]
    assert texts[1] == m.EARLIER_NOT_SHOWN.format(n=185)
    assert texts[-1].endswith("n199") and not any(t.endswith("n184") for t in texts)


def test_a_long_list_is_capped_and_says_how_many_are_left_out() -> None:
    items = tuple(ListItem(f"IT-{n:06d}", "x", "Received") for n in range(30))
    body = render_card(Card(title="t", lists=(ItemList("", items),)))["body"]
    assert len(body[1]["facts"]) == 25
    assert body[2]["text"] == m.AND_MORE.format(n=5)


def test_the_size_is_counted_in_utf16() -> None:
    assert utf16_size("😀") == 2 * 4  # the quotes, then a surrogate pair
    assert utf16_size({"a": "字"}) == 2 * len('{"a": "字"}')


@given(st.text(max_size=4000), st.integers(0, 250))
@settings(max_examples=40, deadline=None)
def test_any_text_renders_a_valid_card_under_the_limit(text: str, n: int) -> None:
    card = big_card(text, n)
    activity = teams_activity(card)
    assert utf16_size(activity) < TEAMS_LIMIT
    assert schema_errors(activity["attachments"][0]["content"]) == []


def test_a_notification_says_the_fallback_without_command_marks() -> None:
    card = Card(title="Title", text="Text", fallback=f"Reply {command('track reopen IT-1')}")
    assert fallback_text(card) == "Reply track reopen IT-1"
    assert fallback_text(Card(title="", text="Just text")) == "Just text"
    assert as_attachment({"k": 1}) == {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"k": 1},
    }
    assert not re.search("[\ue000\ue001]", fallback_text(Card(title=command("x" * 400))))
