"""The air as the bench sees it: nothing a sender puts on the air makes a frame's
properties raise, and the log keeps a bounded number of frames and says what it dropped."""

from __future__ import annotations

import dataclasses
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe import air as air_module
from conformance.observe.air import MAX_AIR_RECORDS, AirFrame, AirLog
from conformance.observe.renderings import sequence_text
from conformance.protocols import sixlowpan, wpan
from conformance.sim.radio import AirRecord
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class

DECLARATION = load_declaration()
TERMINAL = DECLARATION.identity.eui64
METER = bytes.fromhex("0200000000000001")
KEY = bytes(range(16))


def _udp(src_mac: bytes = TERMINAL, dst_mac: bytes = METER, port: int = 716) -> bytes:
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(src_mac),
        dst=sixlowpan.mac_to_link_local(dst_mac),
        src_port=port,
        dst_port=port,
        payload=b"\x00" * 8,
    )
    return sixlowpan.encode_udp(datagram, src_mac=src_mac, dst_mac=dst_mac)


def _properties(frame: AirFrame) -> None:
    """Everything the steps, the monitors and the sequence attachment read."""
    for name in ("frame", "decrypted", "error", "secured", "src", "packet", "packet_error", "datagram"):
        getattr(frame, name)
    for name in ("icmp", "pana", "is_beacon_request", "is_application"):
        getattr(frame, name)
    assert frame.summary()


@pytest.mark.parametrize(
    ("src", "dst", "missing"),
    [(None, None, "source or destination"), (TERMINAL, None, "destination"), (None, METER, "source")],
)
@pytest.mark.parametrize("secured", [False, True])
def test_a_data_frame_without_addresses_is_a_finding_not_a_bench_error(
    src: bytes | None, dst: bytes | None, missing: str, secured: bool
) -> None:
    # Before: packet, datagram, pana and summary() raised BenchUsageError ("a MAC address is 8
    # octets"), which broke the steps and the sequence attachment.
    frame = wpan.Frame(
        frame_type=wpan.FrameType.DATA, dst_pan=0x1000 if dst else None, dst_addr=dst,
        src_pan=0x1000 if src and not dst else None, src_addr=src, payload=_udp(),
    )  # fmt: skip
    if secured and src is not None:
        raw = wpan.secure(
            dataclasses.replace(frame, security=wpan.AuxSecurityHeader(frame_counter=1, key_index=1)), KEY
        )
    else:
        raw = wpan.encode(frame)
    seen = AirFrame(0.0, 33, -50.0, raw, (KEY,))
    _properties(seen)
    assert seen.packet is None and seen.datagram is None and seen.pana is None
    assert seen.packet_error == f"data frame without a {missing} address"
    assert seen.packet_error in seen.summary()


def test_an_undecodable_6lowpan_payload_says_why() -> None:
    raw = wpan.encode(
        wpan.data_frame(sequence_number=1, pan_id=1, src_addr=TERMINAL, dst_addr=METER, payload=b"\x7a")
    )
    seen = AirFrame(0.0, 33, -50.0, raw)
    assert seen.packet is None and (seen.packet_error or "").startswith("undecodable 6LoWPAN payload")


def test_a_well_formed_frame_decodes_as_before() -> None:
    raw = wpan.encode(
        wpan.data_frame(sequence_number=1, pan_id=1, src_addr=TERMINAL, dst_addr=METER, payload=_udp())
    )
    seen = AirFrame(0.0, 33, -50.0, raw)
    assert seen.datagram is not None and seen.packet_error is None
    assert seen.summary() == "UDP 716->716, 8 octets (PLAINTEXT)" or seen.pana is not None


# -- the ring buffer ------------------------------------------------------------------


def _record(n: int) -> AirRecord:
    return AirRecord(float(n), 33, -50.0, wpan.encode(wpan.ack(sequence_number=n % 256)))


def test_the_air_log_keeps_the_newest_frames_and_counts_the_dropped_ones() -> None:
    log = AirLog(lambda: (), limit=100)
    for n in range(60):
        log.record(_record(n))
    assert [f.time for f in log.frames()] == [float(n) for n in range(60)]
    for n in range(60, 250):
        log.record(_record(n))
        if n == 130:
            log.frames()  # decoded in between: the frames stay aligned with the records
    frames = log.frames()
    assert (len(log.records), len(frames), log.dropped, log.recorded) == (100, 100, 150, 250)
    assert [f.time for f in frames] == [float(n) for n in range(150, 250)]
    assert [r.time for r in log.records] == [f.time for f in frames]


def _data(n: int, src: bytes) -> AirRecord:
    frame = wpan.data_frame(
        sequence_number=n % 256, pan_id=1, src_addr=src, dst_addr=METER, payload=_udp(src)
    )
    return AirRecord(float(n), 33, -50.0, wpan.encode(frame))


def test_a_senders_frames_are_found_anew_as_the_air_grows_and_drops_its_oldest() -> None:
    # sent_by searches only what came since its last answer: it must answer as a full search.
    other = bytes.fromhex("0200000000000002")
    log = AirLog(lambda: (), limit=50)

    def searched(address: bytes) -> list[AirFrame]:
        return [f for f in log.frames() if f.src == address]

    for n in range(130):
        log.record(_data(n, TERMINAL if n % 3 else other))
        if n % 7 == 0 or n > 120:
            for address in (TERMINAL, other, METER):
                assert log.sent_by(address) == searched(address)
    assert log.dropped == 80 and log.sent_by(other)[0].time == 81.0


def test_a_flood_of_frames_costs_bounded_memory() -> None:
    # Before: the log kept every frame (400k injected frames: 232 MB).
    log = AirLog(lambda: ())
    raw = wpan.encode(
        wpan.data_frame(sequence_number=1, pan_id=1, src_addr=TERMINAL, dst_addr=METER, payload=_udp())
    )
    tracemalloc.start()
    for n in range(3 * MAX_AIR_RECORDS):
        log.record(AirRecord(float(n), 33, -50.0, raw))
        if n % 10_000 == 0:
            log.frames()
    frames = log.frames()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(frames) == MAX_AIR_RECORDS and log.dropped == 2 * MAX_AIR_RECORDS
    assert peak < 60_000_000, peak


def test_the_sequence_attachment_says_how_many_frames_were_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(air_module, "MAX_AIR_RECORDS", 20)
    bench = TwinBench(seed=1, declaration=DECLARATION, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=DECLARATION.credentials.pairing_id))
    bench.terminal.power_on()
    bench.clock.wait(120)
    air = bench.route.air
    assert air.dropped > 0 and len(air.frames()) == 20
    text = sequence_text(bench)
    assert f"keeps the newest 20 frames: {air.dropped} earlier ones were dropped" in text


# -- hypothesis: structured frames, with valid FCS, reach every layer ------------------

_ADDRESS = st.one_of(
    st.none(), st.integers(0, 0xFFFF), st.sampled_from([TERMINAL, METER]), st.binary(min_size=8, max_size=8)
)
_PAYLOAD = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([_udp(), _udp(port=4059), _udp(port=3610)]).flatmap(
        lambda good: st.integers(0, len(good)).map(lambda cut: good[:cut])
    ),
    st.sampled_from([_udp()]).flatmap(
        lambda good: st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)).map(
            lambda change: good[: change[0]] + bytes([change[1]]) + good[change[0] + 1 :]
        )
    ),
)


@st.composite
def _frames(draw) -> bytes:
    dst, src = draw(_ADDRESS), draw(_ADDRESS)
    frame_type = draw(st.sampled_from(list(wpan.FrameType)))
    try:
        frame = wpan.Frame(
            frame_type=frame_type, sequence_number=draw(st.integers(0, 255)),
            dst_pan=0x1000 if dst is not None else None, dst_addr=dst,
            src_pan=0x1000 if dst is None and src is not None else None, src_addr=src,
            command_id=wpan.CMD_ENHANCED_BEACON_REQUEST if frame_type is wpan.FrameType.MAC_COMMAND else None,
            payload=draw(_PAYLOAD),
        )  # fmt: skip
        if draw(st.booleans()) and isinstance(src, bytes):
            secured = dataclasses.replace(
                frame, security=wpan.AuxSecurityHeader(frame_counter=7, key_index=1)
            )
            return wpan.secure(secured, KEY)
        return wpan.encode(frame)
    except wpan.BenchUsageError:
        return draw(st.binary(max_size=40))  # a combination the standard does not allow


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_frames(), keys=st.sampled_from([(), (KEY,), (bytes(16), KEY)]))
def test_any_frame_on_the_air_gives_a_decoded_frame_or_a_finding(raw: bytes, keys: tuple[bytes, ...]) -> None:
    _properties(AirFrame(0.0, 33, -50.0, raw, keys))
