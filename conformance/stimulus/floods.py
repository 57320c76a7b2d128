"""The bench's flood generators (NAT-3.1-T4 「外部等からのDoS攻撃を検知する機能」).

Theory of operation: a flood is a list of real frames (IoT route) or datagrams (home side),
built here from the protocol codecs the way an attacker's tool would build them, then sent
at a rate through the bench's interfaces by ``pace``: ``IotRouteSide.inject`` puts each
frame on the smart meter's channel, a ``RogueDevice`` on the home network sends each
datagram. Building is pure (octets in, octets out); only ``pace`` lets time pass, through
the bench's ``Clock``, so the same floods run on virtual time in the twin and on the wall
clock of a rig.

What an attacker on the channel knows it learns from the air (``sniff_target``): the
terminal's and the meter's addresses, the PAN ID and the key index in use. The kinds:

* plaintext data frames: UDP datagrams in the clear, half claiming to come from the meter,
  half from strangers (the terminal's reception policy refuses them, NAT-3.1-R3);
* bad-MIC frames: secured frames claiming to come from the meter, with the key index in use
  and fresh frame counters, whose MIC does not verify (IEEE 802.15.4-2015 §9.2.5);
* PANA requests: PANA-Auth-Requests opening an authentication (RFC 5191 §4.1, the S flag)
  from rogue authentication agents at random addresses;
* malformed frames: MAC headers cut short, and frames whose 6LoWPAN payload is garbage;
* forged frames of every kind: the four above in turn.

On the home side: ECHONET Lite requests (Get, SetC, SetI, INF_REQ, SetGet) for the terminal's
objects and objects it does not have, and UDP datagrams of random octets to its open ports.

Rates: the 920 MHz channel carries 100 kb/s, so a 60-octet frame takes about 5 ms of air
(``sim/radio.py``: PSDU plus 8 PHY octets). The twin's medium does not model collisions; on a
real channel the attacker and the legitimate nodes share the air through CSMA-CA
(IEEE 802.15.4-2015 §6.2.5), which leaves the legitimate traffic its turns as long as the
flood does not hold the channel all the time. ``check_rate`` therefore refuses a flood that
would take more than ``MAX_CHANNEL_SHARE`` of the channel's airtime: beyond it the bench
would be jamming, not flooding (interference is THK-13-HOP's scenario).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from conformance.errors import BenchError
from conformance.interfaces import Clock
from conformance.observe.air import AirLog
from conformance.protocols import echonet, pana, sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.pana import PANA_PORT, AvpCode, Flag, IntegrityAlgorithm, PrfAlgorithm
from conformance.sim.home_network import HomeDatagram
from conformance.sim.radio import airtime_s

MAX_CHANNEL_SHARE = 0.5
PAYLOAD_SIZES = (20, 40, 60)  # UDP payload octets of the plaintext frames
POOL = 256  # distinct frames a flood is made of; copies take new sequence numbers


class FrameFlood(StrEnum):
    """What a flood on the IoT route is made of (the feature files' words)."""

    PLAINTEXT = "plaintext data frames"
    BAD_MIC = "bad-MIC frames"
    PANA = "PANA requests"
    MALFORMED = "malformed frames"
    MIXED = "forged frames of every kind"


class HomeFlood(StrEnum):
    """What a flood on the home side is made of."""

    ECHONET = "ECHONET Lite requests"
    UDP = "UDP datagrams of random octets"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What an attacker on the channel knows of the terminal's network, from the air."""

    terminal: bytes  # EUI-64
    meter: bytes  # EUI-64 of the smart meter the terminal talks to
    pan_id: int
    key_index: int  # of the group key in use


def sniff_target(air: AirLog, *, terminal: bytes, meter: bytes) -> Target:
    """The PAN ID and the key index in use, read from the meter's frames on the air.

    Raises:
        BenchError: the meter has not yet sent a secured frame (the terminal never joined).
    """
    pan_id = key_index = None
    for frame in reversed(air.sent_by(meter)):
        decoded = frame.frame
        if decoded is None:
            continue
        if pan_id is None:
            pan_id = decoded.src_pan if decoded.src_pan is not None else decoded.dst_pan
        if key_index is None and decoded.security is not None:
            key_index = decoded.security.key_index
        if pan_id is not None and key_index is not None:
            return Target(terminal=terminal, meter=meter, pan_id=pan_id, key_index=key_index)
    raise BenchError("no secured frame of the smart meter on the air: nothing to aim a flood at")


def terminal_home_address(traffic: Sequence[HomeDatagram], meter_address: str) -> str:
    """The terminal's home address: whoever asked the bench's metering device something.

    Raises:
        BenchError: nothing on the home network addressed the meter yet.
    """
    for datagram in traffic:
        if datagram.dst == meter_address and datagram.src != meter_address:
            return datagram.src
    raise BenchError("the terminal never spoke on the home network: no address to flood")


# -- the IoT route ------------------------------------------------------------------------


class _FrameForger:
    def __init__(self, target: Target, rng: random.Random) -> None:
        self.target = target
        self.rng = rng
        self.sequence = rng.randrange(256)
        self.frame_counter = rng.randrange(1 << 20, 1 << 30)
        self.wrong_key = rng.randbytes(16)

    def stranger(self) -> bytes:
        while True:
            address = bytes([0x02 | (self.rng.randrange(256) & 0xFC)]) + self.rng.randbytes(7)
            if address not in (self.target.terminal, self.target.meter):
                return address

    def _frame(self, src: bytes, payload: bytes) -> wpan.Frame:
        self.sequence = (self.sequence + 1) % 256
        return wpan.data_frame(
            sequence_number=self.sequence,
            pan_id=self.target.pan_id,
            src_addr=src,
            dst_addr=self.target.terminal,
            payload=payload,
        )

    def _udp(self, src: bytes, src_port: int, dst_port: int, payload: bytes) -> bytes:
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(src),
            dst=sixlowpan.mac_to_link_local(self.target.terminal),
            src_port=src_port,
            dst_port=dst_port,
            payload=payload,
        )
        return sixlowpan.encode_udp(datagram, src_mac=src, dst_mac=self.target.terminal)

    def plaintext(self, n: int) -> bytes:
        src = self.target.meter if n % 2 else self.stranger()
        payload = self.rng.randbytes(PAYLOAD_SIZES[n % len(PAYLOAD_SIZES)])
        # To DLMS_PORT, a port the terminal serves: the flood aims where it listens.
        return wpan.encode(self._frame(src, self._udp(src, DLMS_PORT, DLMS_PORT, payload)))

    def bad_mic(self, n: int) -> bytes:
        src = self.target.meter
        payload = self.rng.randbytes(PAYLOAD_SIZES[n % len(PAYLOAD_SIZES)])
        frame = self._frame(src, self._udp(src, DLMS_PORT, DLMS_PORT, payload))
        self.frame_counter += 1
        security = wpan.AuxSecurityHeader(frame_counter=self.frame_counter, key_index=self.target.key_index)
        # Secured under a key the network does not use: the terminal's MIC check fails.
        return wpan.secure(dataclasses.replace(frame, security=security), self.wrong_key)

    def pana_request(self, n: int) -> bytes:
        src = self.stranger()
        message = pana.PanaMessage(
            message_type=pana.MessageType.AUTH,
            flags=Flag.REQUEST | Flag.START,
            session_id=self.rng.randrange(1, 1 << 32),
            sequence_number=self.rng.randrange(1 << 32),
            avps=(
                pana.Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, PrfAlgorithm.PRF_HMAC_SHA2_256),
                pana.Avp.from_unsigned32(
                    AvpCode.INTEGRITY_ALGORITHM, IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128
                ),
            ),
        )
        return wpan.encode(self._frame(src, self._udp(src, PANA_PORT, PANA_PORT, pana.encode(message))))

    def malformed(self, n: int) -> bytes:
        if n % 2:
            raw = wpan.encode(self._frame(self.stranger(), b""))
            body = raw[: self.rng.randrange(3, 21)]  # ends inside the 21-octet MAC header
            return body + wpan.compute_fcs(body)
        # IPHC dispatch 011xxxxx with nothing after it: the 6LoWPAN header is cut short.
        return wpan.encode(self._frame(self.stranger(), bytes([0x60 | self.rng.randrange(32)])))


def iot_flood(kind: FrameFlood, count: int, target: Target, rng: random.Random) -> list[bytes]:
    """``count`` frames of ``kind`` aimed at ``target``'s terminal.

    As a flooding tool does, the bench forges a pool of at most ``POOL`` frames and sends them
    again and again, each copy with the next MAC sequence number (and its FCS): consecutive
    frames always differ, and a flood of 10,000 costs the bench only its pool to build.
    """
    forger = _FrameForger(target, rng)
    makers = {
        FrameFlood.PLAINTEXT: (forger.plaintext,),
        FrameFlood.BAD_MIC: (forger.bad_mic,),
        FrameFlood.PANA: (forger.pana_request,),
        FrameFlood.MALFORMED: (forger.malformed,),
        FrameFlood.MIXED: (forger.plaintext, forger.bad_mic, forger.pana_request, forger.malformed),
    }[FrameFlood(kind)]
    pool = [makers[n % len(makers)](n // len(makers)) for n in range(min(count, POOL))]
    return [_renumbered(pool[n % len(pool)], n // len(pool)) for n in range(count)]


def _renumbered(raw: bytes, copy: int) -> bytes:
    """``raw`` with its sequence number (octet 2, after the frame control) moved on by ``copy``."""
    if copy == 0:
        return raw
    body = raw[:2] + bytes([(raw[2] + copy) % 256]) + raw[3:-2]
    return body + wpan.compute_fcs(body)


def channel_share(frames: Sequence[bytes], rate: float) -> float:
    """The share of the channel's airtime ``frames`` take when sent ``rate`` a second."""
    if not frames:
        return 0.0
    return rate * sum(airtime_s(len(f)) for f in frames) / len(frames)


def check_rate(frames: Sequence[bytes], rate: float) -> float:
    """The flood's channel share, or a bench error when the channel cannot carry it."""
    share = channel_share(frames, rate)
    if share > MAX_CHANNEL_SHARE:
        raise BenchError(
            f"{rate:g} frames a second of these frames take {share:.0%} of the 100 kb/s channel, "
            f"more than the {MAX_CHANNEL_SHARE:.0%} a flood may take (beyond it the bench jams)"
        )
    return share


# -- the home side ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Datagram:
    """One datagram of a home-side flood: where to, and what."""

    dst_port: int
    payload: bytes


_ECHONET_TARGETS = (
    echonet.NODE_PROFILE,
    echonet.CONTROLLER,
    echonet.DG_METER,  # the meter's class: the terminal is not one
    echonet.LV_SMART_METER,  # the B route's class: nothing the terminal has
    echonet.Eoj(0x01, 0x30, 0x01),  # a home air conditioner
)
_ECHONET_SERVICES = (echonet.Esv.GET, echonet.Esv.SETC, echonet.Esv.SETI, echonet.Esv.INF_REQ)


def _echonet_request(n: int, rng: random.Random) -> bytes:
    deoj = _ECHONET_TARGETS[n % len(_ECHONET_TARGETS)]
    tid = rng.randrange(0x10000)
    epc = rng.randrange(0x80, 0x100)
    if n % 5 == 4:
        frame = echonet.Frame(
            tid=tid,
            seoj=echonet.CONTROLLER,
            deoj=deoj,
            esv=echonet.Esv.SETGET,
            properties=(echonet.Property(epc=epc, edt=rng.randbytes(1)),),
            get_properties=(echonet.Property(epc=rng.randrange(0x80, 0x100)),),
        )
        return echonet.encode(frame)
    esv = _ECHONET_SERVICES[(n // len(_ECHONET_TARGETS)) % len(_ECHONET_SERVICES)]
    carries_value = esv in (echonet.Esv.SETC, echonet.Esv.SETI)
    prop = echonet.Property(epc=epc, edt=rng.randbytes(rng.randrange(1, 5)) if carries_value else b"")
    return echonet.encode(echonet.request(tid, echonet.CONTROLLER, deoj, esv, prop))


def home_flood(kind: HomeFlood, count: int, *, ports: Sequence[int], rng: random.Random) -> list[Datagram]:
    """``count`` datagrams of ``kind``; random octets go to ``ports`` in turn (the open ones)."""
    if HomeFlood(kind) is HomeFlood.ECHONET:
        return [
            Datagram(dst_port=echonet.ECHONET_PORT, payload=_echonet_request(n, rng)) for n in range(count)
        ]
    if not ports:
        raise BenchError("a UDP flood needs at least one port to aim at")
    return [
        Datagram(dst_port=ports[n % len(ports)], payload=rng.randbytes(rng.randrange(8, 65)))
        for n in range(count)
    ]


# -- sending ------------------------------------------------------------------------------


Item = TypeVar("Item")


@dataclass(frozen=True, slots=True, kw_only=True)
class FloodRun:
    """A flood as sent: how many, how fast, from when to when (the bench's clock)."""

    sent: int
    rate: float
    started: float
    ended: float


# Lateness below this is the clock's own rounding, not time spent sending.
ON_SCHEDULE_S = 1e-9


def pace(clock: Clock, items: Sequence[Item], send: Callable[[Item], None], *, rate: float) -> FloodRun:
    """Send ``items`` ``1 / rate`` seconds apart; returns once the last one is sent.

    The rate holds on the clock's time: where sending takes time of its own (a rig's clock
    runs on while a datagram goes out, many times the wall clock on an emulated rig), the
    items that fell due meanwhile go at once, so the flood keeps its declared rate instead
    of thinning out. On the twin's virtual clock sending takes no time: each item waits
    the period after the one before.
    """
    if rate <= 0:
        raise BenchError(f"a flood rate must be positive, not {rate}")
    period = 1.0 / rate
    started = clock.now()
    due = started
    for item in items:
        send(item)
        due += period
        behind = clock.now() - (due - period)
        if behind <= ON_SCHEDULE_S:
            clock.wait(period)
        elif behind < period:
            clock.wait(period - behind)
    return FloodRun(sent=len(items), rate=rate, started=started, ended=clock.now())
