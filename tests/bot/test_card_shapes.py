"""Cards stored in the outbox by an earlier version still read as their sender meant."""

from __future__ import annotations

from bot.views import ItemList, ListItem, load_card


def test_a_list_card_stored_before_lists_had_titles_keeps_its_items() -> None:
    stored = {
        "title": "Your open requests",
        "text": "",
        "items": [{"code": "IT-7K3QX4", "title": "Printer jammed", "status": "Received"}],
        "fallback": "Your open requests",
    }
    card = load_card(stored)
    assert card.lists == (
        ItemList(title="", items=(ListItem("IT-7K3QX4", "Printer jammed", "Received"),)),
    )
    assert load_card({**stored, "items": []}).lists == ()


def test_the_words_are_plain_text_for_every_renderer() -> None:
    """Views are plain text and each renderer formats: no Slack markup in the words."""
    from bot import messages

    def words(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [w for v in value.values() for w in words(v)]
        return []

    every = [w for name in dir(messages) if name.isupper() for w in words(getattr(messages, name))]
    assert len(every) > 50
    marked = [w for w in every if "`" in w or "<@" in w or "*" in w or "&lt;" in w]
    assert marked == []
