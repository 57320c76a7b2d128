"""Each monitor against observations built frame by frame with the codecs: what it must let
pass, and the violation it must name (frame number, counter, port, time)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from conformance.ics import load_declaration
from conformance.observe.air import AirLog
from conformance.observe.hes_events import EventReported, HesEventLog, UploadReceived, Value
from conformance.observe.monitors import MONITORS, Watched, judge_all, monitor
from conformance.observe.route_events import (
    DatagramReceived,
    RouteEventLog,
    SessionEnded,
    TerminalAuthenticated,
)
from conformance.protocols import dlms, pana, sixlowpan, wpan
from conformance.sim.radio import AirRecord
from conformance.sim.timebase import sm_datetime, sm_posix

DECLARATION = load_declaration()
TERMINAL = DECLARATION.identity.eui64
METER = bytes.fromhex("0212340000000001")
KEY, NEW_KEY, STRANGE_KEY = bytes(range(16)), bytes(range(16, 32)), bytes(16)
DLMS = dlms.wrap(dlms.encode(dlms.DataNotification(invoke_id=1, date_time=None, body=dlms.long_unsigned(5))))
PCI = pana.encode(pana.PanaMessage(message_type=pana.MessageType.PCI, session_id=0, sequence_number=0))


def udp(src_port: int = 4059, dst_port: int = 4059, payload: bytes = DLMS, **kwargs) -> bytes:
    src, dst = kwargs.pop("src", TERMINAL), kwargs.pop("dst", METER)
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(src),
        dst=sixlowpan.mac_to_link_local(dst),
        src_port=src_port,
        dst_port=dst_port,
        payload=payload,
    )
    return frame(sixlowpan.encode_udp(datagram, src_mac=src, dst_mac=dst), src=src, dst=dst, **kwargs)


def frame(
    payload: bytes, *, counter: int | None = None, key: bytes = KEY, seq: int = 1, src=TERMINAL, dst=METER
):
    built = wpan.data_frame(
        sequence_number=seq, pan_id=0x1000, src_addr=src, dst_addr=dst, payload=payload, ack_request=True
    )
    if counter is None:
        return wpan.encode(built)
    # Key-ID mode 1: a new key comes with a new index (the meters alternate 1 and 2).
    header = wpan.AuxSecurityHeader(frame_counter=counter, key_index=2 if key == NEW_KEY else 1)
    return wpan.secure(dataclasses.replace(built, security=header), key)


class FakeHeadEnd:
    def __init__(self, now: float) -> None:
        self.events = HesEventLog()
        self._now = now

    def sm_time(self) -> datetime:
        return sm_datetime(self._now)


def watched(
    frames: list[tuple[float, bytes]] = (),
    *,
    events=(),
    keys=(KEY,),
    now: float = 1000.0,
    hes: FakeHeadEnd | None = None,
    sniffer: bool = True,
) -> Watched:
    log = RouteEventLog()
    for event in events:
        log.append(event)
    air = None
    if sniffer:
        air = AirLog(lambda: keys)
        for time, raw in frames:
            air.record(AirRecord(time=time, channel=33, rssi_dbm=-60.0, frame=raw))
    return Watched(
        profile="twin" if sniffer else "hil",
        terminal=TERMINAL,
        declaration=DECLARATION,
        now=now,
        events=log,
        air=air,
        hes=hes,
        keys=tuple(keys) if sniffer else (),
    )


def joined(at: float) -> TerminalAuthenticated:
    return TerminalAuthenticated(time=at, meter="SM-1", terminal=TERMINAL, terminal_id="T")


def judged(monitor_id: str, w: Watched):
    return monitor(monitor_id).judge(w)


def test_seven_monitors_with_their_requirements() -> None:
    assert {(m.id, m.requirement) for m in MONITORS} == {
        ("plaintext", "NAT-3.1-R3"),
        ("frame-counters", "NAT-3.1-R3"),
        ("withdrawn-key", "NAT-3.4-CUT"),
        ("stack", "NAT-2.2"),
        ("ports", "NAT-3.1-T2"),
        ("timestamps", "NAT-2.5-TIME"),
        ("meter-identity", "NAT-3.1-T3"),
    }
    with pytest.raises(KeyError, match="known: plaintext"):
        monitor("no-such-monitor")


def test_a_clean_session_passes_every_monitor() -> None:
    frames = [(1.0, udp(716, 716, PCI)), *((10.0 + n, udp(counter=n, seq=n)) for n in range(5))]
    outcomes = judge_all(watched(frames, events=[joined(5.0)], hes=FakeHeadEnd(1000.0)))
    assert [o.status for o in outcomes] == ["pass"] * len(MONITORS), [o.describe() for o in outcomes]


# -- plaintext (NAT-3.1-R3) -------------------------------------------------------------------


def test_application_data_in_the_clear_after_authentication_is_named_by_its_frame() -> None:
    frames = [(1.0, udp()), (1.5, udp(716, 716, PCI)), (10.0, udp(counter=1)), (11.0, udp(seq=9))]
    outcome = judged("plaintext", watched(frames, events=[joined(5.0)]))
    assert outcome.status == "fail"
    [violation] = outcome.violations  # the one before authentication is THK-13-AUTH's business
    assert violation.time == 11.0 and "frame 4 in the air capture" in violation.what


def test_pana_in_the_clear_after_authentication_is_a_rejoin_not_a_lapse() -> None:
    frames = [(10.0, udp(counter=1)), (20.0, udp(716, 716, PCI, seq=2))]
    assert judged("plaintext", watched(frames, events=[joined(5.0)])).status == "pass"


def test_without_a_sniffer_the_smart_meters_datagrams_are_judged() -> None:
    plain = DatagramReceived(
        time=9.0, meter="SM-1", terminal=TERMINAL, secured=False, src_port=4059, dst_port=4059,
        payload=DLMS, from_authenticated=True,
    )  # fmt: skip
    outcome = judged("plaintext", watched(events=[joined(5.0), plain], sniffer=False))
    assert outcome.status == "fail" and "no sniffer" in outcome.seen


# -- frame counters (NAT-3.1-R3) --------------------------------------------------------------


def test_a_counter_that_goes_back_under_the_same_key_is_nonce_reuse() -> None:
    frames = [(1.0, udp(counter=41)), (2.0, udp(counter=42, seq=2)), (100.0, udp(counter=0, seq=3))]
    outcome = judged("frame-counters", watched(frames))
    assert outcome.status == "fail"
    assert "frame counter 0 goes back from 42" in outcome.violations[0].what
    assert "frame 3 in the air capture" in outcome.violations[0].what


def test_a_repeated_counter_with_other_content_fails_but_a_mac_retransmission_does_not() -> None:
    first = udp(counter=7)
    assert judged("frame-counters", watched([(1.0, first), (1.03, first)])).status == "pass"
    outcome = judged("frame-counters", watched([(1.0, first), (2.0, udp(counter=7, seq=2))]))
    assert outcome.status == "fail" and "repeats 7" in outcome.violations[0].what


def test_a_new_key_may_start_its_own_count() -> None:
    frames = [(1.0, udp(counter=500)), (50.0, udp(counter=0, key=NEW_KEY, seq=2))]
    assert judged("frame-counters", watched(frames, keys=(KEY, NEW_KEY))).status == "pass"


def test_without_a_sniffer_counters_are_not_applicable() -> None:
    outcome = judged("frame-counters", watched(sniffer=False))
    assert outcome.status == "not applicable" and "no sniffer" in outcome.seen


# -- withdrawn key (NAT-3.4-CUT) --------------------------------------------------------------


def test_a_secured_frame_between_the_end_of_a_session_and_the_next_authentication_fails() -> None:
    ended = SessionEnded(time=100.0, meter="SM-1", terminal=TERMINAL, cause="termination cause 1")
    frames = [
        (99.0, udp(counter=1)),
        (101.0, udp(counter=2, seq=2)),  # within the grace: queued before the cut
        (130.0, udp(716, 716, PCI, counter=3, seq=3)),  # the rejoin under the withdrawn key
        (200.0, udp(counter=4, seq=4)),  # authenticated again
    ]
    outcome = judged("withdrawn-key", watched(frames, events=[joined(1.0), ended, joined(150.0)]))
    assert outcome.status == "fail"
    [violation] = outcome.violations
    assert violation.time == 130.0 and "30.0 s after its session ended" in violation.what


def test_a_replaced_group_key_is_withdrawn_after_the_meters_grace() -> None:
    meter_old = udp(counter=10, src=METER, dst=TERMINAL)
    meter_new = udp(counter=11, key=NEW_KEY, src=METER, dst=TERMINAL, seq=2)
    frames = [
        (1.0, meter_old),
        (2.0, udp(counter=1)),
        (100.0, meter_new),  # the meter switched at t=100: the old key goes at t=130
        (110.0, udp(counter=2, seq=2)),  # still accepted
        (140.0, udp(counter=3, seq=3)),  # withdrawn
        (141.0, udp(counter=4, key=NEW_KEY, seq=4)),
    ]
    outcome = judged("withdrawn-key", watched(frames, events=[joined(0.5)], keys=(KEY, NEW_KEY)))
    assert [v.time for v in outcome.violations] == [140.0]
    assert "retired at t=130.000 s" in outcome.violations[0].what


# -- the NAT-2.2 stack ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (udp(counter=1, key=STRANGE_KEY), "no key the smart meters issued"),
        (frame(b"\x00\x01\x02", counter=1), "6LoWPAN/IPv6"),
        (udp(payload=DLMS[8:], counter=1), "DLMS/COSEM"),
        (udp(716, 716, b"\x00\x00\x00", counter=1), "PANA"),
        (udp(5683, 5683, b"coap", counter=1), "neither PANA nor DLMS/COSEM"),
    ],
)
def test_the_first_layer_that_does_not_decode_is_named(raw: bytes, named: str) -> None:
    outcome = judged("stack", watched([(3.0, raw)]))
    assert outcome.status == "fail"
    assert named in outcome.violations[0].what and "frame 1" in outcome.violations[0].what


def test_frames_of_others_and_frames_that_name_no_one_are_not_the_terminals() -> None:
    """A frame cut inside its MAC header names no sender: the air cannot blame anyone."""
    forged = udp(5683, 5683, b"x", src=bytes.fromhex("02123400000000FD"))
    assert judged("stack", watched([(3.0, forged), (4.0, b"\x41\x88")])).status == "pass"


# -- ports (NAT-3.1-T2) -----------------------------------------------------------------------


def test_a_datagram_from_an_undeclared_port_is_named() -> None:
    frames = [(1.0, udp(counter=1)), (2.0, udp(4060, 4059, counter=2, seq=2))]
    outcome = judged("ports", watched(frames))
    assert [v.time for v in outcome.violations] == [2.0]
    assert "UDP 4060, not declared (716, 4059)" in outcome.violations[0].what


# -- timestamps (NAT-2.5-TIME) ----------------------------------------------------------------


def _upload(at: float, capture_at: float, stamped_at: float) -> UploadReceived:
    return UploadReceived(
        time=at, terminal_id="T", meter_id="M", scaler=0, unit=30,
        values=(Value(capture_time=int(sm_posix(capture_at)), import_wh=1, export_wh=0),),
        terminal_time=sm_datetime(stamped_at), new=1,
    )  # fmt: skip


def test_stamps_ahead_of_the_sm_clock_by_more_than_a_minute_fail() -> None:
    hes = FakeHeadEnd(now=10_000.0)
    hes.events.append(_upload(1800.0, capture_at=1800.0, stamped_at=1830.0))  # 30 s fast: allowed
    hes.events.append(_upload(3600.0, capture_at=5400.0, stamped_at=3600.0))  # a value from the future
    hes.events.append(_upload(7200.0, capture_at=7200.0, stamped_at=9000.0))  # an upload dated ahead
    hes.events.append(
        EventReported(
            time=8000.0,
            terminal_id="T",
            event_kind="dos-detected",
            code=1,
            detail="",
            terminal_time=sm_datetime(8000.0) + timedelta(hours=9),
        )
    )
    outcome = judged("timestamps", watched(hes=hes, now=10_000.0))
    assert [round(v.time) for v in outcome.violations] == [3600, 7200, 8000]
    assert "1800 s before" in outcome.violations[0].what
    assert "dos-detected" in outcome.violations[2].what


def test_a_value_the_hes_refused_as_dated_ahead_is_still_a_stamp_ahead() -> None:
    """The HES keeps no value dated a year ahead (outside its plausibility window), yet it
    was the terminal's output: the monitor judges it, so the fault is NAT-2.5-TIME's."""
    hes = FakeHeadEnd(now=10_000.0)
    ahead = Value(capture_time=int(sm_posix(1800.0)) + 365 * 86400, import_wh=1, export_wh=0)
    upload = dataclasses.replace(
        _upload(1800.0, capture_at=1800.0, stamped_at=1800.0), values=(), refused=(ahead,)
    )
    hes.events.append(upload)
    outcome = judged("timestamps", watched(hes=hes, now=10_000.0))
    assert [round(v.time) for v in outcome.violations] == [1800]
    assert f"{365 * 86400} s before" in outcome.violations[0].what


def test_without_a_hes_the_timestamps_are_not_applicable() -> None:
    assert judged("timestamps", watched()).status == "not applicable"


def test_a_key_index_used_again_for_a_third_key_names_the_third_key() -> None:
    """The meters alternate key indices 1 and 2: after two updates index 1 names a new key."""
    third = bytes(range(32, 48))
    frames = [
        (1.0, udp(counter=10, src=METER, dst=TERMINAL)),
        (2.0, udp(counter=1)),
        (100.0, udp(counter=11, key=NEW_KEY, src=METER, dst=TERMINAL, seq=2)),
        (101.0, udp(counter=2, key=NEW_KEY, seq=2)),
        (200.0, udp(counter=12, key=third, src=METER, dst=TERMINAL, seq=3)),  # index 1 again
        (260.0, udp(counter=3, key=third, seq=3)),  # the current key: fine
        (261.0, udp(counter=4, seq=4)),  # the first key, retired at t=130
    ]
    outcome = judged("withdrawn-key", watched(frames, events=[joined(0.5)], keys=(KEY, NEW_KEY, third)))
    assert [v.time for v in outcome.violations] == [261.0]
    assert judged("frame-counters", watched(frames, keys=(KEY, NEW_KEY, third))).status == "pass"


# -- meter identity (NAT-3.1-T3) ---------------------------------------------------------------


def test_an_upload_that_names_no_meter_is_named_with_its_values() -> None:
    hes = FakeHeadEnd(now=10_000.0)
    hes.events.append(_upload(1800.0, capture_at=1800.0, stamped_at=1800.0))
    hes.events.append(dataclasses.replace(_upload(3600.0, capture_at=3600.0, stamped_at=3600.0), meter_id=""))
    outcome = judged("meter-identity", watched(hes=hes, now=10_000.0))
    assert [round(v.time) for v in outcome.violations] == [3600]
    assert "1 values with an empty metering device ID (0xD1)" in outcome.violations[0].what
    assert outcome.seen == "2 uploads at the HES"


def test_without_a_hes_the_meter_identity_is_not_applicable() -> None:
    assert judged("meter-identity", watched()).status == "not applicable"
