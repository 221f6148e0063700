"""Lines typed at the terminal, read so that Ctrl-C ends `cxbot chat` at once."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable


def _prompt(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _settle(done: asyncio.Future[bytes], chunk: bytes) -> None:
    if not done.done():
        done.set_result(chunk)


class TerminalReader:
    """Reads lines from a file descriptor (the keyboard by default).

    Each read runs in its own daemon thread with `os.read`, not `input()` in the default
    executor: after Ctrl-C, `asyncio.run` would wait for that executor's thread, which
    waits for Enter; and a daemon thread blocked in `input()` holds `sys.stdin`'s lock,
    which makes the interpreter abort at exit. A raw read holds no lock, and a daemon
    thread does not keep the process alive.
    """

    def __init__(self, fd: int = 0, show: Callable[[str], None] = _prompt) -> None:
        self.fd = fd
        self.show = show
        self._buffer = b""
        self._ended = False

    async def __call__(self, prompt: str) -> str | None:
        """The next line without its line ending; None once the input has ended."""
        self.show(prompt)
        while b"\n" not in self._buffer and not self._ended:
            chunk = await self._chunk()
            self._buffer += chunk
            self._ended = not chunk
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        # Decoded whole, so a character split across two reads is not garbled.
        return line.decode("utf-8", errors="replace").removesuffix("\r")

    async def _chunk(self) -> bytes:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bytes] = loop.create_future()

        def read() -> None:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the terminal went away: as good as the end of input
                chunk = b""
            try:
                loop.call_soon_threadsafe(_settle, done, chunk)
            except RuntimeError:  # the chat ended (Ctrl-C) while this read waited
                pass

        threading.Thread(target=read, name="cxbot-chat-keyboard", daemon=True).start()
        return await done
