"""Which `/track` words only read (answered after the acknowledgement) and which change
something (acknowledged once saved)."""

from __future__ import annotations

import pytest

from tests.bot.conftest import World

READS = ["", "  ", "help", "?", "IT-7K3QX4", "it 7k3qx4", "7K3QX4", "resolve", "take"]
CHANGES = [
    "My printer is jammed",
    "update IT-7K3QX4 New part ordered",
    "resolve IT-7K3QX4 Replaced",
    "take IT-7K3QX4",
    "reopen IT-7K3QX4",
    "follow IT-7K3QX4",
    "cc IT-7K3QX4 @slack:T1:U2",
    "it failed again",
]


@pytest.mark.parametrize("text", READS)
def test_reads(world: World, text: str) -> None:
    assert world.desk.track_only_reads(text)


@pytest.mark.parametrize("text", CHANGES)
def test_changes(world: World, text: str) -> None:
    assert not world.desk.track_only_reads(text)
