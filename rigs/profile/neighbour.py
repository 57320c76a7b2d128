"""A neighbouring terminal on a rig (NAT-2.3-B), played by the injector (issue 13).

Another operator's terminal beside the one under test keeps scanning with its own Pairing
ID: each of its Enhanced Beacon Requests (IEEE 802.15.4-2015 7.5.10, the Pairing ID in the
vendor IE, ``conformance.protocols.wpan.ies``) makes a smart meter with that Pairing ID
beacon (NAT seed 2-3 ①), where the terminal under test hears it. The twin's neighbour
(``conformance.twin.bench.TwinIotRoute.neighbour_scans``) sends the same frames from the
same address; on a rig the bench builds them with its own codec and the injector transmits
them on the smart meter's channel, octet for octet (the injector's bridge alters nothing:
README, "The injector's radio bridge").

The requests go out as the rig is tended (``rigs.profile.rig.HilRig.tend``), at most one a
round and no closer than ``every_s`` of rig time: on a real rig (x1, a round every 10 ms)
that is the twin's pace. On the emulated rig the injector's bridge puts what it received
on the air once per round of the emulator, which runs up to ``MAX_STEP_S`` (2 s) of rig
time and 1.5 s when idle at x300 (``rigs/sharedtime.py``): there the requests were seen on
the sniffer 1-2 s apart (about 500 in ten minutes), while the terminal scans a channel for
0.3 s (``conformance.twin.terminal.reference``). So at x300 the terminal heard SM-X in about
one scan of three (7 runs of ``accepts-any-beacon``, 2026-12-08), and in none of 14 scans of
ten minutes in one run on a loaded machine, where the scenario passed without its
precondition. The scenario now waits until the air shows SM-X's beacon within one of the
terminal's scans of its channel (``steps.join_steps.heard_in_a_scan``: the bench's error if
it never comes), and the emulated rig runs it at x60 (``tests/rigs/profile/parity.py``,
``SLOW``), where an emulator round is 0.3 s of rig time.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.protocols import wpan
from conformance.twin.bench import NEIGHBOUR_ADDRESS
from rigs.protocols import InjectorProtocol

__all__ = ["NEIGHBOUR_ADDRESS", "InjectedNeighbour", "scan_request"]


def scan_request(pairing_id: str, sequence: int) -> bytes:
    """The neighbour's Enhanced Beacon Request with ``pairing_id``, FCS included."""
    request = wpan.enhanced_beacon_request(
        sequence_number=sequence, src_addr=NEIGHBOUR_ADDRESS, pairing_id=pairing_id
    )
    return wpan.encode(request)


@dataclass(slots=True, kw_only=True)
class InjectedNeighbour:
    """A neighbouring terminal scanning ``channel`` through the rig's injector."""

    injector: InjectorProtocol
    channel: int
    pairing_id: str
    every_s: float
    next_at: float = float("-inf")  # rig time of the next request
    sequence: int = 0
    sent: int = 0

    def scan_if_due(self, now: float) -> None:
        """Send the next request if ``every_s`` has passed since the last one (no catching up:
        requests sent together would make the meter beacon at once, no more often)."""
        if now < self.next_at:
            return
        self.sequence = (self.sequence + 1) % 256
        self.injector.transmit(scan_request(self.pairing_id, self.sequence), self.channel)
        self.sent += 1
        self.next_at = now + self.every_s
