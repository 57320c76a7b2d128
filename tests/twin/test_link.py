"""The twins' link layer, two ends wired through the simulated medium (h11's
ConnectionPair idea): acknowledgement and retries, security, replay rejection."""

from __future__ import annotations

import dataclasses

from conformance.protocols import dlms, sixlowpan, wpan
from conformance.sim.radio import RadioMedium
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.link import Inbound, LinkLayer

A = bytes.fromhex("0212340000000001")
B = bytes.fromhex("0212340000000002")
KEY = bytes(range(16))


class LinkPair:
    def __init__(self, seed: int = 1, loss: float = 0.0) -> None:
        self.scheduler = Scheduler()
        self.medium = RadioMedium(self.scheduler, stream(seed, "radio"))
        self.medium.background_loss = loss
        self.a = self._end("a", A, seed)
        self.b = self._end("b", B, seed)
        self.received: list[Inbound] = []
        self.rejected: list[str] = []
        self.b.on_packet = self.received.append
        self.b.on_rejected = lambda raw, reason: self.rejected.append(reason)
        self.aired: list[bytes] = []
        self.medium.add_monitor(lambda record: self.aired.append(record.frame))

    def _end(self, name: str, address: bytes, seed: int) -> LinkLayer:
        link = LinkLayer(
            scheduler=self.scheduler,
            medium=self.medium,
            name=name,
            address=address,
            channel=40,
            rng=stream(seed, name),
        )
        link.pan_id = 0x1000
        link.keys[1] = KEY
        link.tx_key_index = 1
        return link

    def send(self, payload: bytes, *, secure: bool) -> None:
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(A),
            dst=sixlowpan.mac_to_link_local(B),
            src_port=dlms.DLMS_PORT,
            dst_port=dlms.DLMS_PORT,
            payload=payload,
        )
        self.a.send_udp(B, datagram, secure=secure)
        self.scheduler.run_until(self.scheduler.now + 1.0)


def test_a_secured_datagram_arrives_once_with_its_key_index() -> None:
    pair = LinkPair()
    pair.send(b"reading", secure=True)
    assert [(r.packet.payload, r.secured, r.key_index) for r in pair.received] == [(b"reading", True, 1)]


def test_lost_frames_are_retried_and_duplicates_suppressed() -> None:
    delivered = 0
    for seed in range(1, 30):
        pair = LinkPair(seed=seed, loss=0.4)
        pair.send(b"x", secure=True)
        assert len(pair.received) <= 1  # a retry after a lost ACK is not delivered twice
        delivered += len(pair.received)
    assert delivered >= 20  # four attempts beat 40 % loss most of the time


def test_a_replayed_frame_is_rejected() -> None:
    pair = LinkPair()
    pair.send(b"first", secure=True)
    original = next(f for f in pair.aired if wpan.decode(f).security is not None)
    pair.send(b"second", secure=True)
    # Replay the first frame under a fresh sequence number so only the counter is old.
    frame = wpan.unsecure(original, KEY)
    replay = wpan.secure(dataclasses.replace(frame, sequence_number=200), KEY)
    pair.medium.attach("replayer", lambda *a: None, channel=40).transmit(replay)
    pair.scheduler.run_until(pair.scheduler.now + 1.0)
    assert [r.packet.payload for r in pair.received] == [b"first", b"second"]
    assert any("replayed frame counter" in reason for reason in pair.rejected)


def test_a_frame_under_another_key_is_rejected() -> None:
    pair = LinkPair()
    pair.a.keys[1] = bytes(16)
    pair.send(b"x", secure=True)
    assert pair.received == []
    assert any("security check failed" in reason for reason in pair.rejected)
