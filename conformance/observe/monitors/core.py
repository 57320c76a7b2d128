"""What every monitor shares: the observations it reads, its outcome, its violations.

A monitor (TTCN-3's *default behaviour*; a *monitor* in runtime verification) judges one
whole-run invariant under its own requirement ID, over the same observation logs the steps
read (DESIGN.md rules 1 and 9): the sniffer's air log where the profile has one, the smart
meter's route events, the home-side port mirror and the HES's events. It never reads a
terminal twin's internals, so it judges a real terminal on a rig the same way.

A monitor answers with an ``Outcome``: *pass*, *fail* with the violations (each naming
the frame or event at fault), or *not applicable* when the profile shows it nothing to
judge (no sniffer, no HES); ``seen`` says what it could see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from conformance.errors import TerminalFailure
from conformance.interfaces import if_provided
from conformance.observe.air import AirFrame, octets_of
from conformance.observe.derived import derived
from conformance.observe.route_events import RouteEvent, RouteEventLog, TerminalAuthenticated
from conformance.protocols import wpan
from conformance.protocols.errors import ProtocolError

if TYPE_CHECKING:
    from conformance.ics import Declaration
    from conformance.interfaces import Bench, HeadEnd, HomeSide
    from conformance.observe.air import AirLog

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not applicable"
# A scenario shows at most this many violations of one monitor; the count says the rest.
SHOWN_VIOLATIONS = 10


class MonitorFailure(TerminalFailure):
    """A monitor saw the terminal violate its requirement while the scenario's own steps
    passed: the scenario fails, but its own requirements keep their verdict (pass), and the
    monitor's verdict is recorded under the monitor's requirement (fixtures/monitors.py)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """One thing the terminal did that the monitor's requirement forbids."""

    time: float
    what: str  # in words, with the frame's number in the capture or the event's kind

    def describe(self) -> str:
        return f"t={self.time:.3f} s: {self.what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    monitor: Monitor
    status: str  # pass | fail | not applicable
    seen: str  # what the monitor could see, or why it saw nothing
    violations: tuple[Violation, ...] = ()

    def describe(self) -> str:
        head = f"monitor {self.monitor.id} [{self.monitor.requirement}]: {self.status} ({self.seen})"
        shown = [f"  {v.describe()}" for v in self.violations[:SHOWN_VIOLATIONS]]
        more = len(self.violations) - SHOWN_VIOLATIONS
        return "\n".join([head, *shown, *([f"  ... and {more} more"] if more > 0 else [])])


@dataclass(frozen=True, slots=True)
class TerminalFrame:
    """A frame the terminal put on the air, as a monitor needs it."""

    air: AirFrame
    number: int  # in the scenario's capture, counting from 1 as Wireshark does
    first_sent: float  # when the same octets were first on the air (a MAC retransmission repeats them)
    key: int | None  # which issued key (its position, from 1) decrypts it; None: none or unsecured

    @property
    def time(self) -> float:
        return self.air.time

    @property
    def retransmission(self) -> bool:
        return self.first_sent < self.air.time

    @property
    def secured(self) -> bool:
        return self.air.secured

    @property
    def counter(self) -> int | None:
        frame = self.air.frame
        return frame.security.frame_counter if frame is not None and frame.security is not None else None

    def label(self) -> str:
        return f"frame {self.number} in the air capture ({self.air.summary()})"


@dataclass(kw_only=True)  # no slots: its derived views are cached
class Watched:
    """Everything the monitors read, taken from a bench's interfaces at the end of a scenario."""

    profile: str
    terminal: bytes  # the declared EUI-64: how the bench recognises the terminal on the air
    declaration: Declaration
    now: float
    events: RouteEventLog
    air: AirLog | None = None
    home: HomeSide | None = None
    hes: HeadEnd | None = None
    keys: tuple[bytes, ...] = field(default=(), repr=False)  # secrets: only to tell keys apart

    @classmethod
    def of(cls, bench: Bench) -> Watched:
        route = bench.route
        air = if_provided(lambda: route.air)  # no sniffer: the monitors judge the rest
        return cls(
            profile=bench.profile,
            terminal=bench.declaration.identity.eui64,
            declaration=bench.declaration,
            now=bench.clock.now(),
            events=route.events,
            air=air,
            home=bench.home,
            hes=bench.hes,
            keys=tuple(dict.fromkeys(route.issued_keys())) if air is not None else (),
        )

    def route_events(self, kind: type[RouteEvent]) -> list:
        return self.events.of(kind, terminal=self.terminal)

    @derived
    def first_authentication(self) -> float | None:
        first = self.events.first(TerminalAuthenticated, terminal=self.terminal)
        return first.time if first is not None else None

    @derived
    def air_frames(self) -> list[AirFrame]:
        return self.air.frames() if self.air is not None else []

    @derived
    def terminal_frames(self) -> list[TerminalFrame]:
        """The terminal's frames in air order, each with the key that opens it."""
        first_sent: dict[bytes, float] = {}
        found = []
        marker = octets_of(self.terminal)
        for number, frame in enumerate(self.air_frames, start=1):
            # Octets without the terminal's address cannot be from it: a flood's 10,000
            # frames are then not decoded just to be set aside.
            if marker not in frame.raw or frame.src != self.terminal:
                continue
            first = first_sent.setdefault(frame.raw, frame.time)
            found.append(TerminalFrame(frame, number, first, self._key_in_use(frame)))
        return found

    @derived
    def key_users(self) -> dict[int, list[tuple[float, bytes]]]:
        """For each issued key (by position), who first sent under it and when: the smart
        meters' own frames tell when a meter switched to a new group key."""
        users: dict[int, dict[bytes, float]] = {}
        for frame in self.air_frames:
            if not frame.raw[:1] or not frame.raw[0] & SECURITY_ENABLED:
                continue  # not secured, or not a frame at all: no key to find, nothing to decode
            src = frame.src
            if src is None or src == self.terminal:
                continue
            key = self._key_in_use(frame, trusted=True)
            if key is not None:
                users.setdefault(key, {}).setdefault(src, frame.time)
        return {key: sorted((t, src) for src, t in by.items()) for key, by in users.items()}

    def _key_in_use(self, frame: AirFrame, *, trusted: bool = False) -> int | None:
        """The position (from 1) of the issued key a secured frame verifies with.

        The terminal's frames are each checked, the key it used last tried first. For the
        bench's own meters (``trusted``) the key is looked up again only when the index they
        use towards a receiver changes: in key-ID mode 1 a sender names its key by an index
        (IEEE 802.15.4-2015 §9.4.2), and a meter moves to the other index with each new key
        and never back to a key it replaced."""
        decoded = frame.frame
        if decoded is None or decoded.security is None or not frame.decrypted:
            return None
        pair, index = (decoded.src_addr, decoded.dst_addr), decoded.security.key_index
        last = self._last_key.get(pair)
        if last is not None and last[0] == index and (trusted or self._opens(frame, last[1])):
            return last[1]
        key = self._key_of(frame.raw)
        self._last_key[pair] = (index, key)
        return key

    @derived
    def _last_key(self) -> dict[tuple[object, object], tuple[int, int | None]]:
        return {}

    def _opens(self, frame: AirFrame, position: int | None) -> bool:
        if position is None:
            return False
        key = self.keys[position - 1]
        if key == frame.opened_with:
            return True  # the air log verified the frame's MIC with this very key
        try:
            wpan.unsecure(frame.raw, key)
        except ProtocolError:
            return False
        return True

    def _key_of(self, raw: bytes) -> int | None:
        for index, key in enumerate(self.keys):
            try:
                wpan.unsecure(raw, key)
            except ProtocolError:
                continue
            return index + 1
        return None


# IEEE 802.15.4-2015 §7.2.2: Frame Control is sent low octet first, Security Enabled is its bit 3.
# The codec reads an auxiliary security header only when it is set (§7.2.2.2).
SECURITY_ENABLED = 0x08


class Monitor:
    """One always-on check of a whole-run invariant, under one requirement."""

    id: ClassVar[str]  # short, for tags (@expects_monitor:<id>) and the report
    requirement: ClassVar[str]
    title: ClassVar[str]

    def judge(self, watched: Watched) -> Outcome:
        raise NotImplementedError

    # -- helpers for the subclasses --------------------------------------------------------

    def outcome(self, seen: str, violations: Iterable[Violation]) -> Outcome:
        found = tuple(violations)
        return Outcome(monitor=self, status=FAIL if found else PASS, seen=seen, violations=found)

    def not_applicable(self, reason: str) -> Outcome:
        return Outcome(monitor=self, status=NOT_APPLICABLE, seen=reason)


def no_sniffer(watched: Watched) -> str:
    return f"the {watched.profile} profile has no sniffer on the IoT route"


def windows(starts: Iterable[float], ends: Iterable[float], until: float) -> Iterator[tuple[float, float]]:
    """Intervals from each start to the first end after it (or ``until``), merged."""
    ends = sorted(ends)
    last_end = float("-inf")
    for start in sorted(starts):
        if start < last_end:
            continue
        end = next((e for e in ends if e > start), until)
        last_end = end
        yield start, end
