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
