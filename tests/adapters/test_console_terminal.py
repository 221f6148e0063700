"""`cxbot chat` at a real terminal: lines from the keyboard, and Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from adapters.console.terminal import TerminalReader

ROOT = Path(__file__).resolve().parents[2]


async def test_lines_are_read_whole_however_the_bytes_arrive() -> None:
    inlet, outlet = os.pipe()
    written: list[str] = []
    reader = TerminalReader(inlet, written.append)
    os.write(outlet, b"first\nsecond ")
    assert await reader("> ") == "first"
    # "é" is two bytes, which may arrive in two reads.
    os.write(outlet, b"caf" + "é".encode()[:1])
    os.write(outlet, "é".encode()[1:] + b"\r\n")
    assert await reader("> ") == "second café"
    os.close(outlet)
    assert await reader("> ") is None
    assert written == ["> ", "> ", "> "]
    os.close(inlet)


def _read_until(fd: int, wanted: bytes, within: float) -> bytes:
    """What the terminal showed, until `wanted` appears or the time is up."""
    seen = b""
    deadline = time.monotonic() + within
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the program has ended
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _own_terminal() -> None:
    """In the child: the terminal on stdin becomes its own, as a shell's is, so Ctrl-C
    typed there interrupts it (and SIGINT is not left ignored by a parent without job
    control)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_at_the_prompt_exits_at_once_with_a_goodbye(tmp_path: Path) -> None:
    # A terminal that stays open, as it is for a person: nothing ends the wait for the next
    # line but Ctrl-C.
    screen, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXBOT_", "SLACK_"))}
    env["CXBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    chat = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "chat", "--as", "sam"],
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_own_terminal,
    )
    try:
        assert b"> " in _read_until(screen, b"> ", within=60)
        # Ctrl-C once the program sits waiting for the line, as a person's would come.
        time.sleep(1)
        os.write(screen, b"\x03")  # Ctrl-C
        pressed = time.monotonic()
        code = chat.wait(timeout=10)
        waited = time.monotonic() - pressed
        out = _read_until(screen, b"Goodbye.", within=1).decode()
        err = chat.stderr.read().decode()
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
        os.close(screen)
        os.close(terminal)
    assert code == 130, err
    assert waited < 3
    assert out.rstrip().endswith("Goodbye.")
    assert "Traceback" not in err and "Fatal" not in err
