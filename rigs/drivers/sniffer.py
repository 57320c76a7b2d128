"""What the rig's sniffers share: a reader thread that stamps each frame as it arrives.

A sniffer's feed (a pipe, a file, a UDP socket) is read in a thread of its own, as the
Wi-SUN module's line is (``skstackradio``), so that each frame gets the monotonic time it
reached the bench however long the scenario's thread was busy; the HIL profile reads the
record without blocking (``rigs/profile/air.py``). A feed whose octets break its format is
the sniffer's fault: the reader stops and ``check_alive`` raises a ``RigError`` naming the
sniffer, so the scenario in flight is broken rather than judged on a partial air.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from rigs import RigError
from rigs.protocols import SniffedFrame

# The newest frames kept, as the twin's air log keeps them (conformance/observe/air.py).
MAX_FRAMES = 50_000
POLL_S = 0.02  # how long the reader waits for its feed before it looks at ``closing``


class SnifferRecord:
    """The frames a sniffer heard, kept by the reader thread, read by the scenario's."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self._frames: deque[SniffedFrame] = deque(maxlen=MAX_FRAMES)
        self._count = 0  # every frame heard, kept or dropped
        self._lock = threading.Lock()
        self._failure: RigError | None = None
        self.closing = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, target, name: str) -> None:
        def run() -> None:
            try:
                target()
            except RigError as exc:
                self._failure = exc
            except Exception as exc:  # a reader that died must break the scenario, not hide
                self._failure = RigError(self.resource, "read", f"{type(exc).__name__}: {exc}")

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def add(self, frame: bytes, timestamp: float, *, channel: int | None, rssi_dbm: float | None) -> None:
        heard = SniffedFrame(
            frame=frame, timestamp=timestamp, arrived=time.monotonic(), channel=channel, rssi_dbm=rssi_dbm
        )
        with self._lock:
            self._frames.append(heard)
            self._count += 1

    def mark(self) -> int:
        with self._lock:
            return self._count

    def frames(self, since: int = 0) -> list[SniffedFrame]:
        with self._lock:
            first = self._count - len(self._frames)
            return list(self._frames)[max(0, since - first) :]

    def check_alive(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._thread is not None and not self._thread.is_alive() and not self.closing.is_set():
            raise RigError(self.resource, "read", "the reader stopped")

    def stop(self) -> None:
        self.closing.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)


class RecordingSniffer:
    """The part of :class:`~rigs.protocols.SnifferProtocol` every feed shares: its frames are
    in ``self._record``; a feed opens itself and says in ``_close_feed`` how it lets go."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self._record = SnifferRecord(resource)

    def mark(self) -> int:
        return self._record.mark()

    def frames(self, since: int = 0) -> list[SniffedFrame]:
        return self._record.frames(since)

    def check_alive(self) -> None:
        self._record.check_alive()

    def close(self) -> None:
        self._record.stop()  # the reader first: it must not read a feed that is gone
        self._close_feed()

    def _close_feed(self) -> None:
        raise NotImplementedError
