"""`cxbot chat` as a person would use it: typed lines in, text out."""

from __future__ import annotations

import re

from adapters.console.chat import run_chat
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import grant

ANA, TESS = "slack:T1:UANA", "slack:T1:UTESS"


class Script:
    """Feeds lines one by one; a callable line is computed from the output so far."""

    def __init__(self, lines: list) -> None:
        self.lines = list(lines)
        self.output: list[str] = []

    async def read(self, prompt: str) -> str | None:
        if not self.lines:
            return None
        line = self.lines.pop(0)
        return line(self.text) if callable(line) else line

    def write(self, text: str) -> None:
        self.output.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.output)


def number_of(label: str):
    """The number of the last button with this label on screen."""
    return lambda text: re.findall(rf"\[(\d+)\] {re.escape(label)}", text)[-1]


async def test_a_request_from_open_to_rating_in_the_terminal(settings: Settings) -> None:
    db = Database(settings.database_url)
    await migrate(db)
    await grant(db, TESS, "technician")
    await db.dispose()
    script = Script(
        [
            "/track My printer is jammed",
            f"/as {TESS}",
            "/track",
            lambda text: "/track " + re.findall(r"IT-[0-9A-Z]{6}", text)[-1].lower(),
            number_of("Take it"),
            number_of("Post update"),
            "Clearing the paper path now",
            "1",
            lambda text: "/track resolve " + re.findall(r"IT-[0-9A-Z]{6}", text)[0] + " Fixed",
            f"/as {ANA}",
            lambda text: re.findall(r"\[(\d+)\] 4", text)[-1],
            "/as not-an-identity",
            "/track IT-XXXXXX",
            "/quit",
        ]
    )
    await run_chat(settings, ANA, read_line=script.read, write=script.write)
    out = script.text
    code = re.findall(r"IT-[0-9A-Z]{6}", out)[0]
    assert f"Thanks — your request {code} is in" in out
    assert f"— message to you —\n{code} · Received" in out
    assert "Assigned to you, and waiting to be picked up\n" in out
    assert f"You're now looking after {code}." in out
    assert "(message for slack:T1:UANA:" in out
    assert f"Update posted on {code}" in out
    assert f"{code} is resolved" in out
    assert "Quality — Did the fix do what you needed?  (you chose 4)" in out
    assert "That isn't an identity I know." in out
    assert "couldn't find IT-XXXXXX" in out or "doesn't look like a tracking code" in out
