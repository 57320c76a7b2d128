"""Monitors of link security across the whole scenario: nothing in the clear after the
first authentication, frame counters that never go back under one key (power cycles and
reboots included), and nothing under a key the smart meter has withdrawn."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from conformance.observe.monitors.core import (
    Monitor,
    Outcome,
    TerminalFrame,
    Violation,
    Watched,
    no_sniffer,
    octets_of,
    windows,
)
from conformance.observe.route_events import DatagramReceived, SessionEnded, TerminalAuthenticated
from conformance.protocols import pana, wpan

PANA_PORT = 716  # RFC 5191 §6.1: PANA protects itself (AUTH AVP) and may travel in the clear
# NAT-3.4-CUT: the PTR and its answer, and frames the terminal had queued when its session
# ended, may still go out (the disconnection scenario allows the same 2 s).
CUT_GRACE_S = 2.0
# The smart meter still accepts a replaced group key this long (conformance/MODELLED.md,
# "group-key update"); after it the key is withdrawn.
OLD_KEY_GRACE_S = 30.0


def _is_data(frame: TerminalFrame) -> bool:
    decoded = frame.air.frame
    return decoded is not None and decoded.frame_type is wpan.FrameType.DATA


class NothingInTheClear(Monitor):
    """NAT-3.1-R3 「第2層以下の暗号化処理は必須」: once the terminal has authenticated, every
    data frame it sends carries layer-2 security; only PANA (which a rejoin starts in the
    clear, RFC 5191 §4.1) and MAC frames (beacon requests, acknowledgements, 802.15.4-2015
    §9.2.1) may go without it."""

    id = "plaintext"
    requirement = "NAT-3.1-R3"
    title = "no application payload in the clear after the first authentication"

    def judge(self, watched: Watched) -> Outcome:
        since = watched.first_authentication
        if since is None:
            return self.outcome("the terminal never authenticated: nothing to judge", ())
        if watched.air is not None:
            return self.outcome(
                f"the terminal's data frames from t={since:.3f} s on the air", self._on_air(watched, since)
            )
        return self.outcome(
            f"datagrams the smart-meter side received from t={since:.3f} s ({no_sniffer(watched)})",
            self._at_meter(watched, since),
        )

    def _on_air(self, watched: Watched, since: float) -> Iterator[Violation]:
        for frame in watched.terminal_frames:
            if frame.time <= since or frame.secured or not _is_data(frame) or frame.air.pana is not None:
                continue
            yield Violation(time=frame.time, what=f"in the clear after authentication: {frame.label()}")

    def _at_meter(self, watched: Watched, since: float) -> Iterator[Violation]:
        for event in watched.route_events(DatagramReceived):
            if event.time > since and not event.secured and event.dst_port != PANA_PORT:
                yield Violation(
                    time=event.time,
                    what=f"{event.meter} received UDP {event.src_port}->{event.dst_port} in the clear",
                )


class CountersNeverRepeat(Monitor):
    """NAT-3.1-R3 (AES-128 CCM*, the key's strength): the CCM* nonce is the sender's address,
    its frame counter and the security level (IEEE 802.15.4-2015 §9.3.2.2), so under one key
    a sender's counter must never repeat or go back, whatever happens to the sender: a
    repeated nonce under AES-CTR discloses the XOR of two plaintexts and lets a MIC be
    forged. Checked per (key, source) over the whole scenario, power cycles and reboots
    included; a MAC retransmission repeats the very same octets and is not a new frame."""

    id = "frame-counters"
    requirement = "NAT-3.1-R3"
    title = "frame counters strictly increase per key across the whole scenario"

    def judge(self, watched: Watched) -> Outcome:
        if watched.air is None:
            return self.not_applicable(f"{no_sniffer(watched)}: frame counters are not visible")
        last: dict[int, TerminalFrame] = {}
        violations = []
        counted = 0
        for frame in watched.terminal_frames:
            counter = frame.counter
            if frame.key is None or counter is None or frame.retransmission:
                continue
            counted += 1
            before = last.get(frame.key)
            if before is not None and counter <= (before.counter or 0):
                kind = "repeats" if counter == before.counter else "goes back from"
                violations.append(
                    Violation(
                        time=frame.time,
                        what=(
                            f"frame counter {counter} {kind} {before.counter} under the same key "
                            f"(CCM* nonce reuse): {frame.label()}, after frame {before.number} "
                            f"at t={before.time:.3f} s"
                        ),
                    )
                )
            last[frame.key] = frame if before is None or counter > (before.counter or 0) else before
        return self.outcome(f"{counted} secured frames of the terminal under {len(last)} key(s)", violations)


class NothingUnderWithdrawnKey(Monitor):
    """NAT-3.4-CUT 「遮断」: once the network has ended the terminal's session, the group key
    it held is withdrawn from it until it authenticates again, and a group key the smart
    meter replaced is withdrawn once the meter stops accepting it; the terminal sends
    nothing secured under a withdrawn key (a rejoin starts with PANA in the clear)."""

    id = "withdrawn-key"
    requirement = "NAT-3.4-CUT"
    title = "nothing sent under a key the smart meter has withdrawn"

    def judge(self, watched: Watched) -> Outcome:
        ended = [e.time for e in watched.route_events(SessionEnded)]
        # The key is the terminal's again once a meter hands it over: the final PAR, which
        # carries it (RFC 5191 §4.1, RFC 6786), seen on the air, or the authentication.
        # Without a session end there is no window to close, and the air's PANA need not be
        # read (most scenarios: reading it was a quarter of the monitors' cost).
        joined = [e.time for e in watched.route_events(TerminalAuthenticated)]
        if ended:
            joined += _key_deliveries(watched)
        cut = list(windows(ended, joined, until=watched.now + 1))
        if watched.air is None:
            return self.outcome(
                f"{len(cut)} session end(s), datagrams the smart-meter side received ({no_sniffer(watched)})",
                self._at_meter(watched, cut),
            )
        retired = self._retired_keys(watched)
        violations = list(self._on_air(watched, cut, retired))
        return self.outcome(
            f"{len(cut)} session end(s) and {len(retired)} replaced group key(s), on the air", violations
        )

    def _at_meter(self, watched: Watched, cut: list[tuple[float, float]]) -> Iterator[Violation]:
        for event in watched.route_events(DatagramReceived):
            window = _within(event.time, cut)
            if event.secured and window is not None:
                yield Violation(
                    time=event.time,
                    what=(
                        f"{event.meter} received a secured UDP {event.src_port}->{event.dst_port} "
                        f"{event.time - window[0]:.1f} s after the session ended"
                    ),
                )

    def _on_air(
        self, watched: Watched, cut: list[tuple[float, float]], retired: dict[int, float]
    ) -> Iterator[Violation]:
        for frame in watched.terminal_frames:
            if not frame.secured or not _is_data(frame):
                continue
            window = _within(frame.time, cut)
            if window is not None and frame.first_sent > window[0] + CUT_GRACE_S:
                yield Violation(
                    time=frame.time,
                    what=(
                        f"secured {frame.time - window[0]:.1f} s after its session ended, before "
                        f"authenticating again: {frame.label()}"
                    ),
                )
            elif frame.key in retired and frame.first_sent > retired[frame.key]:
                yield Violation(
                    time=frame.time,
                    what=(
                        f"secured under a group key the smart meter retired at t={retired[frame.key]:.3f} s: "
                        f"{frame.label()}"
                    ),
                )

    @staticmethod
    def _retired_keys(watched: Watched) -> dict[int, float]:
        """Key position -> when the meter stopped accepting it: a meter that starts sending
        under a newer key replaced the one it used before, which it accepts for
        OLD_KEY_GRACE_S more."""
        by_meter: dict[bytes, list[tuple[float, int]]] = {}
        for key, users in watched.key_users.items():
            for time, meter in users:
                by_meter.setdefault(meter, []).append((time, key))
        retired = {}
        for uses in by_meter.values():
            uses.sort()
            for (_, old), (switched, _new) in pairwise(uses):
                retired[old] = switched + OLD_KEY_GRACE_S
        return retired


def _key_deliveries(watched: Watched) -> list[float]:
    """When a smart meter sent the terminal a final PAR (the C flag), on the air."""
    found = []
    marker = octets_of(watched.terminal)
    for frame in watched.air_frames:
        if marker not in frame.raw:
            continue  # not addressed to the terminal (see octets_of): not decoded
        decoded = frame.frame
        if decoded is None or decoded.dst_addr != watched.terminal or (message := frame.pana) is None:
            continue
        final = message.is_request and message.flags & pana.Flag.COMPLETE
        if message.message_type is pana.MessageType.AUTH and final:
            found.append(frame.time)
    return found


def _within(time: float, spans: list[tuple[float, float]]) -> tuple[float, float] | None:
    return next(((start, end) for start, end in spans if start < time < end), None)
