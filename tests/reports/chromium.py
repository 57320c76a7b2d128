"""Debian's headless Chromium, driven over the Chrome DevTools Protocol on a pipe.

``--remote-debugging-pipe`` makes Chromium read protocol commands from file descriptor
3 and write its answers and events to descriptor 4, each message a JSON text ended by a
NUL byte: no port, no websocket, nothing on the network. One browser serves every page
a test opens; a page is judged by the text it shows once its scripts have run.

Chromium is a Debian package the Makefile installs (``make system-deps``). Without it
the tests are skipped on a developer machine and fail under CI (``CI`` set), as with
tshark (tests/tshark.py).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

# Flags for a machine whose only network is a package registry: nothing in the
# background may try to reach Google's services (each attempt is refused, or hangs).
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)  # fmt: skip
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")


class BrowserError(AssertionError):
    """Chromium did not answer as the protocol says, or a page never showed what was awaited."""


def find_chromium() -> str:
    for candidate in CANDIDATES:
        path = shutil.which(candidate)
        if path is not None:
            return path
    message = "Chromium is not installed (the Makefile installs it: apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Chromium:
    """One headless browser with one page (tab), for the duration of a ``with`` block."""

    def __init__(self, executable: str, profile: Path, *, width: int = 1400, height: int = 1000) -> None:
        self._executable = executable
        self._profile = profile
        self._size = (width, height)
        self._next_id = 0
        self._buffer = b""
        self._pid = 0
        self._session = ""

    def __enter__(self) -> Chromium:
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        # Move the child's ends above the descriptors it must receive them on (3 and 4),
        # so that placing one there cannot overwrite the other.
        high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
        high_write = fcntl.fcntl(answers_write, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (commands_read, answers_write):
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        args = [
            self._executable, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-pipe",
            f"--window-size={self._size[0]},{self._size[1]}", "about:blank",
        ]  # fmt: skip
        try:
            self._pid = os.posix_spawn(
                self._executable,
                args,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, devnull, 2),
                    (os.POSIX_SPAWN_DUP2, high_read, 3),
                    (os.POSIX_SPAWN_DUP2, high_write, 4),
                ],
            )
        finally:
            for fd in (high_read, high_write, devnull):
                os.close(fd)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=self._size[0],
            height=self._size[1],
            deviceScaleFactor=1,
            mobile=False,
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.call("Browser.close", timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            os.kill(self._pid, 9)
            os.waitpid(self._pid, 0)
        os.close(self._commands)
        os.close(self._answers)

    def call(self, method: str, *, session: bool = False, timeout: float = 30, **params: Any) -> dict:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def _read(self, deadline: float, waiting_for: str) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._answers], [], [], max(0.0, remaining))
            if not ready:
                raise BrowserError(f"Chromium did not answer {waiting_for} in time")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe while answering {waiting_for}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)

    def text(self) -> str:
        """What the page shows, as a reader would copy it."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_text(self, *needles: str, timeout: float = 20) -> str:
        """The page's text once it shows every one of ``needles``."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            missing = [n for n in needles if n not in text]
            if not missing:
                return text
            if time.monotonic() > deadline:
                raise BrowserError(f"the page never showed {missing!r}; it shows:\n{text[:3000]}")
            time.sleep(0.05)

    def wait_for(self, expression: str, *, timeout: float = 20) -> object:
        """The value of ``expression`` once it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"never true in the page: {expression}")
            time.sleep(0.05)

    def click_text(self, text: str) -> None:
        """Click the innermost visible element whose own text is ``text``."""
        clicked = self.evaluate(
            "(() => { const want = " + json.dumps(text) + ";"
            " const all = [...document.querySelectorAll('body *')].filter("
            "   e => e.offsetParent !== null && e.textContent.trim() === want);"
            " const inner = all.filter(e => ![...e.children].some(c => all.includes(c)));"
            " if (!inner.length) return false; inner[0].click(); return true; })()"
        )
        if not clicked:
            raise BrowserError(f"nothing to click shows {text!r}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path
