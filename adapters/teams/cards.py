"""Views → Adaptive Cards (schema 1.5, the newest Teams renders everywhere).

TextBlocks read a markdown subset, so every piece of a view's text is escaped to show as
typed: no bold, link, mention or date function can come from what a person wrote. Commands
are the only markup, shown as the bold words a Teams user types. Teams refuses a message
over 40 KB counted in UTF-16, so a card is rendered at gradually tighter limits until it
fits: long text is shortened, the timeline keeps its latest entries, lists are capped.
"""

from __future__ import annotations

import json
import re
from dataclasses import astuple, dataclass, replace
from datetime import UTC
from typing import Any

from bot import messages as m
from bot.views import (
    Button,
    Card,
    Form,
    Image,
    ItemList,
    RatingRow,
    TimelineEntry,
    show_commands,
    unmarked,
)

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the newest version that every Teams client renders
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams' 40 KB limit is on the whole activity; the envelope (ids, addresses, the fallback
# text) takes a few KB of it, so the card itself keeps to this.
CARD_BUDGET = 34_000
MAX_BUTTONS = 5  # the Adaptive Cards default host allows five actions in a set
MAX_LISTS = 5
MAX_ROWS = 6  # rating rows; there are five dimensions
MAX_FALLBACK = 300
MAX_ALT = 500  # a picture's words, for screen readers
_STYLES = {"primary": "positive", "danger": "destructive", "default": "default"}

# Syntax anywhere in a line: emphasis, code, links and images, mentions (<at>) and HTML,
# strikethrough, and the {{DATE()}} / {{TIME()}} functions.
_ANYWHERE = re.compile(r"([`*_~\[\]<>{}])")
# A backslash is only an escape before punctuation or a line end; elsewhere it shows as is.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|\n|$)")
# Syntax only at the start of a line: headings, quotes, list items, setext underlines.
_LINE_START = re.compile(r"^([#>+=-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\d+)([.)])", re.MULTILINE)
# Indenting would make a code block; a paragraph never shows it anyway.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_ENTITY = re.compile(r"&(?=#?\w+;)")
# Hosts turn bare addresses into links; an invisible word joiner breaks "//" and the dot
# before a domain's ending, so an address never becomes one.
_JOINER = "\u2060"
_SLASHES = re.compile(r"/(?=/)")
_DOT = re.compile(r"(?<=\w)\.(?=\w)")


def literal(text: str) -> str:
    """Text that a CommonMark reader (Teams' markdown follows it) shows as it was typed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # so ^ finds every line start
    text = _INDENT.sub("", text)
    text = _BACKSLASH.sub(r"\\\\", text)
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    text = _LINE_START.sub(r"\\\1", text)
    text = _SLASHES.sub("/" + _JOINER, text)
    return _DOT.sub("." + _JOINER, text)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shown(text: str, limit: int) -> str:
    """View text as TextBlock markdown: literal words, commands as the bold words to type."""
    # Escaping leaves the command marks alone, so the commands are found after it.
    return show_commands(literal(shorten(text, limit)), lambda words: _bold(words.lstrip("/")))


def _bold(text: str) -> str:
    # "****" of an empty part would read as a line, not as nothing.
    return f"**{text}**" if text.strip() else text


def utf16_size(obj: Any) -> int:
    """Bytes of `obj` as JSON in UTF-16, the way Teams measures a message."""
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-16-le"))


@dataclass(frozen=True)
class _Limits:
    """How much of each part a card shows: characters of text, then numbers of entries."""

    text: int = 3000  # the card's own text
    line: int = 600  # a timeline entry, a list line, a field's value, a question, the footer
    label: int = 200  # titles, labels, names
    fields: int = 20
    timeline: int = 15
    items: int = 25

    def tighter(self) -> _Limits:
        """Shorter text first, so a card keeps its entries; then fewer entries as well."""
        if self.line > 75:
            return replace(self, text=self.text // 2, line=self.line // 2, label=self.label // 2)
        return _Limits(*(max(1, size // 2) for size in astuple(self)))


def _text(text: str, limit: int, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": shown(text, limit), "wrap": True, **style}


def _action(button: Button, limits: _Limits) -> dict[str, Any]:
    data: dict[str, Any] = {"cx": {"action": button.action, "value": button.value}}
    if button.opens_form:
        data["msteams"] = {"type": "task/fetch"}
    chosen = button.selected
    # A button's title is plain text, never markdown.
    title = shorten(unmarked(button.label), min(40, limits.label))
    return {
        "type": "Action.Submit",
        "title": m.CHOSEN_MARK.format(label=title) if chosen else title,
        "style": "positive" if chosen else _STYLES[button.style],
        "data": data,
    }


def _action_set(actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": actions}


def _list(group: ItemList, limits: _Limits) -> list[dict[str, Any]]:
    """A list: its title, a fact per request (code, then title and status), what is left out."""
    parts: list[dict[str, Any]] = []
    if group.title:
        parts.append(_text(group.title, limits.label, weight="Bolder", spacing="Medium"))
    items = group.items[: limits.items]
    code = min(20, limits.label)
    facts = [
        {"title": shown(i.code, code), "value": shown(f"{i.title} — {i.status}", limits.line)}
        for i in items
    ]
    if facts:
        parts.append({"type": "FactSet", "facts": facts})
    if hidden := len(group.items) - len(items):
        parts.append(_text(m.AND_MORE.format(n=hidden), 100, isSubtle=True))
    if group.more:
        parts.append(_text(group.more, limits.line, isSubtle=True, spacing="None"))
    return parts


def _when(entry: TimelineEntry) -> str:
    """The moment as Adaptive Card date functions, which show it in the reader's time zone."""
    iso = entry.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"


def _timeline(entries: tuple[TimelineEntry, ...], limits: _Limits) -> list[dict[str, Any]]:
    kept = entries[-limits.timeline :]
    parts: list[dict[str, Any]] = []
    if hidden := len(entries) - len(kept):
        parts.append(_text(m.EARLIER_NOT_SHOWN.format(n=hidden), 100, isSubtle=True))
    for entry in kept:
        who = _bold(shown(entry.who, limits.label))
        line = f"{_when(entry)} · {who}: {shown(entry.text, limits.line)}"
        parts.append({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"})
    if parts:
        parts[0]["separator"] = True
    return parts


def _rating_row(row: RatingRow, limits: _Limits) -> list[dict[str, Any]]:
    """The question, "you chose N" once tapped, then a button per score."""
    question = f"{_bold(shown(row.label, limits.label))}: {shown(row.question, limits.line)}"
    if row.chosen:
        question += f" — {literal(m.YOU_CHOSE.format(score=row.chosen))}"
    parts: list[dict[str, Any]] = [{"type": "TextBlock", "text": question, "wrap": True}]
    if row.buttons:
        actions = [_action(b, limits) for b in row.buttons[:MAX_BUTTONS]]
        parts.append(_action_set(actions))
    return parts


def _image(image: Image, url: str) -> dict[str, Any]:
    return {"type": "Image", "url": url, "altText": shorten(image.alt, MAX_ALT), "size": "Stretch"}


def _body(
    card: Card, limits: _Limits, picture: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The card's parts; `picture` (the image, or why it is not there) after the fields."""
    body: list[dict[str, Any]] = []
    if card.title:
        title = _text(card.title, limits.label, style="heading", size="Medium", weight="Bolder")
        body.append(title)
    if card.text:
        body.append(_text(card.text, limits.text))
    if card.fields:
        kept = card.fields[: limits.fields]
        facts = [{"title": shown(f.label, limits.label), "value": shown(f.value, limits.line)}
                 for f in kept]  # fmt: skip
        body.append({"type": "FactSet", "facts": facts})
        if hidden := len(card.fields) - len(kept):
            body.append(_text(m.AND_MORE.format(n=hidden), 100, isSubtle=True))
    if picture is not None:
        body.append(picture)
    for group in card.lists[:MAX_LISTS]:
        body.extend(_list(group, limits))
    body.extend(_timeline(card.timeline, limits))
    for row in card.rating_rows[:MAX_ROWS]:
        body.extend(_rating_row(row, limits))
    buttons = card.buttons
    if card.form is not None:
        # The form sits on the card, in place of the button that would open it.
        buttons = tuple(b for b in buttons if b.action != card.form.action)
        body.extend(_inline_form(card.form, limits))
    if buttons:
        body.append(_action_set([_action(b, limits) for b in buttons[:MAX_BUTTONS]]))
    if card.footer:
        body.append(_text(card.footer, limits.line, isSubtle=True, size="Small"))
    if card.form is not None:
        _keep_inputs_to(card.form.action, body)
    return body


def _inline_form(form: Form, limits: _Limits) -> list[dict[str, Any]]:
    """A form's text box and its submit button, on the card itself; the words come back
    as `text` beside the button's data, like a task module's."""
    field = {
        "type": "Input.Text",
        "id": "text",
        "label": shorten(unmarked(form.text_label), limits.label),
        "placeholder": shorten(unmarked(form.text_placeholder), 150),
        **({"value": form.text[:3000]} if form.text else {}),
        "isMultiline": True,
        "maxLength": 3000,
        "isRequired": True,
        "errorMessage": shorten(unmarked(m.COMMENT_EMPTY), 150),
    }
    submit = {
        "type": "Action.Submit",
        "title": shorten(unmarked(form.submit_label), 40),
        "data": {"cx": {"action": form.action, "value": form.value}},
    }
    return [field, _action_set([submit])]


def _keep_inputs_to(action: str, node: Any) -> None:
    """Every other button sends no typed words: a score tapped with a half-written comment
    is a score, not a comment."""
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit" and node["data"]["cx"]["action"] != action:
            node["associatedInputs"] = "none"
        for value in node.values():
            _keep_inputs_to(action, value)
    elif isinstance(node, list):
        for value in node:
            _keep_inputs_to(action, value)


def _card(body: list[dict[str, Any]]) -> dict[str, Any]:
    # No "fallbackText": hosts may read it as markdown; the activity's text and summary say it.
    body = body or [{"type": "TextBlock", "text": " "}]
    return {"$schema": SCHEMA, "type": "AdaptiveCard", "version": VERSION, "body": body}


def render_card(card: Card, *, image_url: str | None = None) -> dict[str, Any]:
    """The card as an Adaptive Card, at the roomiest limits that keep it within budget.

    Its picture is shown from `image_url` (where the server serves it). Without one, the
    picture travels inside the card as a data URI when that fits beside everything the card
    would show anyway; otherwise it is left out, and the card says so.
    """
    if card.image is None or image_url:
        picture = _image(card.image, image_url) if card.image and image_url else None
        return _fit(card, picture)[0]
    limits = _fit(card, None)[1]
    inline = _card(_body(card, limits, _image(card.image, data_uri(card.image))))
    if utf16_size(inline) <= CARD_BUDGET:
        return inline
    return _fit(card, _text(m.CHART_LEFT_OUT, 300, isSubtle=True))[0]


def _fit(card: Card, picture: dict[str, Any] | None) -> tuple[dict[str, Any], _Limits]:
    limits = _Limits()
    while True:
        rendered = _card(_body(card, limits, picture))
        if utf16_size(rendered) <= CARD_BUDGET or limits == limits.tighter():
            # At the tightest limits every part is a character or one entry: what is left is
            # the card's shape (six rows of five buttons at most), well within the budget.
            return rendered, limits
        limits = limits.tighter()


def data_uri(image: Image) -> str:
    return f"data:image/png;base64,{image.png_base64}"


def render_form(form: Form) -> dict[str, Any]:
    """A form for a Teams task module; its answers come back as `text` and `choice`."""
    body: list[dict[str, Any]] = [
        {
            "type": "Input.Text",
            "id": "text",
            "label": shorten(form.text_label, 200),
            "placeholder": shorten(form.text_placeholder, 150),
            **({"value": form.text[:3000]} if form.text else {}),
            "isMultiline": True,
            "maxLength": 3000,
        }
    ]
    if form.choices:
        choices = [
            {"title": shorten(label, 100), "value": value} for value, label in form.choices[:100]
        ]
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": "choice",
                "label": shorten(form.choice_label, 200),
                "style": "compact",
                "isRequired": False,
                "choices": choices,
            }
        )
    submit = {
        "type": "Action.Submit",
        "title": shorten(form.submit_label, 40),
        "style": "positive",
        "data": {"cx": {"action": form.action, "value": form.value}},
    }
    return {**_card(body), "actions": [submit]}


def fallback_text(card: Card) -> str:
    """Plain text for a notification or a client that cannot show the card."""
    return shorten(unmarked(card.fallback or card.title or card.text), MAX_FALLBACK)


def as_attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": content}
