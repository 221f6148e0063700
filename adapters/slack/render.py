"""Views → Block Kit, through slack_sdk's block models (which check Slack's limits); buttons,
the most numerous part, are built as dicts and checked against those models in the tests.

Text people typed is escaped, so `<!channel>`, `<@U…>` and `<http://…|…>` show as text and
can neither ping nor disguise a link. Long text is shortened, never rejected.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import Option
from slack_sdk.models.blocks.block_elements import PlainTextInputElement, StaticSelectElement
from slack_sdk.models.blocks.blocks import InputBlock
from slack_sdk.models.views import View

from bot import messages as m
from bot.people import slack_parts
from bot.views import (
    Button,
    Card,
    Form,
    ItemList,
    TimelineEntry,
    commands_in,
    show_commands,
    unmarked,
)

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_VALUE = 2000
MAX_FIELD = 2000
MAX_ACTIONS = 25
MAX_MODAL_TITLE = 24
MAX_TIMELINE = 15
MAX_ITEMS = 25

SLASH_COMMANDS = frozenset({"track", "cx-summary", "cx-me"})
ACTION_PATTERN = re.compile(r"^cx:([a-z_]+):\d+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def safe(text: str, limit: int) -> str:
    """Escaped text within `limit`, never cutting an `&amp;` in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = _ENTITY_TAIL.sub("", escaped[: limit - 1])
    return cut + "…"


def one_line(text: str) -> str:
    """Text typed on several lines (a DM, a comment), on one: a list shows one item a line."""
    return " ".join(text.split())


def plain(text: str, limit: int) -> str:
    return shorten(unmarked(text), limit) or " "


def slash(words: str) -> str:
    """A command as a Slack user types it: `track …` is the `/track …` slash command."""
    head = words.split(" ", 1)[0]
    return f"/{words}" if head in SLASH_COMMANDS else words


def mrkdwn(text: str, limit: int) -> str:
    """Text people and the bot wrote, escaped, with commands shown as code (`/track …`)."""
    shown = "".join(
        f"`{escape(slash(piece))}`" if is_command else escape(piece)
        for piece, is_command in commands_in(text)
    )
    if len(shown) <= limit:
        return shown
    return _ENTITY_TAIL.sub("", shown[: limit - 1]) + "…"


def slack_user(person: str | None) -> str | None:
    """The Slack user id of a Slack person, which Slack shows as their current name."""
    parts = slack_parts(person or "")
    return parts[1] if parts and _SLACK_USER.match(parts[1]) else None


def _who(name: str, person: str | None) -> str:
    user = slack_user(person)
    return f"<@{user}>" if user else f"*{safe(name, 200)}*"


def action_name(action_id: str) -> str | None:
    found = ACTION_PATTERN.match(action_id)
    return found.group(1) if found else None


class _Buttons:
    """Numbers buttons so each action_id in one message is unique."""

    def __init__(self) -> None:
        self.count = 0

    def element(self, button: Button) -> dict[str, Any]:
        """A button as Block Kit. Built as a dict: through slack_sdk's models a rating card's
        25 buttons took 0.6 ms to render; the limits are kept here, and the tests check every
        card against the models (tests/adapters/test_slack_render.py)."""
        self.count += 1
        style = (
            "primary" if button.selected else None if button.style == "default" else button.style
        )
        element: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": plain(button.label, MAX_BUTTON), "emoji": True},
            "action_id": f"cx:{button.action}:{self.count}",
        }
        if button.value:
            element["value"] = button.value[:MAX_VALUE]
        if style:
            element["style"] = style
        return element


def _actions(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "actions", "elements": elements}


def _timeline_line(entry: TimelineEntry) -> str:
    stamp = int(entry.when.timestamp())
    fallback = entry.when.strftime("%Y-%m-%d %H:%M UTC")
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"
    return f"{when} · {_who(entry.who, entry.person)}: {mrkdwn(entry.text, 600)}"


def _lines_to_sections(lines: list[str]) -> list[Block]:
    sections: list[Block] = []
    chunk = ""
    for line in lines:
        line = line[:MAX_SECTION]
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION:
            sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return sections


def _list_lines(group: ItemList) -> list[str]:
    """A list as lines: its title, one line per request, and what was left out."""
    items = group.items[:MAX_ITEMS]
    lines = [f"*{safe(group.title, 200)}*"] if group.title else []
    lines += [
        f"`{safe(i.code, 20)}`  {safe(shorten(one_line(i.title), 120), 400)}"
        f" — *{safe(i.status, 40)}*"
        for i in items
    ]
    if len(group.items) > len(items):
        lines.append(f"_{safe(m.AND_MORE.format(n=len(group.items) - len(items)), 100)}_")
    if group.more:
        lines.append(f"_{mrkdwn(group.more, 500)}_")
    return lines


def _field_text(label: str, value: str, person: str | None) -> str:
    shown = _who(value, person) if slack_user(person) else safe(value, 1500)
    return f"*{safe(label, 200)}*\n{shown}"


def render_blocks(card: Card) -> list[dict[str, Any]]:
    """The card as Block Kit; at most 50 blocks, every part within Slack's limits."""
    numbering = _Buttons()
    head: list[Block] = []
    if card.title:
        head.append(HeaderBlock(text=PlainTextObject(text=plain(card.title, MAX_HEADER))))
    if card.text:
        head.append(SectionBlock(text=MarkdownTextObject(text=mrkdwn(card.text, MAX_SECTION))))
    if card.fields:
        texts = [_field_text(f.label, f.value, f.person)[:MAX_FIELD] for f in card.fields[:10]]
        head.append(SectionBlock(fields=[MarkdownTextObject(text=t) for t in texts]))

    middle: list[Block] = []
    for group in card.lists:
        middle.extend(_lines_to_sections(_list_lines(group)))
    if card.timeline:
        entries = card.timeline[-MAX_TIMELINE:]
        lines = [_timeline_line(e) for e in entries]
        hidden = len(card.timeline) - len(entries)
        if hidden:
            lines.insert(0, f"_{safe(m.EARLIER_NOT_SHOWN.format(n=hidden), 100)}_")
        middle.extend(_lines_to_sections(lines))

    rows: list[Block | dict[str, Any]] = []
    for row in card.rating_rows:
        chosen = f" — {m.YOU_CHOSE.format(score=row.chosen)}" if row.chosen else ""
        text = f"*{safe(row.label, 100)}*: {safe(row.question, 500)}{chosen}"
        rows.append(SectionBlock(text=MarkdownTextObject(text=text)))
        if row.buttons:
            elements = [numbering.element(b) for b in row.buttons[:MAX_ACTIONS]]
            rows.append(_actions(elements))

    tail: list[Block | dict[str, Any]] = []
    if card.buttons:
        elements = [numbering.element(b) for b in card.buttons[:MAX_ACTIONS]]
        tail.append(_actions(elements))
    if card.footer:
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=mrkdwn(card.footer, 2000))]))

    room = MAX_BLOCKS - len(head) - len(rows) - len(tail)
    blocks = [*head, *middle[: max(0, room)], *rows, *tail][:MAX_BLOCKS]
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks]


def render_text(card: Card) -> str:
    """What a notification says when it cannot show the card."""
    words = card.fallback or card.title or card.text or " "
    return safe(show_commands(words, slash), MAX_SECTION)


def render_modal(form: Form, *, callback_id: str, private_metadata: str) -> dict[str, Any]:
    blocks: list[Block] = [
        InputBlock(
            block_id="text",
            label=PlainTextObject(text=plain(form.text_label, 2000)),
            element=PlainTextInputElement(
                action_id="text",
                multiline=True,
                max_length=3000,
                placeholder=PlainTextObject(text=plain(form.text_placeholder, 150)),
                initial_value=form.text[:3000] or None,
            ),
            optional=True,
        )
    ]
    if form.choices:
        options = [
            Option(value=value, text=PlainTextObject(text=plain(label, 75)))
            for value, label in form.choices[:100]
        ]
        blocks.append(
            InputBlock(
                block_id="choice",
                label=PlainTextObject(text=plain(form.choice_label, 2000)),
                element=StaticSelectElement(action_id="choice", options=options),
                optional=True,
            )
        )
    view = View(
        type="modal",
        callback_id=callback_id,
        private_metadata=private_metadata[:3000],
        title=PlainTextObject(text=plain(form.title, MAX_MODAL_TITLE)),
        submit=PlainTextObject(text=plain(form.submit_label, MAX_MODAL_TITLE)),
        close=PlainTextObject(text=m.CANCEL),
        blocks=blocks,
    )
    return view.to_dict()


def render_notice(card: Card, *, title: str) -> dict[str, Any]:
    """A modal saying how a form went, shown in place of the form (response_action
    "update"): only a close button, so nothing comes back from it."""
    view = View(
        type="modal",
        title=PlainTextObject(text=plain(title, MAX_MODAL_TITLE)),
        close=PlainTextObject(text=m.FORM_CLOSE),
        blocks=render_blocks(card),
    )
    return view.to_dict()
