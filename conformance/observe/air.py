"""The air as a sniffer on the IoT route sees it, decoded layer by layer.

Decoding happens here, from the bytes that were on the air, with the keys the bench's
own smart meters issued: never from a twin's internal state (DESIGN.md rule 1). A frame
that cannot be decoded is kept with the reason: it is a finding about its sender. Nothing a
sender puts on the air makes a property of :class:`AirFrame` raise.

The log is a ring buffer: it keeps the newest ``MAX_AIR_RECORDS`` transmissions (five
times the largest scenario, a 10,000-frame flood) and counts what it dropped, so a
terminal that floods the air for hours costs the bench a bounded amount of memory. The
sequence attachment says how many frames were dropped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from conformance.observe.derived import derived
from conformance.protocols import pana, sixlowpan, wpan
from conformance.protocols.errors import ProtocolError
from conformance.sim.radio import AirRecord

MAX_AIR_RECORDS = 50_000  # about 30 MB of records and their decoded frames
_ICMP_NAMES = {sixlowpan.ECHO_REQUEST: "Echo Request", sixlowpan.ECHO_REPLY: "Echo Reply"}


@dataclass(frozen=True)
class AirFrame:
    """One frame on the air with every layer the bench could decode."""

    time: float
    channel: int
    rssi_dbm: float
    raw: bytes = field(repr=False)
    keys: tuple[bytes, ...] = field(repr=False, default=())

    @derived
    def _decoded(self) -> tuple[wpan.Frame | None, bytes | None, str | None]:
        """The frame, the key that verified it (None: unsecured or no key did), the error."""
        try:
            frame = wpan.decode(self.raw)
        except ProtocolError as exc:
            return None, None, f"undecodable 802.15.4 frame: {exc}"
        if frame.security is None:
            return frame, None, None
        for key in self.keys:
            try:
                return wpan.unsecure(self.raw, key), key, None
            except ProtocolError:
                continue
        return frame, None, "secured with a key the bench did not issue, or a bad MIC"

    # frame and src are read several times per frame by every monitor and step that looks
    # at the air (about eight times each on average): kept once worked out.
    @derived
    def frame(self) -> wpan.Frame | None:
        return self._decoded[0]

    @property
    def decrypted(self) -> bool:
        return self._decoded[1] is not None

    @property
    def opened_with(self) -> bytes | None:
        """The first of the bench's keys whose MIC verifies the frame (a secret: never shown).
        The monitors tell keys apart by it instead of verifying the frame again."""
        return self._decoded[1]

    @property
    def error(self) -> str | None:
        return self._decoded[2]

    @property
    def secured(self) -> bool:
        return self.frame is not None and self.frame.security is not None

    @derived
    def src(self) -> bytes | None:
        src = self.frame.src_addr if self.frame else None
        return src if isinstance(src, bytes) else None

    @derived
    def _packet(self) -> tuple[sixlowpan.UdpDatagram | sixlowpan.Icmpv6Message | None, str | None]:
        frame = self.frame
        if frame is None or frame.frame_type is not wpan.FrameType.DATA:
            return None, None
        if frame.security is not None and not self.decrypted:
            return None, None
        missing = [
            name
            for name, addr in (("source", frame.src_addr), ("destination", frame.dst_addr))
            if addr is None
        ]
        if missing:
            # RFC 6282 §3.2.2: elided IPv6 addresses are derived from the MAC addresses, and
            # a Wi-SUN data frame always carries both (the sender's is its EUI-64).
            return None, f"data frame without a {' or '.join(missing)} address"
        try:
            return sixlowpan.decode_ipv6(frame.payload, src_mac=frame.src_addr, dst_mac=frame.dst_addr), None
        except ProtocolError as exc:
            return None, f"undecodable 6LoWPAN payload: {exc}"

    @property
    def packet(self) -> sixlowpan.UdpDatagram | sixlowpan.Icmpv6Message | None:
        return self._packet[0]

    @property
    def packet_error(self) -> str | None:
        """Why a readable data frame carries no packet the bench could decode: a finding."""
        return self._packet[1]

    @property
    def datagram(self) -> sixlowpan.UdpDatagram | None:
        packet = self.packet
        return packet if isinstance(packet, sixlowpan.UdpDatagram) else None

    @property
    def icmp(self) -> sixlowpan.Icmpv6Message | None:
        packet = self.packet
        return packet if isinstance(packet, sixlowpan.Icmpv6Message) else None

    @derived
    def pana(self) -> pana.PanaMessage | None:
        d = self.datagram
        if d is None or pana.PANA_PORT not in (d.src_port, d.dst_port):
            return None
        try:
            return pana.decode(d.payload)
        except ProtocolError:
            return None

    @property
    def is_beacon_request(self) -> bool:
        f = self.frame
        return (
            f is not None
            and f.frame_type is wpan.FrameType.MAC_COMMAND
            and f.command_id == wpan.CMD_ENHANCED_BEACON_REQUEST
        )

    @property
    def is_application(self) -> bool:
        """A UDP datagram that is not PANA, or a data frame the bench cannot read."""
        f = self.frame
        if f is None or f.frame_type is not wpan.FrameType.DATA:
            return False
        return self.pana is None

    def summary(self) -> str:
        """One line for the readable sequence attached to the report."""
        if self.error and self.frame is None:
            return f"undecodable ({self.error})"
        f = self.frame
        assert f is not None
        if self.is_beacon_request:
            return f"Enhanced Beacon Request, Pairing ID {_pairing(f)}"
        if f.frame_type is wpan.FrameType.BEACON:
            return f"Enhanced Beacon, PAN 0x{f.src_pan or 0:04X}, Pairing ID {_pairing(f)}"
        if f.frame_type is wpan.FrameType.ACK:
            return f"Ack seq {f.sequence_number}"
        lock = "secured" if f.security else "PLAINTEXT"
        if self.pana is not None:
            return f"PANA {pana.message_name(self.pana)} seq {self.pana.sequence_number} ({lock})"
        if self.datagram is not None:
            d = self.datagram
            return f"UDP {d.src_port}->{d.dst_port}, {len(d.payload)} octets ({lock})"
        if self.icmp is not None:
            return f"ICMPv6 {_ICMP_NAMES.get(self.icmp.type, self.icmp.type)} ({lock})"
        if self.packet_error:
            return f"{f.frame_type.name} frame ({lock}, {self.packet_error})"
        return f"{f.frame_type.name} frame ({lock}{', not decrypted' if self.error else ''})"


def _pairing(frame: wpan.Frame) -> str:
    try:
        return repr(wpan.pairing_id_of(frame))
    except ProtocolError as exc:
        return f"malformed ({exc})"


def octets_of(eui64: bytes) -> bytes:
    """An extended address as the MAC header carries it, low octet first (IEEE 802.15.4-2015
    §7.2.2): a frame that does not contain these octets neither comes from nor goes to it."""
    return eui64[::-1]


@dataclass(slots=True)
class _Found:
    """A sender's frames found so far, with their numbers among all transmissions (from 0)."""

    numbers: list[int] = field(default_factory=list)
    frames: list[AirFrame] = field(default_factory=list)
    searched: int = 0  # transmissions searched


class AirLog:
    """The newest ``limit`` transmissions, in order; decoded with the bench's current key ring."""

    def __init__(self, key_ring: Callable[[], Iterable[bytes]], *, limit: int | None = None) -> None:
        self._key_ring = key_ring
        self.limit = limit or MAX_AIR_RECORDS
        self.records: deque[AirRecord] = deque(maxlen=self.limit)
        self._frames: deque[AirFrame] = deque(maxlen=self.limit)
        self.recorded = 0  # every transmission seen, kept or dropped
        self._decoded = 0
        # Per sender: its frames found so far, and how many transmissions were searched.
        # Steps ask for a sender's frames again and again (a wait for an echo reply asks
        # after every event); searching only the transmissions since the last answer keeps
        # each answer from walking the whole air again.
        self._by_sender: dict[bytes | int, _Found] = {}

    @property
    def dropped(self) -> int:
        """Transmissions the ring buffer let go, oldest first."""
        return self.recorded - len(self.records)

    def record(self, record: AirRecord) -> None:
        self.records.append(record)
        self.recorded += 1

    def frames(self) -> list[AirFrame]:
        """The kept transmissions, decoded; the first is number 1 of the capture."""
        self._decode_new()
        return list(self._frames)

    def _decode_new(self) -> None:
        new = min(self.recorded - self._decoded, len(self.records))
        if new:
            keys = tuple(self._key_ring())
            # The newest ``new`` records, taken from the newest end: islice from the oldest
            # would walk the whole deque each time a wait asks again after an event.
            for record in reversed(list(islice(reversed(self.records), new))):
                self._frames.append(
                    AirFrame(record.time, record.channel, record.rssi_dbm, record.frame, keys)
                )
            self._decoded = self.recorded

    def sent_by(self, address: bytes) -> list[AirFrame]:
        """The kept transmissions from ``address``, in air order."""
        self._decode_new()
        kept_from = self._decoded - len(self._frames)  # the number of the oldest frame kept
        found = self._by_sender.get(address)
        if found is None:
            found = self._by_sender[address] = _Found()
        if found.numbers and found.numbers[0] < kept_from:  # the ring buffer let them go
            gone = bisect_left(found.numbers, kept_from)
            del found.numbers[:gone], found.frames[:gone]
        start = max(found.searched, kept_from)
        if start < self._decoded:
            # A frame without the address's octets cannot come from it: set aside undecoded.
            octets = octets_of(address) if isinstance(address, bytes) else None
            new = list(islice(reversed(self._frames), self._decoded - start))  # not a walk from the oldest
            for n, frame in enumerate(reversed(new), start):
                if (octets is None or octets in frame.raw) and frame.src == address:
                    found.numbers.append(n)
                    found.frames.append(frame)
        found.searched = self._decoded
        return list(found.frames)

    def echo_replies(self, sender: bytes, identifier: int, sequence: int, *, since: float) -> list[AirFrame]:
        """Echo Replies ``sender`` put on the air for one probe, from ``since`` on."""
        found = []
        for frame in self.sent_by(sender):
            message = frame.icmp
            if frame.time < since or message is None or message.type != sixlowpan.ECHO_REPLY:
                continue
            if sixlowpan.echo_fields(message)[:2] == (identifier, sequence):
                found.append(frame)
        return found
