"""The twins' link layer: IEEE 802.15.4 framing with acknowledgement and retries,
CCM* security with per-sender frame counters and replay rejection, and 6LoWPAN/UDP
on top. The smart meter twin and every terminal twin use it, so both ends of the
IoT route put the same real frames on the air.

Frame counters. The CCM* nonce is the sender's address, its frame counter and the security
level (IEEE 802.15.4-2015 §9.3.2.2), so under one key a sender must never use a counter
twice, across power cycles too: a node that powers off keeps its counter in non-volatile
memory (``FrameCounterStore``). A receiver keeps, per key and per sender, the last counter
it accepted and rejects any frame that does not exceed it (§9.2.5, the incoming frame
security procedure's replay check); a new session under the same key starts no new count.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from conformance.protocols import sixlowpan, wpan
from conformance.protocols.errors import ProtocolError
from conformance.sim.radio import RadioMedium
from conformance.sim.scheduler import Scheduler, Timer

# 802.15.4-2015 8.4.3: macAckWaitDuration and macMaxFrameRetries, rounded for the SUN PHY.
ACK_WAIT_S = 0.03
MAX_FRAME_RETRIES = 3
TURNAROUND_S = 0.001  # aTurnaroundTime, rounded


# How far ahead of the counter in use the non-volatile copy is written, so that the memory is
# written once per this many frames and a power cut never loses a counter that went out
# (the way Thread stacks keep theirs); a power-on resumes from the stored value.
FRAME_COUNTER_RESERVE = 1000


class FrameCounterStore:
    """The outgoing frame counter's copy in non-volatile memory (a node's, kept across
    power cycles): every counter below ``reserved`` may have been used already."""

    def __init__(self, ahead: int = FRAME_COUNTER_RESERVE) -> None:
        self.ahead = ahead
        self.reserved = 0
        self.writes = 0

    def claim(self, counter: int) -> None:
        """Before ``counter`` goes out: move the stored value past it if it is not yet."""
        if counter >= self.reserved:
            self.reserved = counter + self.ahead
            self.writes += 1


# Frames are immutable and their octets a function of their fields alone, so a frame sent
# again (an Imm-Ack for a sequence number, a scanning terminal's beacon requests) is
# encoded once. Bounded: 256 acks, a few hundred requests per terminal and Pairing ID.
@functools.lru_cache(maxsize=256)
def _ack_octets(sequence_number: int) -> bytes:
    return wpan.encode(wpan.ack(sequence_number=sequence_number))


_broadcast_octets = functools.lru_cache(maxsize=1024)(wpan.encode)


# The 6LoWPAN payload of a frame sent in the clear is a function of its octets and the two MAC
# addresses alone, and the packet decoded from it is immutable; a flood sends a pool of frames
# again and again with new sequence numbers and the same payloads, so each is decoded once.
# Only plaintext is kept: a decrypted payload never goes into a cache that outlives the bench.
@functools.lru_cache(maxsize=1024)
def _plaintext_packet(
    payload: bytes, src_mac: bytes, dst_mac: bytes | int
) -> sixlowpan.UdpDatagram | sixlowpan.Icmpv6Message:
    return sixlowpan.decode_ipv6(payload, src_mac=src_mac, dst_mac=dst_mac)


@dataclass(frozen=True, slots=True)
class Inbound:
    """An IPv6 packet (UDP or ICMPv6) that arrived, with what the link layer knows of it."""

    packet: sixlowpan.UdpDatagram | sixlowpan.Icmpv6Message
    src_mac: bytes
    secured: bool
    key_index: int | None
    rssi_dbm: float


@dataclass(slots=True)
class _Pending:
    raw: bytes
    sequence_number: int
    tries: int = 0
    timer: Timer | None = None


class LinkLayer:
    """One node's radio interface on the simulated medium."""

    max_frame_retries = MAX_FRAME_RETRIES  # a faulty twin's link may retry less

    def __init__(
        self,
        *,
        scheduler: Scheduler,
        medium: RadioMedium,
        name: str,
        address: bytes,
        channel: int,
        rng: random.Random,
        frame_counter_store: FrameCounterStore | None = None,
    ) -> None:
        self._scheduler = scheduler
        self.address = address
        self.port = medium.attach(name, self._receive, channel=channel)
        self.pan_id: int | None = None
        self.keys: dict[int, bytes] = {}
        self.tx_key_index: int | None = None
        # None: the counter lives in RAM only and starts at 0 on every power-on.
        self._counter_store = frame_counter_store
        self.frame_counter = frame_counter_store.reserved if frame_counter_store is not None else 0
        self._sequence = rng.randrange(256)
        self._rx_counters: dict[tuple[bytes, bytes], int] = {}  # (key, sender) -> last counter
        self._last_sequence: dict[bytes, int] = {}
        self._queue: deque[_Pending] = deque()
        self._pending: _Pending | None = None
        # Upper layers install these; a node that does not care leaves them as no-ops.
        self.on_beacon: Callable[[wpan.Frame, float, int], None] = lambda frame, rssi, channel: None
        self.on_command: Callable[[wpan.Frame, float, int], None] = lambda frame, rssi, channel: None
        self.on_packet: Callable[[Inbound], None] = lambda inbound: None
        self.on_rejected: Callable[[bytes, str], None] = lambda raw, reason: None

    # -- sending -------------------------------------------------------------------

    def next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) % 256
        return self._sequence

    def broadcast(self, frame: wpan.Frame) -> None:
        self.port.transmit(_broadcast_octets(frame))

    def send_udp(self, dst_mac: bytes, datagram: sixlowpan.UdpDatagram, *, secure: bool) -> None:
        """Queue a unicast datagram; secured with the current transmit key when asked."""
        payload = sixlowpan.encode_udp(datagram, src_mac=self.address, dst_mac=dst_mac)
        self.send_frame(self.data_frame(dst_mac, payload), secure=secure)

    def send_icmpv6(self, dst_mac: bytes, message: sixlowpan.Icmpv6Message, *, secure: bool) -> None:
        payload = sixlowpan.encode_icmpv6(message, src_mac=self.address, dst_mac=dst_mac)
        self.send_frame(self.data_frame(dst_mac, payload), secure=secure)

    def data_frame(self, dst_mac: bytes, payload: bytes) -> wpan.Frame:
        return wpan.data_frame(
            sequence_number=self.next_sequence(),
            pan_id=self.pan_id if self.pan_id is not None else wpan.BROADCAST_PAN,
            src_addr=self.address,
            dst_addr=dst_mac,
            payload=payload,
            ack_request=True,
        )

    def send_frame(self, frame: wpan.Frame, *, secure: bool) -> None:
        self._enqueue(self.encode_for_air(frame, secure=secure), frame.sequence_number or 0)

    def encode_for_air(self, frame: wpan.Frame, *, secure: bool) -> bytes:
        if not secure:
            return wpan.encode(frame)
        if self.tx_key_index is None:
            raise RuntimeError("secured transmission requested before a key was installed")
        header = wpan.AuxSecurityHeader(frame_counter=self.next_frame_counter(), key_index=self.tx_key_index)
        return wpan.secure(dataclasses.replace(frame, security=header), self.keys[self.tx_key_index])

    def _enqueue(self, raw: bytes, sequence_number: int) -> None:
        self._queue.append(_Pending(raw, sequence_number))
        if self._pending is None:
            self._next()

    def _next(self) -> None:
        self._pending = self._queue.popleft() if self._queue else None
        if self._pending is not None:
            self._attempt()

    def _attempt(self) -> None:
        pending = self._pending
        assert pending is not None
        pending.tries += 1
        self.port.transmit(pending.raw)
        pending.timer = self._scheduler.call_later(ACK_WAIT_S, self._ack_timeout)

    def _ack_timeout(self) -> None:
        pending = self._pending
        if pending is None:
            return
        if pending.tries <= self.max_frame_retries:
            self._attempt()
        else:
            self._next()  # No ACK: the upper layer's own timers (PANA) recover.

    # -- receiving -----------------------------------------------------------------

    def _receive(self, raw: bytes, rssi_dbm: float, channel: int) -> None:
        try:
            frame = wpan.decode(raw)
        except ProtocolError as exc:
            self.on_rejected(raw, f"undecodable frame: {exc}")
            return
        if frame.frame_type is wpan.FrameType.ACK:
            self._acknowledged(frame.sequence_number)
        elif frame.frame_type is wpan.FrameType.BEACON:
            self.on_beacon(frame, rssi_dbm, channel)
        elif frame.frame_type is wpan.FrameType.MAC_COMMAND:
            self.on_command(frame, rssi_dbm, channel)
        elif frame.frame_type is wpan.FrameType.DATA and frame.dst_addr in (
            self.address,
            wpan.BROADCAST_SHORT,
        ):
            self._receive_data(raw, frame, rssi_dbm)

    def _acknowledged(self, sequence_number: int | None) -> None:
        pending = self._pending
        if pending is not None and pending.sequence_number == sequence_number:
            if pending.timer is not None:
                pending.timer.cancel()
            self._next()

    def _receive_data(self, raw: bytes, frame: wpan.Frame, rssi_dbm: float) -> None:
        src = frame.src_addr
        if not isinstance(src, bytes):
            self.on_rejected(raw, "data frame without an extended source address")
            return
        if frame.ack_request:
            ack = _ack_octets(frame.sequence_number or 0)
            self._scheduler.call_later(TURNAROUND_S, self.port.transmit, ack)
        if frame.security is not None:
            frame = self._unsecure(raw, frame, src)
            if frame is None:
                return
        # A retransmission whose ACK was lost carries the same sequence number (8.2.20).
        # Checked only once security passed, so a forged frame cannot suppress a real one.
        if self._last_sequence.get(src) == frame.sequence_number:
            return
        self._last_sequence[src] = frame.sequence_number or 0
        try:
            if frame.security is None:
                packet = _plaintext_packet(frame.payload, src, self.address)
            else:
                packet = sixlowpan.decode_ipv6(frame.payload, src_mac=src, dst_mac=self.address)
        except ProtocolError as exc:
            self.on_rejected(raw, f"undecodable 6LoWPAN payload: {exc}")
            return
        key_index = frame.security.key_index if frame.security else None
        self.on_packet(Inbound(packet, src, frame.security is not None, key_index, rssi_dbm))

    def _unsecure(self, raw: bytes, frame: wpan.Frame, src: bytes) -> wpan.Frame | None:
        """Verify and decrypt, enforcing strictly increasing counters per sender (9.2.5)."""
        assert frame.security is not None
        key = self.keys.get(frame.security.key_index)
        if key is None:
            self.on_rejected(raw, f"secured with unknown key index {frame.security.key_index}")
            return None
        try:
            plain = self.verify_and_decrypt(raw, key)
        except ProtocolError as exc:
            self.on_rejected(raw, f"security check failed: {exc}")
            return None
        counter = plain.security.frame_counter if plain.security else 0
        window = (key, src)
        if self._last_sequence.get(src) == plain.sequence_number and self._rx_counters.get(window) == counter:
            return None  # the same frame again: a MAC retransmission, not an attack
        if self.is_replay(key, src, counter):
            self.on_rejected(raw, f"replayed frame counter {counter}")
            return None
        self._rx_counters[window] = counter
        return plain

    # The two checks below are separate methods so that faulty terminal twins can
    # weaken exactly one of them (faults.py).

    def verify_and_decrypt(self, raw: bytes, key: bytes) -> wpan.Frame:
        return wpan.unsecure(raw, key)

    def is_replay(self, key: bytes, src: bytes, counter: int) -> bool:
        """Not above the last counter accepted from ``src`` under ``key`` (§9.2.5)."""
        return counter <= self._rx_counters.get((key, src), -1)

    def next_frame_counter(self) -> int:
        counter = self.frame_counter
        if self._counter_store is not None:
            self._counter_store.claim(counter)
        self.frame_counter += 1
        return counter

    def forget_peer(self, src: bytes) -> None:
        """A peer started over (a new PANA session): its MAC sequence numbers start anew.
        Its frame counters under a key it used before do not (§9.2.5), so their replay
        state stays."""
        self._last_sequence.pop(src, None)

    def close(self) -> None:
        """Power off: stop transmitting and drop everything queued."""
        self.port.detach()
        if self._pending is not None and self._pending.timer is not None:
            self._pending.timer.cancel()
        self._pending = None
        self._queue.clear()
