"""The air on a rig: what the rig's sniffer heard, as the same observations the twin makes.

Each frame the sniffer reports becomes an :class:`~conformance.sim.radio.AirRecord` of the
scenario's :class:`~conformance.observe.air.AirLog`, so the air steps and the monitors
judge a rig's air exactly as the twin's (DESIGN.md rules 1 and 2); the log decrypts secured
frames with the group keys the rig knows (the sniffer entry's ``group_keys``).

Time. A frame's time is the sniffer's own timestamp, moved onto rig time by an offset: the
smallest ``arrival - timestamp`` seen so far, where ``arrival`` is when the frame reached
the bench in rig time. A frame never arrives before it was heard, so the smallest
difference is the best estimate of the two clocks' offset (the network's delay the least);
the offset only shrinks as better estimates come, and a sniffer whose clock jumps forward
(an NTP step) is caught by the same rule. Intervals between frames (how soon PANA follows
the scan) keep the sniffer's own precision. A shortened wait (``RigClock.skip``) jumps the
bench's calendar, not the sniffer's clock: the offset is estimated with the skipped seconds
left out and they are added back, else every frame after a skip would stand that much
before the bench's events (a rejoin before the restart it follows). A sniffer's timestamps
count wall seconds; the emulated rig's count rig seconds at its pace (``rigs/emulators/air.py``).

Channel and RSSI: where the encapsulation carries none (pcap with link type 195 or 230,
ZEP in CRC mode), the channel is the smart meter's and the RSSI is NaN (unknown).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from conformance.observe.air import AirFrame, AirLog
from conformance.protocols import dlms, sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.errors import ProtocolError
from conformance.sim.radio import AirRecord
from conformance.twin.meter.probes import ALL_NODES, FORGED_COUNTER_HEADROOM
from rigs.protocols import SniffedFrame, SnifferProtocol

UNKNOWN_RSSI = math.nan


@dataclass(frozen=True, slots=True)
class ProbeReply:
    """The terminal's answer to an echo probe, as the module (or the sniffer) received it."""

    time: float
    secured: bool

    def summary(self) -> str:
        return f"DLMS GET-Response on UDP {DLMS_PORT} ({'secured' if self.secured else 'PLAINTEXT'})"


class SniffedAir:
    """The scenario's air log, fed from the rig's sniffer from ``mark`` on."""

    def __init__(
        self,
        sniffer: SnifferProtocol,
        *,
        at: Callable[[float], float],
        keys: Callable[[], list[bytes]],
        channel: Callable[[], int],
        skipped: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._sniffer = sniffer
        self._at = at  # a monotonic reading in rig seconds
        self._skipped = skipped  # the rig seconds shortened waits jumped over so far
        self._channel = channel
        self.log = AirLog(keys)
        self._mark = sniffer.mark()
        self._offset: float | None = None

    def _time(self, heard: SniffedFrame) -> float:
        # The rig's parts are tended before a skip (RigClock.skip), so a frame that arrived
        # before it is stamped before it.
        skipped = self._skipped()
        offset = self._at(heard.arrived) - skipped - heard.timestamp
        if self._offset is None or offset < self._offset:
            self._offset = offset
        return heard.timestamp + self._offset + skipped

    def take(self) -> None:
        """Record what the sniffer heard since the last call; raises the sniffer's
        ``RigError`` when its feed broke."""
        self._sniffer.check_alive()
        heard = self._sniffer.frames(self._mark)
        self._mark += len(heard)
        for frame in heard:
            self.log.record(
                AirRecord(
                    time=self._time(frame),
                    channel=self._channel() if frame.channel is None else frame.channel,
                    rssi_dbm=UNKNOWN_RSSI if frame.rssi_dbm is None else frame.rssi_dbm,
                    frame=frame.frame,
                )
            )


# -- frames the bench forges for the injector (NAT-3.1-R3) -------------------------------------

STRANGER_ADDRESS = bytes.fromhex("02BE0C4A00000E57")  # locally administered: no smart meter's
# Far above any counter the module reached, so the terminal's replay check passes and only
# the MIC or the key can make it drop the frame (a failed frame updates no counter, §9.2.4);
# the twin's forgeries run as far ahead of its meter's.
COUNTER_HEADROOM = FORGED_COUNTER_HEADROOM
UNKNOWN_COUNTER = 0xC0000000


def refcs(body: bytes) -> bytes:
    return body + wpan.compute_fcs(body)


def module_counter(log: AirLog | None, module: bytes) -> tuple[int, int]:
    """The highest frame counter and the key index the module was heard using; without a
    sniffer, key index 1 and a counter near the top of the 32-bit space, where no module's
    is (it persists across sessions, so it is no known number)."""
    if log is None:
        return UNKNOWN_COUNTER, 1
    counter, index = 0, 1
    for frame in log.sent_by(module):
        security = frame.frame.security if frame.frame is not None else None
        if security is not None:
            counter, index = max(counter, security.frame_counter), security.key_index
    return counter, index


def forged_frame(
    *,
    src: bytes,
    terminal: bytes,
    pan_id: int,
    payload: bytes,
    key: bytes,
    key_index: int,
    counter: int,
    sequence: int,
    bad_mic: bool = False,
    to_all: bool = False,
) -> bytes:
    """A secured data frame as the module would send it, from ``src``; with ``bad_mic`` the
    last MIC octet flipped (it sits just before the 2-octet FCS) and the FCS made good; with
    ``to_all`` a broadcast frame (``broadcast_frame``)."""
    frame = _data_frame(
        src=src, terminal=terminal, pan_id=pan_id, payload=payload, sequence=sequence, to_all=to_all
    )
    header = wpan.AuxSecurityHeader(frame_counter=counter & 0xFFFFFFFF, key_index=key_index)
    raw = wpan.secure(dataclasses.replace(frame, security=header), key)
    if not bad_mic:
        return raw
    flipped = bytearray(raw[:-2])
    flipped[-1] ^= 0x01
    return refcs(bytes(flipped))


def _data_frame(
    *, src: bytes, terminal: bytes, pan_id: int, payload: bytes, sequence: int, to_all: bool
) -> wpan.Frame:
    # To all nodes: destination 0xFFFF and no acknowledgement (IEEE 802.15.4-2015 §6.7.4.1).
    return wpan.data_frame(
        sequence_number=sequence,
        pan_id=pan_id,
        src_addr=src,
        dst_addr=wpan.BROADCAST_SHORT if to_all else terminal,
        payload=payload,
        ack_request=not to_all,
    )


def broadcast_frame(*, src: bytes, pan_id: int, payload: bytes, sequence: int) -> bytes:
    """A data frame in plaintext from ``src`` to all nodes."""
    frame = _data_frame(src=src, terminal=b"", pan_id=pan_id, payload=payload, sequence=sequence, to_all=True)
    return wpan.encode(frame)


def dlms_payload(src: bytes, terminal: bytes, apdu: bytes) -> bytes:
    """A DLMS/COSEM wrapper datagram on UDP 4059 from ``src``'s link-local address, 6LoWPAN-compressed."""
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.link_local_from_eui64(src),
        dst=sixlowpan.link_local_from_eui64(terminal),
        src_port=DLMS_PORT,
        dst_port=DLMS_PORT,
        payload=apdu,
    )
    return sixlowpan.encode_udp(datagram, src_mac=src, dst_mac=terminal)


def echo_payload(
    src: bytes, terminal: bytes, identifier: int, sequence: int, data: bytes, *, to_all: bool = False
) -> bytes:
    """An ICMPv6 Echo Request from ``src`` to the terminal, or with ``to_all`` to ff02::1."""
    request = sixlowpan.echo_request(
        src=sixlowpan.link_local_from_eui64(src),
        dst=ALL_NODES if to_all else sixlowpan.link_local_from_eui64(terminal),
        identifier=identifier,
        sequence=sequence,
        data=data,
    )
    return sixlowpan.encode_icmpv6(request, src_mac=src, dst_mac=wpan.BROADCAST_SHORT if to_all else terminal)


def sent_to(log: AirLog, module: bytes, terminal: bytes, *, after: int, invoke_id: int) -> AirFrame | None:
    """The first secured data frame the module sent the terminal after the log's first
    ``after`` frames: by position, since a sniffer's clock may stand a little behind the
    bench's. Where the frame decrypts, it must be the DLMS GET with ``invoke_id``."""
    for frame in log.frames()[after:]:
        decoded = frame.frame
        if frame.src != module or decoded is None or decoded.security is None:
            continue
        if decoded.dst_addr != terminal or decoded.frame_type is not wpan.FrameType.DATA:
            continue
        if not frame.decrypted:
            return frame
        datagram = frame.datagram
        if datagram is not None and _invoke_id_of(datagram.payload) == invoke_id:
            return frame
    return None


def _invoke_id_of(payload: bytes) -> int | None:
    try:
        apdu = dlms.decode(dlms.unwrap(payload).apdu)
    except ProtocolError:
        return None
    return apdu.invoke_id if isinstance(apdu, dlms.GetRequest) else None


def get_answers(log: AirLog, terminal: bytes, invoke_id: int, since: float) -> list:
    """The terminal's GET-Responses with ``invoke_id`` heard from ``since`` on, as
    ``ProbeReply`` (what the module would have reported had its stack taken them)."""
    found = []
    for frame in log.sent_by(terminal):
        datagram = frame.datagram
        if frame.time < since or datagram is None or datagram.src_port != DLMS_PORT:
            continue
        try:
            apdu = dlms.decode(dlms.unwrap(datagram.payload).apdu)
        except ProtocolError:
            continue
        if isinstance(apdu, dlms.GetResponse) and apdu.invoke_id == invoke_id:
            found.append(ProbeReply(frame.time, frame.secured))
    return found
