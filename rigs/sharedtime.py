"""One virtual rig clock shared by an emulated rig and the bench (issue 14).

Theory of operation. On a real rig, rig time is the monotonic wall clock (DESIGN.md rule
5). An emulated rig used to run its twins at a fixed multiple of the wall clock (x300), and
the bench followed at the same multiple, so a second in which either process got no CPU
turned into five rig minutes that one side lived through and the other did not: joins and
uploads missed their limits on a busy machine.

Here rig time is one number both processes read: a small file, mapped into both, that the
emulated rig creates and names in its SKAPPVER answer (``rigs/emulators/terminal_rig.py``;
a real module never answers that, so a real rig keeps the wall clock). The scheme is
conservative synchronisation with a lookahead (Chandy and Misra's, as parallel discrete
event simulators use it):

* the emulated rig owns ``rig_time`` and advances it at most at its pace, by at most
  ``MAX_STEP_S`` per round of its loop (a starved emulator stops time instead of jumping),
  and never more than ``LOOKAHEAD_S`` past ``acknowledged``;
* the bench owns ``acknowledged``: the rig time up to which it has taken in what the parts
  reported and run its own twins (HES, metering device). It acknowledges at every round of
  tending (``rigs.profile.rig.HilRig.tend``: while a step waits, and before every call a
  side makes), so a starved or busy bench stops rig time within ``LOOKAHEAD_S``.

Either side stalled thus stops rig time instead of losing it; the two never differ by more
than ``LOOKAHEAD_S`` rig seconds plus one round. A host that wrote to the radio since its
last acknowledgement waits for the answer in wall time (a driver's round trip bounds one
exchange, not rig time), and the answer may need rig time to pass (EVENT 21 after CSMA-CA
backoffs under a pulsed jammer): until its next acknowledgement the rig may run
``EXCHANGE_LOOKAHEAD_S`` past the last one. A maintenance command is the other way round:
the terminal answers it at once, from its state at the rig time it read the line, and the
bench stamps the answer with the rig time it reads once the answer is in; so the rig runs at
most ``ANSWERED_LOOKAHEAD_S`` past the answer until the bench acknowledges a rig time after
it (a sample of the LED, NAT-2.5-LED's 5 s, was stamped up to the whole lookahead late). One
more exception keeps a host that does not
tend from waiting forever: a bench that has not acknowledged for ``RELEASE_AFTER_S`` of
wall time (``rigs.check``, which knows no rig clock; a bench between two sessions; a round
trip it waits for in wall time that needs the module's time to pass, such as a scan) lets
rig time run at the wall clock's rate (x1), as on a real rig: a stall then costs at most
its own length in rig time, not the pace times it. The segment holds two little-endian
signed 64-bit counts of rig nanoseconds, each written by one process only; a reader reads
a value until two reads agree, so a torn write is never taken.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

# Rig seconds the emulated rig may run past the bench's acknowledgement. Each cycle of the
# two loops costs a few sleeps (10 ms on a busy 2-core machine), so this bounds the pace:
# 2 s held it near x200. On the wall clock at x300 a round trip of 15 ms cost as much.
LOOKAHEAD_S = 5.0
# Rig seconds the emulated rig advances in one round of its loop at most. An idle round
# (terminal_rig's 5 ms tick) is 1.5 s at x300; a round slowed by the twins' work (a rejoin)
# or a starved process was a 5 s jump at 5, and the bench's one-second LED watch
# (NAT-2.5-LED's 5 s) saw rig time in 5 s steps: an 8 s spell without a session went
# unsampled and a terminal whose LED stays steady passed on the rig (issue 13's parity).
MAX_STEP_S = 2.0
# Rig seconds past it while the host waits on a radio exchange. At 30 a bench starved in
# the middle of one (load 13-16 on 2 cores) let a meter read fall late.
EXCHANGE_LOOKAHEAD_S = 10.0
# Rig seconds past a maintenance answer until the bench acknowledges a rig time after it.
# Not 0: a bench whose last acknowledgement is the answer's own rig time acknowledges past it
# only once the rig has moved on.
ANSWERED_LOOKAHEAD_S = 0.05
RELEASE_AFTER_S = 1.0  # wall seconds without an acknowledgement before rig time runs at x1
_FIELD = struct.Struct("<q")
_RIG_TIME, _ACKNOWLEDGED = 0, 8
SIZE = 16
NS = 1_000_000_000


class SharedTime:
    """The mapped segment: ``rig_time`` (the emulated rig's) and ``acknowledged`` (the
    bench's), in rig seconds since the rig's time started."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = str(path)
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, SIZE)
            elif os.fstat(fd).st_size < SIZE:
                raise ValueError(f"{self.path}: not a shared rig clock ({os.fstat(fd).st_size} octets)")
            self._map = mmap.mmap(fd, SIZE)
        finally:
            os.close(fd)

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> SharedTime:
        Path(path).unlink(missing_ok=True)
        return cls(path, create=True)

    def _read(self, offset: int) -> float:
        while True:
            first = _FIELD.unpack_from(self._map, offset)[0]
            if _FIELD.unpack_from(self._map, offset)[0] == first:
                return first / NS

    def _write(self, offset: int, seconds: float) -> None:
        self._map[offset : offset + 8] = _FIELD.pack(round(seconds * NS))

    @property
    def rig_time(self) -> float:
        return self._read(_RIG_TIME)

    @property
    def acknowledged(self) -> float:
        return self._read(_ACKNOWLEDGED)

    def publish(self, seconds: float) -> None:
        """The emulated rig's side: rig time is now ``seconds``."""
        self._write(_RIG_TIME, seconds)

    def acknowledge(self, seconds: float) -> None:
        """The bench's side: it has taken in everything up to rig second ``seconds``."""
        if seconds > self.acknowledged:
            self._write(_ACKNOWLEDGED, seconds)

    def close(self) -> None:
        self._map.close()


class PacedRigTime:
    """The emulated rig's side: rig time at most ``pace`` times the wall clock, held back by
    the bench's acknowledgement. Starts standing still; ``start`` sets it going."""

    def __init__(self, shared: SharedTime, *, pace: float, lookahead_s: float = LOOKAHEAD_S) -> None:
        self.shared = shared
        self.pace = pace
        self.lookahead_s = lookahead_s
        self.now = shared.rig_time
        self._wall: float | None = None
        self._acknowledged = (shared.acknowledged, 0.0)  # the last one seen, and since when
        self._exchange_after: float | None = None  # the acknowledgement a host command followed
        self._answered_at: float | None = None  # rig time of a maintenance answer not yet acknowledged

    @property
    def started(self) -> bool:
        return self._wall is not None

    def host_spoke(self) -> None:
        """The host wrote to the radio: it waits for the answer in wall time."""
        self._exchange_after = self.shared.acknowledged

    def host_answered(self) -> None:
        """The terminal answered the host's maintenance command at rig time ``now``: the
        host stamps the answer with the rig time it reads next, so the rig waits for it."""
        if self.started:
            self._answered_at = self.now

    def start(self, wall: float) -> None:
        if self._wall is None:
            self._wall = wall
            self._acknowledged = (self.shared.acknowledged, wall)

    @property
    def held(self) -> bool:
        """Rig time is as far past the bench's acknowledgement as it may go."""
        if not self.started:
            return False
        limit = self.shared.acknowledged + self.lookahead_s
        if self._answered_at is not None:
            limit = min(limit, self._answered_at + ANSWERED_LOOKAHEAD_S)
        return self.now >= limit - 1e-6

    def advance(self, wall: float) -> float:
        """Rig time after ``wall`` (a ``time.monotonic()`` reading), published."""
        if self._wall is None:
            return self.now
        elapsed = max(0.0, wall - self._wall)
        step = min(elapsed * self.pace, MAX_STEP_S)
        self._wall = wall
        acknowledged = self.shared.acknowledged
        if acknowledged != self._acknowledged[0]:
            self._acknowledged = (acknowledged, wall)
        allowed = acknowledged + self.lookahead_s
        if self._exchange_after == acknowledged:
            allowed = acknowledged + max(self.lookahead_s, EXCHANGE_LOOKAHEAD_S)
        if self._answered_at is not None:
            if acknowledged > self._answered_at:
                self._answered_at = None
            else:
                allowed = min(allowed, self._answered_at + ANSWERED_LOOKAHEAD_S)
        if wall - self._acknowledged[1] >= RELEASE_AFTER_S:
            allowed = max(allowed, self.now + min(elapsed, step))  # nobody tends: x1
        self.now = max(self.now, min(self.now + step, allowed))
        self.shared.publish(self.now)
        return self.now
