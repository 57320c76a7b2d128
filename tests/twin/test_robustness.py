"""Malformed traffic from a terminal is a finding, never a bench crash (DESIGN.md rule 7).

Frames are put on the simulated air from the terminal's address, so they reach the
smart-meter twin exactly as a misbehaving terminal's would.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe.renderings import sequence_text
from conformance.observe.route_events import FrameDiscarded, TerminalAuthenticated
from conformance.protocols import dlms, pana, sixlowpan, wpan
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class

DECLARATION = load_declaration()
TERMINAL = DECLARATION.identity.eui64


def _bench(seed: int = 1) -> TwinBench:
    bench = TwinBench(seed=seed, declaration=DECLARATION, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=DECLARATION.credentials.pairing_id))
    return bench


def _inject(bench: TwinBench, raw: bytes) -> None:
    """Transmit raw octets from a rogue radio standing where the terminal is."""
    meter = bench.route.meters["SM-1"]
    port = bench.medium.attach(f"rogue {len(bench.route.air.records)}", lambda *a: None)
    port.tune(meter.config.channel)
    port.transmit(raw)
    port.detach()


def _data_to_meter(bench: TwinBench, payload: bytes) -> wpan.Frame:
    meter = bench.route.meters["SM-1"].config
    return wpan.data_frame(
        sequence_number=9, pan_id=meter.pan_id, src_addr=TERMINAL, dst_addr=meter.address, payload=payload
    )


def _udp_payload(bench: TwinBench) -> bytes:
    meter = bench.route.meters["SM-1"].config
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(TERMINAL),
        dst=sixlowpan.mac_to_link_local(meter.address),
        src_port=dlms.DLMS_PORT,
        dst_port=dlms.DLMS_PORT,
        payload=b"reading",
    )
    return sixlowpan.encode_udp(datagram, src_mac=TERMINAL, dst_mac=meter.address)


def _discards(bench: TwinBench) -> list[str]:
    return [e.reason for e in bench.route.events.of(FrameDiscarded)]


def test_a_truncated_frame_is_dropped_and_the_air_log_says_why() -> None:
    bench = _bench()
    full = wpan.encode(_data_to_meter(bench, _udp_payload(bench)))
    _inject(bench, full[:7])
    bench.clock.wait(1)
    frame = bench.route.air.frames()[-1]
    assert frame.frame is None and "undecodable" in (frame.error or "")
    assert "undecodable" in sequence_text(bench)
    assert any("undecodable frame" in reason for reason in _discards(bench))


def test_a_beacon_request_with_a_bad_ie_length_is_ignored() -> None:
    bench = _bench()
    request = wpan.encode(
        wpan.enhanced_beacon_request(sequence_number=1, src_addr=TERMINAL, pairing_id="IOT00901")
    )
    body = bytearray(request[:-2])
    ie_at = body.index(b"\x02JP"[::-1]) - 2  # the vendor IE descriptor precedes its OUI
    body[ie_at] = 0xFF  # claims far more content than the frame holds
    _inject(bench, bytes(body) + wpan.compute_fcs(bytes(body)))
    bench.clock.wait(1)
    assert not _beacons(bench)
    _inject(bench, request)  # control: the well-formed request is answered
    bench.clock.wait(1)
    assert _beacons(bench)


def _beacons(bench: TwinBench) -> list:
    return [f for f in bench.route.air.frames() if f.frame and f.frame.frame_type is wpan.FrameType.BEACON]


def test_a_frame_with_a_bad_mic_is_a_finding_and_does_not_reach_the_network_layer() -> None:
    bench = _bench()
    meter = bench.route.meters["SM-1"]
    frame = dataclasses.replace(
        _data_to_meter(bench, _udp_payload(bench)),
        security=wpan.AuxSecurityHeader(frame_counter=1, key_index=1),
    )
    secured = bytearray(wpan.secure(frame, meter.group_key))
    secured[-3] ^= 0x01  # last MIC octet, before the FCS
    body = bytes(secured[:-2])
    _inject(bench, body + wpan.compute_fcs(body))
    bench.clock.wait(1)
    assert any("security check failed" in reason for reason in _discards(bench))


def test_the_terminal_still_joins_after_garbage_on_the_air() -> None:
    bench = _bench()
    for raw in (b"", b"\x00", b"\xff" * 40, bytes(range(127))):
        _inject(bench, raw)
    bench.terminal.power_on()
    assert bench.clock.wait_until(lambda: bench.route.events.first(TerminalAuthenticated) is not None, 90)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=140))
def test_random_octets_from_the_terminal_never_crash_the_bench(raw: bytes) -> None:
    bench = _bench()
    _inject(bench, raw)
    bench.clock.wait(1)
    sequence_text(bench)  # every frame renders, decodable or not


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=100))
def test_random_udp_payloads_to_the_pana_port_never_crash_the_meter(payload: bytes) -> None:
    bench = _bench()
    meter = bench.route.meters["SM-1"].config
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(TERMINAL),
        dst=sixlowpan.mac_to_link_local(meter.address),
        src_port=pana.PANA_PORT,
        dst_port=pana.PANA_PORT,
        payload=payload,
    )
    udp = sixlowpan.encode_udp(datagram, src_mac=TERMINAL, dst_mac=meter.address)
    _inject(bench, wpan.encode(_data_to_meter(bench, udp)))
    bench.clock.wait(1)
    sequence_text(bench)
