"""The SKSTACK-IP codec: golden command and event lines, exact inverses, and fuzzing.

Sources of the golden lines (each row names its own):
* [A1] ROHM BP35A1 command reference (SE edition 1.3.0), the section given;
* [smdn] sample module output in smdn/Smdn.Net.SkStackIP's tests (tests/Smdn.Net.SkStackIP/...,
  file named in the row), the library's record of what BP35A1 firmware 1.2.10 prints;
* [momonga] the BP35C2 command and reply layouts nbtk/momonga builds and parses
  (momonga/momonga_sk_wrapper.py, momonga/momonga_response.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.protocols import skstack as sk
from conformance.protocols.errors import BenchUsageError, ProtocolError

ADDR = sk.parse_ipaddr("FE80:0000:0000:0000:021D:1290:1234:5678")
ADDR_79 = sk.parse_ipaddr("FE80:0000:0000:0000:021D:1290:1234:5679")
ADDR_C890 = sk.parse_ipaddr("FE80:0000:0000:0000:021D:1290:0003:C890")
MAC_79 = bytes.fromhex("001D129012345679")

# -- commands the host writes -------------------------------------------------------------

COMMANDS = [
    pytest.param(sk.sksreg("S02", 0x21), b"SKSREG S02 21\r\n", id="SKSREG S02 [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.sksreg("S2", 33), b"SKSREG S02 21\r\n", id="register S2 is S02 [A1 3.1]"),
    pytest.param(sk.sksreg("S03", 0x8888), b"SKSREG S03 8888\r\n", id="SKSREG S03 [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.sksreg("S16", 0x384), b"SKSREG S16 384\r\n", id="SKSREG S16 [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.sksreg("S15", True), b"SKSREG S15 1\r\n", id="SKSREG S15 [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.sksreg("S0A", "CCDDEEFF"), b"SKSREG S0A CCDDEEFF\r\n", id="SKSREG S0A [smdn]"),
    pytest.param(sk.sksreg("SFE", False), b"SKSREG SFE 0\r\n", id="echo off [A1 3.1 SFE]"),
    pytest.param(sk.sksreg("S02"), b"SKSREG S02\r\n", id="read S02 [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.sksreg("SFD"), b"SKSREG SFD\r\n", id="read SFD [smdn 3.1.SKSREG.cs]"),
    pytest.param(sk.skinfo(), b"SKINFO\r\n", id="SKINFO [smdn 3.2.SKINFO.cs]"),
    pytest.param(sk.skver(), b"SKVER\r\n", id="SKVER [A1 3.23]"),
    pytest.param(sk.skstart(), b"SKSTART\r\n", id="SKSTART [A1 3.3]"),
    pytest.param(sk.skterm(), b"SKTERM\r\n", id="SKTERM [A1 3.6]"),
    pytest.param(sk.skreset(), b"SKRESET\r\n", id="SKRESET [A1 3.25]"),
    pytest.param(
        sk.skll64(bytes.fromhex("001D129012345678")),
        b"SKLL64 001D129012345678\r\n",
        id="SKLL64 [smdn 3.29.SKLL64.cs]",
    ),
    pytest.param(sk.sksetpwd("0123456789AB"), b"SKSETPWD C 0123456789AB\r\n", id="SKSETPWD [momonga]"),
    pytest.param(
        sk.sksetrbid("00112233445566778899AABBCCDDEEFF"),
        b"SKSETRBID 00112233445566778899AABBCCDDEEFF\r\n",
        id="SKSETRBID [momonga]",
    ),
    pytest.param(sk.skscan(2, 0xFFFFFFFF, 2), b"SKSCAN 2 FFFFFFFF 2\r\n", id="SKSCAN active [smdn 3.9]"),
    pytest.param(
        sk.skscan(2, 0xFFFFFFFF, 6, side=0), b"SKSCAN 2 FFFFFFFF 6 0\r\n", id="SKSCAN BP35C2 [momonga]"
    ),
    pytest.param(
        sk.skjoin(ADDR), b"SKJOIN FE80:0000:0000:0000:021D:1290:1234:5678\r\n", id="SKJOIN [A1 3.4]"
    ),
    pytest.param(sk.skudpport(3, 4059), b"SKUDPPORT 3 0FDB\r\n", id="SKUDPPORT [A1 3.19]"),
    pytest.param(
        sk.sksendto(1, ADDR, 0x0E1A, False, b"01234"),
        b"SKSENDTO 1 FE80:0000:0000:0000:021D:1290:1234:5678 0E1A 0 0005 01234",
        id="SKSENDTO, no CRLF after the data [smdn 3.7.SKSENDTO.cs]",
    ),
    pytest.param(
        sk.sksendto(1, ADDR, 0x0E1A, True, b"\r\n", side=0),
        b"SKSENDTO 1 FE80:0000:0000:0000:021D:1290:1234:5678 0E1A 1 0 0002 \r\n",
        id="SKSENDTO secured with SIDE [momonga BP35C2]",
    ),
    pytest.param(sk.ropt(), b"ROPT\r", id="ROPT, bare CR [momonga]"),
    pytest.param(sk.wopt(True), b"WOPT 01\r", id="WOPT 01 [momonga]"),
]


@pytest.mark.parametrize(("encoded", "expected"), COMMANDS)
def test_command_bytes(encoded: bytes, expected: bytes) -> None:
    assert encoded == expected


@pytest.mark.parametrize(("encoded", "expected"), COMMANDS)
def test_the_module_reads_each_command_back(encoded: bytes, expected: bytes) -> None:
    reader = sk.CommandReader()
    reader.feed(encoded)
    command = reader.next_command()
    assert command is not None
    assert sk.encode_command(command).rstrip(b"\r\n") == encoded.rstrip(b"\r\n")
    assert reader.next_command() is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: sk.sksreg("S07", 1),  # read-only frame counter
        lambda: sk.sksreg("S02", 32),  # below channel 33
        lambda: sk.sksreg("S16", 59),  # shorter than the 60 s minimum
        lambda: sk.sksreg("S0A", "IOT0090"),  # 7 characters
        lambda: sk.sksreg("S99", 1),  # not a register
        lambda: sk.sksetpwd("x" * 33),
        lambda: sk.sksetpwd("with space"),
        lambda: sk.sksetrbid("short"),
        lambda: sk.sksendto(1, ADDR, 3610, False, b""),
        lambda: sk.sksendto(1, ADDR, 3610, False, bytes(sk.MAX_UDP_PAYLOAD + 1)),
        lambda: sk.sksendto(7, ADDR, 3610, False, b"x"),
        lambda: sk.sksendto(1, ADDR, 3610, 1, b"x"),  # secured must be a bool, not the SEC digit
        lambda: sk.skll64(b"\x00" * 6),
    ],
)
def test_the_bench_cannot_write_a_command_the_manual_forbids(call) -> None:
    with pytest.raises(BenchUsageError):
        call()


def test_command_logs_never_show_the_password() -> None:
    reader = sk.CommandReader()
    reader.feed(sk.sksetpwd("7Wq4Kp2Zr9Tx6Lm3"))
    assert "7Wq4Kp2Zr9Tx6Lm3" not in repr(reader.next_command())
    assert "7Wq4Kp2Zr9Tx6Lm3" not in repr(sk.CommandEcho(line="SKSETPWD 10 7Wq4Kp2Zr9Tx6Lm3"))


# -- lines the module prints -----------------------------------------------------------------

EVENTS = [
    pytest.param(b"OK\r\n", sk.Ok(), False, id="OK [A1 ch. 2]"),
    pytest.param(b"OK 01\r\n", sk.Ok(detail="01"), False, id="ROPT answer [momonga]"),
    pytest.param(b"FAIL ER04\r\n", sk.Fail(code="ER04"), False, id="FAIL [A1 ch. 7]"),
    pytest.param(b"SKVER\r\n", sk.CommandEcho(line="SKVER"), False, id="echo [A1 3.1 SFE]"),
    pytest.param(b"EVER 1.2.10\r\n", sk.VersionReply(version="1.2.10"), False, id="EVER [smdn 4.8.EVENT.cs]"),
    pytest.param(b"ESREG 8888\r\n", sk.RegisterValue(value="8888"), False, id="ESREG [smdn 3.1.SKSREG.cs]"),
    pytest.param(
        b"EINFO FE80:0000:0000:0000:021D:1290:1234:5678 001D129012345678 21 8888 FFFE\r\n",
        sk.InfoReply(
            ipaddr=ADDR, addr64=bytes.fromhex("001D129012345678"), channel=0x21, pan_id=0x8888, addr16=0xFFFE
        ),
        False,
        id="EINFO [smdn 3.2.SKINFO.cs]",
    ),
    pytest.param(
        b"FE80:0000:0000:0000:021D:1290:1234:5678\r\n",
        sk.Ipv6Address(address=ADDR),
        False,
        id="SKLL64 answer [smdn 3.29.SKLL64.cs]",
    ),
    pytest.param(
        b"EVENT 21 FE80:0000:0000:0000:021D:1290:1234:5678 00\r\n",
        sk.Event(number=0x21, sender=ADDR, param=0),
        False,
        id="EVENT 21 sent [smdn 3.7.SKSENDTO.cs]",
    ),
    pytest.param(
        b"EVENT 21 FE80:0000:0000:0000:021D:1290:1234:5678 02\r\n",
        sk.Event(number=0x21, sender=ADDR, param=2),
        False,
        id="EVENT 21 neighbour solicitation [smdn 3.7.SKSENDTO.cs]",
    ),
    pytest.param(
        b"EVENT 21 FE80:0000:0000:0000:021D:1290:1234:5678 0 00\r\n",
        sk.Event(number=0x21, sender=ADDR, side=0, param=0),
        False,
        id="EVENT 21 with SIDE [momonga SkSendToResponse]",
    ),
    pytest.param(
        b"EVENT 25 FE80:0000:0000:0000:021D:1290:1234:5678\r\n",
        sk.Event(number=0x25, sender=ADDR),
        False,
        id="EVENT 25 PANA done [smdn 4.8.EVENT.cs]",
    ),
    pytest.param(
        b"EVENT 26 FE80:0000:0000:0000:021D:1290:1234:5678\r\n",
        sk.Event(number=0x26, sender=ADDR),
        False,
        id="EVENT 26 termination requested [smdn 4.8.EVENT.cs]",
    ),
    pytest.param(
        b"EVENT 29 FE80:0000:0000:0000:021D:1290:1234:5678\r\n",
        sk.Event(number=0x29, sender=ADDR),
        False,
        id="EVENT 29 lifetime expired [smdn 4.8.EVENT.cs]",
    ),
    pytest.param(
        b"EVENT 33 FE80:0000:0000:0000:021D:1290:1234:5678\r\n",
        sk.Event(number=0x33, sender=ADDR),
        False,
        id="EVENT 33 TX limit lifted [smdn 4.1.ERXUDP.cs]",
    ),
    pytest.param(
        b"EVENT 22 FE80:0000:0000:0000:021D:1290:0003:C890\r\n",
        sk.Event(number=0x22, sender=ADDR_C890),
        False,
        id="EVENT 22 scan done [smdn 3.9.SKSCAN.cs]",
    ),
    pytest.param(b"EVENT C0\r\n", sk.Event(number=0xC0), False, id="EVENT C0, no sender [smdn EventParser]"),
    pytest.param(
        b"EPANDESC\r\n  Channel:21\r\n  Channel Page:09\r\n  Pan ID:8888\r\n  Addr:12345678ABCDEF01\r\n"
        b"  LQI:E1\r\n  PairID:AABBCCDD\r\n",
        sk.PanDescriptor(
            channel=0x21,
            channel_page=9,
            pan_id=0x8888,
            addr=bytes.fromhex("12345678ABCDEF01"),
            lqi=0xE1,
            pair_id="AABBCCDD",
        ),
        False,
        id="EPANDESC [smdn 3.9.SKSCAN.cs]",
    ),
    pytest.param(
        b"EPANDESC\r\n  Channel:3C\r\n  Channel Page:09\r\n  Pan ID:1234\r\n  Addr:02123400000000C1\r\n"
        b"  LQI:A1\r\n  Side:0\r\n  PairID:IOT00901\r\n",
        sk.PanDescriptor(
            channel=0x3C,
            channel_page=9,
            pan_id=0x1234,
            addr=bytes.fromhex("02123400000000C1"),
            lqi=0xA1,
            side=0,
            pair_id="IOT00901",
        ),
        False,
        id="EPANDESC with Side and an IoT-route Pairing ID [momonga SkScanResponse]",
    ),
    pytest.param(
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0E1A 0E1A 001D129012345679 0 0008 01234567\r\n",
        sk.UdpReceived(
            sender=ADDR_79,
            dest=ADDR,
            rport=3610,
            lport=3610,
            sender_lla=MAC_79,
            secured=False,
            data=b"01234567",
        ),
        False,
        id="ERXUDP binary [smdn 4.1.ERXUDP.cs]",
    ),
    pytest.param(
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0E1A 0E1A 001D129012345679 0 0002 \r\n\r\n",
        sk.UdpReceived(
            sender=ADDR_79, dest=ADDR, rport=3610, lport=3610, sender_lla=MAC_79, secured=False, data=b"\r\n"
        ),
        False,
        id="ERXUDP data that is CRLF [smdn 4.1.ERXUDP.cs]",
    ),
    pytest.param(
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0E1A 0E1A 001D129012345679 0 0008 0123456789ABCDEF\r\n",
        sk.UdpReceived(
            sender=ADDR_79,
            dest=ADDR,
            rport=3610,
            lport=3610,
            sender_lla=MAC_79,
            secured=False,
            data=bytes.fromhex("0123456789ABCDEF"),
        ),
        True,
        id="ERXUDP hex ASCII, WOPT 01 [smdn 4.1.ERXUDP.cs]",
    ),
    pytest.param(
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0FDB 0FDB 001D129012345679 A1 1 0 0003 0D0A00\r\n",
        sk.UdpReceived(
            sender=ADDR_79,
            dest=ADDR,
            rport=4059,
            lport=4059,
            sender_lla=MAC_79,
            secured=True,
            data=b"\r\n\x00",
            rssi=0xA1,
            side=0,
        ),
        True,
        id="ERXUDP BP35C2 layout, secured [momonga SkEventRxUdp field order]",
    ),
]


def _parse_all(data: bytes, *, hex_data: bool) -> list[sk.SkStackEvent]:
    parser = sk.SkStackParser(hex_data=hex_data)
    parser.feed(data)
    return parser.events()


@pytest.mark.parametrize(("line", "event", "hex_data"), EVENTS)
def test_event_lines_decode(line: bytes, event: sk.SkStackEvent, hex_data: bool) -> None:
    assert _parse_all(line, hex_data=hex_data) == [event]


@pytest.mark.parametrize(("line", "event", "hex_data"), EVENTS)
def test_event_lines_encode_to_the_same_octets(line: bytes, event: sk.SkStackEvent, hex_data: bool) -> None:
    assert sk.encode_event(event, hex_data=hex_data) == line


@pytest.mark.parametrize(("line", "event", "hex_data"), EVENTS)
def test_event_lines_decode_one_octet_at_a_time(line: bytes, event: sk.SkStackEvent, hex_data: bool) -> None:
    parser = sk.SkStackParser(hex_data=hex_data)
    got = []
    for octet in line + b"OK\r\n":  # a following line closes an EPANDESC block without PairID
        parser.feed(bytes([octet]))
        got.extend(parser.events())
    assert got == [event, sk.Ok()]


def test_a_join_as_the_module_prints_it() -> None:
    """A PAA-side sequence: echo, status, PANA datagrams, the join, a stray EPANDESC without
    PairID closed by the next line."""
    stream = (
        b"SKSTART\r\nOK\r\n"
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"02CC 02CC 001D129012345679 0 0004 \x00\r\n\x10\r\n"
        b"EVENT 25 FE80:0000:0000:0000:021D:1290:1234:5679\r\n"
        b"EPANDESC\r\n  Channel:21\r\n  Channel Page:09\r\n  Pan ID:8888\r\n  Addr:12345678ABCDEF01\r\n"
        b"  LQI:E1\r\nEVENT 22 FE80:0000:0000:0000:021D:1290:1234:5678\r\n"
    )
    events = _parse_all(stream, hex_data=False)
    assert [type(e).__name__ for e in events] == [
        "CommandEcho", "Ok", "UdpReceived", "Event", "PanDescriptor", "Event",
    ]  # fmt: skip
    assert events[2].data == b"\x00\r\n\x10"
    assert events[4].pair_id is None


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\xfe\r\n",  # not ASCII
        b"EVENT 2G FE80:0000:0000:0000:021D:1290:1234:5678\r\n",  # NUM not hex
        b"EVENT 25 FE80::1\r\n",  # compressed address: not the manual's IPADDR
        b"EVENT 25 FE80:0000:0000:0000:021D:1290:1234:5678 7\r\n",  # SIDE is 0 or 1
        b"FAIL\r\n",  # no code
        b"FAIL ER4\r\n",
        b"EINFO FE80:0000:0000:0000:021D:1290:1234:5678 001D129012345678 21 8888\r\n",  # no ADDR16
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0E1A 0E1A 001D129012345679 0 0002 ABC\r\n",  # data longer than DATALEN
        b"ERXUDP FE80:0000:0000:0000:021D:1290:1234:5679 FE80:0000:0000:0000:021D:1290:1234:5678 "
        b"0E1A 0E1A 001D129012345679 0 FFFF x\r\n",  # DATALEN beyond any UDP payload
        b"EPANDESC\r\n  Channel:21\r\n  LQI:E1\r\nOK\r\n",  # fields missing
        b"hello world\r\n",
        b"X" * (sk.MAX_LINE + 10),  # no CRLF at all
    ],
)
def test_garbage_is_a_protocol_error_and_the_next_line_still_parses(garbage: bytes) -> None:
    parser = sk.SkStackParser()
    parser.feed(garbage + b"\r\nEVENT 25 FE80:0000:0000:0000:021D:1290:1234:5678\r\n")
    errors, events = [], []
    for _ in range(10):
        try:
            event = parser.next_event()
        except sk.SkStackError as exc:
            assert isinstance(exc, ProtocolError)
            assert exc.line  # the offending line travels with the error
            errors.append(exc)
            continue
        if event is None:
            break
        events.append(event)
    assert errors
    assert events[-1] == sk.Event(number=0x25, sender=ADDR)


def test_register_values_are_typed_as_the_register_is() -> None:
    assert sk.register_value("S02", sk.RegisterValue(value="21")) == 33
    assert sk.register_value("SFB", sk.RegisterValue(value="1")) is True
    assert sk.register_value("S0A", sk.RegisterValue(value="IOT00901")) == "IOT00901"
    assert sk.register_value("SFD", sk.RegisterValue(value="FFFFFFFFFFFFFFFF")) == 2**64 - 1
    with pytest.raises(sk.SkStackError):
        sk.register_value("S02", sk.RegisterValue(value="3D"))  # channel 61


# -- properties ---------------------------------------------------------------------------------

addresses = st.binary(min_size=16, max_size=16)
macs = st.binary(min_size=8, max_size=8)
ports = st.integers(0, 0xFFFF)


@st.composite
def udp_received(draw) -> sk.UdpReceived:
    c0 = draw(st.booleans())
    return sk.UdpReceived(
        sender=draw(addresses),
        dest=draw(addresses),
        rport=draw(ports),
        lport=draw(ports),
        sender_lla=draw(macs),
        secured=draw(st.booleans()),
        data=draw(st.binary(max_size=sk.MAX_UDP_PAYLOAD)),
        rssi=draw(st.integers(0, 255)) if draw(st.booleans()) else None,
        side=draw(st.integers(0, 1)) if c0 else None,
    )


events = st.one_of(
    udp_received(),
    st.builds(
        sk.Event,
        number=st.sampled_from([0x20, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29]),
        sender=addresses,
        side=st.sampled_from([None, 0, 1]),
    ),
    st.builds(
        sk.Event,
        number=st.just(0x21),
        sender=addresses,
        param=st.integers(0, 2),
        side=st.sampled_from([None, 0, 1]),
    ),
    st.builds(sk.Ok),
    st.builds(sk.Fail, code=st.sampled_from(["ER04", "ER05", "ER06", "ER09", "ER10"])),
    st.builds(
        sk.PanDescriptor,
        channel=st.integers(0x21, 0x3C),
        channel_page=st.just(9),
        pan_id=ports,
        addr=macs,
        lqi=st.integers(0, 255),
        side=st.sampled_from([None, 0, 1]),
        pair_id=st.sampled_from([None, "IOT00901", "AABBCCDD"]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(events, max_size=6), st.booleans(), st.integers(1, 64))
def test_any_event_stream_decodes_to_itself_in_any_chunking(stream, hex_data, chunk) -> None:
    octets = b"".join(sk.encode_event(e, hex_data=hex_data) for e in stream) + b"OK\r\n"
    parser = sk.SkStackParser(hex_data=hex_data)
    got = []
    for i in range(0, len(octets), chunk):
        parser.feed(octets[i : i + chunk])
        got.extend(parser.events())
    assert got == [*stream, sk.Ok()]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.booleans())
def test_random_bytes_give_protocol_errors_and_nothing_else(garbage: bytes, hex_data: bool) -> None:
    parser = sk.SkStackParser(hex_data=hex_data)
    parser.feed(garbage + b"\r\n")
    for _ in range(len(garbage) + 10):
        try:
            if parser.next_event() is None:
                break
        except sk.SkStackError:
            continue
    else:
        pytest.fail("the parser did not come to rest")


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=300).map(lambda b: b.replace(b"\r\n", b"\n")),
    st.sampled_from([b"", b"ERXUDP ", b"EPANDESC\r\n  ", b"EVENT 21 "]),
)
def test_garbage_after_any_prefix_is_contained(garbage: bytes, prefix: bytes) -> None:
    """A truncated or corrupted line costs an error; an intact line after it still parses."""
    parser = sk.SkStackParser()
    parser.feed(prefix + garbage + b"\r\nOK\r\nOK\r\n")
    got = []
    for _ in range(len(garbage) + 20):
        try:
            event = parser.next_event()
        except sk.SkStackError:
            continue
        if event is None:
            break
        got.append(event)
    assert got[-1:] == [sk.Ok()]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_command_bytes_give_protocol_errors_and_nothing_else(garbage: bytes) -> None:
    reader = sk.CommandReader()
    reader.feed(garbage + b"\r\n")
    for _ in range(len(garbage) + 10):
        try:
            if reader.next_command() is None:
                break
        except sk.SkStackError:
            continue
    else:
        pytest.fail("the command reader did not come to rest")


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), addresses, ports, st.booleans(), st.binary(min_size=1, max_size=sk.MAX_UDP_PAYLOAD),
       st.sampled_from([None, 0, 1]))  # fmt: skip
def test_sksendto_is_framed_by_datalen(handle, addr, port, secured, data, side) -> None:
    reader = sk.CommandReader()
    reader.feed(sk.sksendto(handle, addr, port, secured, data, side=side) + sk.skver())
    command = reader.next_command()
    assert command is not None and command.name == "SKSENDTO" and command.data == data
    assert command.args[3] == ("1" if secured else "0")
    assert reader.next_command() == sk.Command(name="SKVER")
