"""Echo probes: how the bench finds out whether a terminal accepted a frame.

The smart-meter side sends the terminal an ICMPv6 Echo Request (RFC 4443 §4.1; every
IPv6 node answers one) under a chosen link-layer protection. A terminal that accepted
the frame answers with an Echo Reply, visible on the air; one that dropped it stays
silent. The forged variants are what an attacker or a faulty peer would send
(NAT-3.1-R3: 「レイヤ2での暗号化」 must reject them).
"""

from __future__ import annotations

import dataclasses
import random

from conformance.interfaces import EchoProbe, Protection
from conformance.protocols import sixlowpan, wpan
from conformance.sim.scheduler import Scheduler
from conformance.twin.meter.smart_meter import SmartMeter

# A frame already replayed this long after its original, so the original's reply is in.
REPLAY_DELAY_S = 2.0
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")  # RFC 4291 §2.7.1
# How far a forged frame's counter runs ahead of its meter's (rigs/profile/air.py too): far
# enough that only the MIC or the key can make the terminal drop it, never its replay check.
FORGED_COUNTER_HEADROOM = 1_000_000


def _refcs(body: bytes) -> bytes:
    return body + wpan.compute_fcs(body)


class EchoProber:
    """Builds and sends echo probes from a smart meter to one terminal."""

    def __init__(
        self,
        scheduler: Scheduler,
        rng: random.Random,
        inject,
        stranger_address: bytes,
    ) -> None:
        self._scheduler = scheduler
        self._rng = rng
        self._inject = inject  # (raw, meter_name) -> None
        self._stranger = stranger_address
        self._stranger_counter = 0
        self._identifier = rng.randrange(0x10000)
        self._sequence = 0

    def _request(self, src_mac: bytes, terminal: bytes, *, to_all: bool = False) -> sixlowpan.Icmpv6Message:
        self._sequence = (self._sequence + 1) % 0x10000
        return sixlowpan.echo_request(
            src=sixlowpan.mac_to_link_local(src_mac),
            dst=ALL_NODES if to_all else sixlowpan.mac_to_link_local(terminal),
            identifier=self._identifier,
            sequence=self._sequence,
            data=self._rng.randbytes(8),
        )

    def probe(self, meter: SmartMeter, terminal: bytes, protection: Protection) -> EchoProbe:
        if protection is Protection.REPLAYED:
            return self._replay(meter, terminal)
        if protection is Protection.LAST_COUNTER:
            return self._at_last_counter(meter, terminal, to_all=False)
        if protection is Protection.BROADCAST_LAST_COUNTER:
            return self._at_last_counter(meter, terminal, to_all=True)
        if protection in (Protection.BROADCAST_PLAINTEXT, Protection.BROADCAST_BAD_MIC):
            request = self._request(meter.config.address, terminal, to_all=True)
            frame = self._to_all_frame(meter, request)
            probe = EchoProbe(request_identifier(request), request_sequence(request), self._scheduler.now)
            if protection is Protection.BROADCAST_PLAINTEXT:
                self._inject(wpan.encode(frame), meter.config.name)
            else:
                self._inject(self._forge(meter, frame, Protection.BAD_MIC), meter.config.name)
            return probe
        src = self._stranger if protection is Protection.STRANGER else meter.config.address
        request = self._request(src, terminal)
        payload = sixlowpan.encode_icmpv6(request, src_mac=src, dst_mac=terminal)
        frame = dataclasses.replace(meter.link.data_frame(terminal, payload), src_addr=src)
        probe = EchoProbe(request_identifier(request), request_sequence(request), self._scheduler.now)
        if protection is Protection.SECURED:
            meter.link.send_frame(frame, secure=True)
        elif protection is Protection.PLAINTEXT:
            meter.link.send_frame(frame, secure=False)
        else:
            self._inject(self._forge(meter, frame, protection), meter.config.name)
        return probe

    def _forge(self, meter: SmartMeter, frame: wpan.Frame, protection: Protection) -> bytes:
        # A forger cannot take the meter's next counter (a rig's injector cannot: the module
        # owns it), so its counter runs ahead of the meter's. A terminal that takes the
        # forgery into its replay window (§9.2.4 updates it only once the MIC verifies) then
        # drops its meter's own frames: on the twin as on a rig.
        counter = meter.link.next_frame_counter() + FORGED_COUNTER_HEADROOM
        if protection is Protection.BAD_MIC:
            raw = bytearray(self._secured_at(meter, frame, counter))
            raw[-3] ^= 0x01  # the last MIC octet sits just before the 2-octet FCS
            return _refcs(bytes(raw[:-2]))
        if protection is Protection.WRONG_KEY:
            header = wpan.AuxSecurityHeader(frame_counter=counter, key_index=meter.group_key_index)
            return wpan.secure(dataclasses.replace(frame, security=header), self._rng.randbytes(16))
        if protection is Protection.STRANGER:
            # The stranger even holds the group key; only its address gives it away.
            self._stranger_counter += 1
            header = wpan.AuxSecurityHeader(
                frame_counter=self._stranger_counter, key_index=meter.group_key_index
            )
            return wpan.secure(dataclasses.replace(frame, security=header), meter.group_key)
        raise ValueError(f"no forgery for {protection}")

    def _replay(self, meter: SmartMeter, terminal: bytes) -> EchoProbe:
        """Send a secured probe, a second one after it, then the first again verbatim:
        only the frame counter (and the second probe's sequence number) says it is old."""
        first = self._request(meter.config.address, terminal)
        payload = sixlowpan.encode_icmpv6(first, src_mac=meter.config.address, dst_mac=terminal)
        raw = meter.link.encode_for_air(meter.link.data_frame(terminal, payload), secure=True)
        self._inject(raw, meter.config.name)
        second = self._request(meter.config.address, terminal)
        meter.link.send_icmpv6(terminal, second, secure=True)
        replay_at = self._scheduler.now + REPLAY_DELAY_S
        self._scheduler.call_at(replay_at, self._inject, raw, meter.config.name)
        return EchoProbe(request_identifier(first), request_sequence(first), replay_at)

    def _to_all_frame(self, meter: SmartMeter, request: sixlowpan.Icmpv6Message) -> wpan.Frame:
        """A broadcast data frame (destination 0xFFFF, no acknowledgement, IEEE 802.15.4-2015
        §6.7.4.1) carrying ``request`` to ff02::1."""
        payload = sixlowpan.encode_icmpv6(request, src_mac=meter.config.address, dst_mac=wpan.BROADCAST_SHORT)
        frame = meter.link.data_frame(wpan.BROADCAST_SHORT, payload)
        return dataclasses.replace(frame, ack_request=False)

    def _at_last_counter(self, meter: SmartMeter, terminal: bytes, *, to_all: bool) -> EchoProbe:
        """A secured probe the terminal accepts, then after it a new frame (new request, new
        MAC sequence number, so no retransmission) secured at the same frame counter: §9.2.5
        rejects a counter that is not greater than the last accepted, equal included."""
        first = self._request(meter.config.address, terminal, to_all=to_all)
        if to_all:
            frame = self._to_all_frame(meter, first)
        else:
            payload = sixlowpan.encode_icmpv6(first, src_mac=meter.config.address, dst_mac=terminal)
            frame = meter.link.data_frame(terminal, payload)
        counter = meter.link.next_frame_counter()
        self._inject(self._secured_at(meter, frame, counter), meter.config.name)
        again = self._request(meter.config.address, terminal, to_all=to_all)
        if to_all:
            frame = self._to_all_frame(meter, again)
        else:
            payload = sixlowpan.encode_icmpv6(again, src_mac=meter.config.address, dst_mac=terminal)
            frame = meter.link.data_frame(terminal, payload)
        at = self._scheduler.now + REPLAY_DELAY_S
        self._scheduler.call_at(at, self._inject, self._secured_at(meter, frame, counter), meter.config.name)
        return EchoProbe(request_identifier(again), request_sequence(again), at)

    @staticmethod
    def _secured_at(meter: SmartMeter, frame: wpan.Frame, counter: int) -> bytes:
        header = wpan.AuxSecurityHeader(frame_counter=counter, key_index=meter.group_key_index)
        return wpan.secure(dataclasses.replace(frame, security=header), meter.group_key)


def request_identifier(message: sixlowpan.Icmpv6Message) -> int:
    return sixlowpan.echo_fields(message)[0]


def request_sequence(message: sixlowpan.Icmpv6Message) -> int:
    return sixlowpan.echo_fields(message)[1]
