"""Views → terminal text, with every button numbered so it can be tapped by typing."""

from __future__ import annotations

from bot.views import Button, Card, Form


def clean(text: str) -> str:
    """Text without control characters (escape sequences cannot reach the terminal)."""
    return "".join(ch for ch in text if ch.isprintable() or ch == "\n")


def _label(button: Button, number: int, chosen: bool = False) -> str:
    mark = "*" if chosen else ""
    return f"[{number}] {clean(button.label)}{mark}"


def render_card(card: Card, *, first_number: int = 1) -> tuple[str, list[Button]]:
    """The card as text, and its buttons in the order of their numbers."""
    lines: list[str] = []
    buttons: list[Button] = []
    if card.title:
        title = clean(card.title)
        lines += [title, "─" * min(len(title), 60)]
    if card.text:
        lines.append(clean(card.text))
    for field in card.fields:
        lines.append(f"{clean(field.label)}: {clean(field.value)}")
    for item in card.items:
        lines.append(f"  {item.code}  {clean(item.title)[:70]}  [{clean(item.status)}]")
    for entry in card.timeline:
        when = entry.when.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {when}  {clean(entry.who)} — {clean(entry.text)}")
    for row in card.rating_rows:
        taps = []
        for button in row.buttons:
            buttons.append(button)
            chosen = row.chosen is not None and button.value.endswith(f":{row.chosen}")
            taps.append(_label(button, first_number + len(buttons) - 1, chosen))
        chosen_text = f"  (you chose {row.chosen})" if row.chosen else ""
        lines.append(f"{clean(row.label)} — {clean(row.question)}{chosen_text}")
        if taps:
            lines.append("    " + "  ".join(taps))
    if card.buttons:
        taps = []
        for button in card.buttons:
            buttons.append(button)
            taps.append(_label(button, first_number + len(buttons) - 1))
        lines.append("  ".join(taps))
    if card.footer:
        lines.append(clean(card.footer))
    return "\n".join(lines), buttons


def render_choices(form: Form) -> str:
    options = [f"[{n}] {clean(label)}" for n, (_, label) in enumerate(form.choices, start=1)]
    return f"{clean(form.choice_label)} (Enter for no change): " + "  ".join(options)
