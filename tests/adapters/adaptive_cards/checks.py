"""Checks a card as Teams' own tools would: the published schema and Microsoft's library.

See README.md here for where the schema comes from and how to install the library.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationAccount
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from adapters.teams.cards import as_attachment, fallback_text, render_card
from bot.views import Card

CHECKER = Path(__file__).parent


@cache
def schema_validator() -> Draft6Validator:
    schema = json.loads((CHECKER / "adaptive-card-1.5.0.schema.json").read_text())
    return Draft6Validator(schema)


def schema_errors(card: dict[str, Any]) -> list[str]:
    """Where and why the card breaks the schema; best_match looks inside the schema's anyOf
    of element types, which on its own only says that no type fits."""
    found = (best_match([e]) for e in schema_validator().iter_errors(card))
    return [f"{list(e.absolute_path)}: {e.message}" for e in found if e is not None]


def microsoft_check(rendered: dict[str, dict[str, Any]], tmp_path: Path) -> dict[str, Any]:
    """Each card through Microsoft's adaptivecards library (tests/adapters/adaptive_cards)."""
    node = shutil.which("node")
    assert node, "node is needed to check cards with Microsoft's adaptivecards library"
    assert (CHECKER / "node_modules" / "adaptivecards").is_dir(), (
        "run `npm ci --prefix tests/adapters/adaptive_cards` first"
    )
    path = tmp_path / "cards.json"
    path.write_text(json.dumps(rendered, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node, str(CHECKER / "validate.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def without_joiners(text: str) -> str:
    return text.replace("\u2060", "")


def teams_activity(card: Card) -> dict[str, Any]:
    """The message as the Bot Framework sends it to Teams, with ids as long as Teams' own."""
    activity = Activity(
        type="message",
        text=fallback_text(card),
        summary=fallback_text(card),
        from_property=ChannelAccount(id="28:" + "b" * 36, name="cxbot"),
        recipient=ChannelAccount(id="29:1" + "r" * 120, name="Ana Lima Ferreira de Souza"),
        conversation=ConversationAccount(id="a:1" + "c" * 200, conversation_type="personal"),
        service_url="https://smba.trafficmanager.net/emea/" + "t" * 36 + "/",
        reply_to_id="1" * 13,
        channel_data={"tenant": {"id": "t" * 36}, "notification": {"alert": True}},
        attachments=[Attachment.deserialize(as_attachment(render_card(card)))],
    )
    return activity.serialize()
