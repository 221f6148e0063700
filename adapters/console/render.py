"""Views → terminal text: plain words, people by name, and what to type to tap."""

from __future__ import annotations

import re

from adapters.console import words as w
from adapters.console.board import Keys
from adapters.console.people import name_of, names_in
from bot import messages as m
from bot.views import Card, Form, RatingRow, show_commands

_CODE = re.compile(r"\bIT-[0-9A-Z]{6}\b")


def clean(text: str) -> str:
    """Text as the terminal shows it: no control characters (escape sequences cannot reach
    the terminal), identities as names, commands as the console takes them ("/track …")."""
    shown = show_commands(text, lambda words: f'"/{words}"')
    return names_in("".join(ch for ch in shown if ch.isprintable() or ch == "\n"))


def _person(value: str, person: str | None) -> str:
    """A console person by their console name; anyone else by the name the card carries."""
    return name_of(person) if person and person.startswith("console:") else clean(value)


def _scores(row: RatingRow) -> str:
    return " ".join(clean(button.label) for button in row.buttons)


def _rating_rows(card: Card, keys: Keys | None) -> list[str]:
    questions = [f"{clean(row.label)} — {clean(row.question)}" for row in card.rating_rows]
    width = max(len(q) for q in questions)
    lines = []
    for index, (row, question) in enumerate(zip(card.rating_rows, questions, strict=True)):
        chosen = w.CHOSEN.format(score=row.chosen) if row.chosen is not None else ""
        if row.buttons and keys is not None:
            line = f"  {keys.rows[index]}  {question.ljust(width)}  {_scores(row)}  {chosen}"
        else:
            line = f"  {question}  {chosen}"
        lines.append(line.rstrip())
    open_rows = [i for i, row in enumerate(card.rating_rows) if row.buttons]
    if open_rows and keys is not None:
        row_index = open_rows[-1]
        row = card.rating_rows[row_index]
        score_at = max(0, len(row.buttons) - 2)
        example = keys.score_key(row_index, score_at, row.buttons[score_at])
        lines.append(
            w.RATE_HINT.format(
                example=example,
                label=clean(row.label),
                score=example[len(keys.rows[row_index]) :],
                number=keys.number,
            )
        )
    return lines


def buttons_line(card: Card, keys: Keys | None) -> str:
    if keys is None or not card.buttons:
        return ""
    return "  ".join(
        f"[{keys.number}{key}] {clean(button.label)}"
        for key, button in zip(keys.buttons, card.buttons, strict=True)
    )


def render_card(card: Card, keys: Keys | None = None) -> str:
    """The card as text; `keys` say what to type for its buttons."""
    lines: list[str] = []
    if card.title:
        title = clean(card.title)
        lines += [title, "─" * min(len(title), 60)]
    if card.text:
        lines.append(clean(card.text))
    for field in card.fields:
        lines.append(f"{clean(field.label)}: {_person(field.value, field.person)}")
    if card.image is not None:  # a terminal shows no pictures: the words that stand for it
        lines.append(m.CHART_IN_WORDS.format(alt=clean(card.image.alt)))
    for group in card.lists:
        if group.title:
            lines.append(clean(group.title))
        for item in group.items:
            lines.append(f"  {item.code}  {clean(item.title)[:70]}  [{clean(item.status)}]")
        if group.more:
            lines.append(clean(group.more))
    for entry in card.timeline:
        when = entry.when.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {when}  {_person(entry.who, entry.person)} — {clean(entry.text)}")
    if card.rating_rows:
        lines += _rating_rows(card, keys)
    if line := buttons_line(card, keys):
        lines.append(line)
    if card.footer:
        lines.append(clean(card.footer))
    return "\n".join(lines)


def summary(card: Card) -> str:
    """One short line that says what a card is about."""
    return (clean(card.title) or clean(card.text).split("\n", 1)[0])[:60]


def changes(before: Card, after: Card) -> str:
    """An in-place update as one short line, e.g. "(IT-7K3QX4 rating card updated: Quality 4)"."""
    seen: list[str] = []
    rows_before = {row.dimension: row for row in before.rating_rows}
    closed = False
    for row in after.rating_rows:
        old = rows_before.get(row.dimension)
        if row.chosen is not None and (old is None or old.chosen != row.chosen):
            seen.append(f"{clean(row.label)} {row.chosen}")
        closed = closed or (old is not None and bool(old.buttons) and not row.buttons)
    if closed:
        seen.append(w.RATING_CLOSED)
    fields_before = {f.label: (f.value, f.person) for f in before.fields}
    for field in after.fields:
        if fields_before.get(field.label) != (field.value, field.person):
            seen.append(f"{clean(field.label)}: {_person(field.value, field.person)}")
    for entry in after.timeline[len(before.timeline) :]:
        seen.append(f"{_person(entry.who, entry.person)} — {clean(entry.text)}")
    if after.text != before.text and not after.rating_rows:
        seen.append(clean(after.text).split("\n", 1)[0])
    if after.footer and after.footer != before.footer:
        seen.append(clean(after.footer))
    found = _CODE.search(after.title) or _CODE.search(after.fallback)
    if found is None:
        subject = w.SOME_CARD
    elif after.rating_rows:
        subject = w.RATING_CARD.format(code=found.group(0))
    else:
        subject = w.CARD.format(code=found.group(0))
    return w.UPDATED.format(subject=subject, changes=" · ".join(seen) or w.CHANGED)


def render_choices(form: Form) -> str:
    options = [f"[{n}] {clean(label)}" for n, (_, label) in enumerate(form.choices, start=1)]
    return f"{clean(form.choice_label)} {w.NO_CHANGE_CHOICE}: " + "  ".join(options)
