"""IEEE 802.15.4 frame codec: golden vectors both ways, Table 7-2, malformed octets, misuse, properties."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import wpan
from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError
from conformance.protocols.wpan import (
    AuxSecurityHeader,
    Frame,
    FrameType,
    HeaderIE,
    PayloadIE,
    compute_fcs,
    decode,
    encode,
    secure,
    unsecure,
)
from tests.protocols.wpan.support import (
    KEY,
    METER,
    PLAINTEXT_VECTORS,
    TABLE_7_2,
    TERMINAL,
    _cases,
    _everything,
    _flips,
    _secured_data,
    frames,
)


@pytest.mark.parametrize(("frame", "octets"), _cases(PLAINTEXT_VECTORS))
def test_plaintext_vectors_encode(frame: Frame, octets: bytes) -> None:
    assert encode(frame) == octets


@pytest.mark.parametrize(("frame", "octets"), _cases(PLAINTEXT_VECTORS))
def test_plaintext_vectors_decode(frame: Frame, octets: bytes) -> None:
    assert decode(octets) == frame


def test_fcs_is_the_kermit_crc() -> None:
    # CRC-16/KERMIT is the 802.15.4 FCS; its catalogue check value for "123456789" is 0x2189.
    assert compute_fcs(b"123456789") == bytes.fromhex("8921")


def _fcs_by_shift_register(octets: bytes) -> bytes:
    """7.2.10 written out: each bit, LSB first, into a 16-bit register of zeros."""
    register = 0  # r0 .. r15 as bits 0 .. 15
    for octet in octets:
        for bit in range(8):
            feedback = (octet >> bit ^ register) & 1
            register >>= 1
            if feedback:
                register ^= 0x8408  # x^16 + x^12 + x^5 + 1, taps seen from the LSB end
    return register.to_bytes(2, "little")  # r0 is sent first


@given(st.binary(max_size=300))
def test_fcs_is_the_shift_register_of_7_2_10(octets: bytes) -> None:
    # An oracle the CRC library did not write: the bitwise definition of the standard.
    assert compute_fcs(octets) == _fcs_by_shift_register(octets)
    assert compute_fcs(bytearray(octets)) == compute_fcs(memoryview(octets)) == compute_fcs(tuple(octets))


@pytest.mark.parametrize(("dst", "src", "dst_pan", "src_pan", "compression"), TABLE_7_2)
def test_table_7_2_pan_id_compression(dst, src, dst_pan, src_pan, compression) -> None:
    frame = Frame(
        frame_type=FrameType.DATA,
        dst_pan=0x1234 if dst_pan else None,
        dst_addr=dst,
        src_pan=0x5678 if src_pan else None,
        src_addr=src,
    )
    octets = encode(frame)
    assert octets[0] >> 6 & 1 == compression
    assert decode(octets) == frame


@pytest.mark.parametrize(
    ("dst", "src", "dst_pan", "src_pan"),
    [(METER, TERMINAL, True, True), (None, None, False, True), (0x0001, None, True, True)],
)
def test_combinations_outside_table_7_2_are_refused(dst, src, dst_pan, src_pan) -> None:
    with pytest.raises(BenchUsageError, match="Table 7-2"):
        Frame(
            frame_type=FrameType.DATA,
            dst_pan=1 if dst_pan else None,
            dst_addr=dst,
            src_pan=2 if src_pan else None,
            src_addr=src,
        )


def test_2006_rule_compresses_only_with_both_addresses() -> None:
    with pytest.raises(BenchUsageError):
        Frame(
            frame_type=FrameType.DATA, frame_version=1, dst_pan=None, dst_addr=None, src_pan=None, src_addr=2
        )
    body = bytes.fromhex("41 80 01 02 00 34 12".replace(" ", ""))  # compression, src only
    with pytest.raises(DecodeError, match="PAN ID compression"):
        decode(body + compute_fcs(body))


def test_reserved_frame_control_bit_is_ignored_on_reception() -> None:
    body = bytearray(encode(wpan.ack(sequence_number=1))[:-2])
    body[0] |= 0x80
    assert decode(bytes(body) + compute_fcs(bytes(body))) == wpan.ack(sequence_number=1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("02", "shorter"),
        ("07 20 01", "frame type"),
        ("01 34 01", "frame version"),
        ("01 04 01", "addressing mode"),
        ("01 ec 01 34 12", "destination address"),
        ("09 00 01", "2003 security"),
        ("09 a0 01 0000 0000 05 000000", "frame counter"),  # v2, src PAN + short src
        ("09 a0 01 0000 0000 00 00000000", "security level is 0"),
        ("09 a0 01 0000 0000 0d 00000000 00", "key index 0x00"),
        ("09 a0 01 0000 0000 25 00000000", "frame counter suppression"),
        ("09 a0 01 0000 0000 45 00000000", "ASN"),
        ("01 22 01 00 00 05 80", "Payload IE descriptor"),
        ("01 22 01 00 00 05 00 61", "Header IE 0x00"),
        ("01 22 01 00 00 00 3f 05 00", "Header IE descriptor"),
        ("03 20 01", "Command ID"),
    ],
)
def test_malformed_frames_are_decode_errors(body: str, message: str) -> None:
    octets = bytes.fromhex(body.replace(" ", ""))
    if message != "shorter":
        octets += compute_fcs(octets)
    with pytest.raises(DecodeError, match=message):
        decode(octets)


def test_bad_fcs_is_a_decode_error() -> None:
    octets = bytearray(encode(wpan.ack(sequence_number=1)))
    octets[-1] ^= 0xFF
    with pytest.raises(DecodeError, match="FCS"):
        decode(bytes(octets))


# --------------------------------------------------------------------------- bench misuse


@pytest.mark.parametrize(
    "changes",
    [
        {"sequence_number": 256},
        {"sequence_number": None, "frame_version": 1, "dst_pan": 1, "src_pan": None},
        {"dst_addr": b"\x01" * 7},
        {"dst_addr": True},
        {"frame_version": 3},
        {"frame_version": 1, "payload_ies": (PayloadIE(group_id=1),), "dst_pan": 1},
        {"command_id": 7},
        {"frame_type": 5},
        {"payload": "text"},
    ],
)
def test_bad_frames_are_bench_usage_errors(changes: dict[str, object]) -> None:
    base = wpan.data_frame(sequence_number=1, pan_id=1, src_addr=TERMINAL, dst_addr=2, payload=b"")
    with pytest.raises(BenchUsageError):
        dataclasses.replace(base, **changes)


def test_a_mac_command_needs_a_command_id_unless_still_encrypted() -> None:
    with pytest.raises(BenchUsageError):
        Frame(frame_type=FrameType.MAC_COMMAND, dst_pan=1, dst_addr=2, src_pan=None, src_addr=TERMINAL)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frame_counter": -1, "key_index": 1},
        {"frame_counter": 1, "key_index": 0},
        {"frame_counter": 1, "key_index": None},
        {"frame_counter": 1, "key_index": 1, "key_id_mode": 0},
        {"frame_counter": 1, "key_index": 1, "security_level": 0},
        {"frame_counter": 1, "key_index": 1, "key_id_mode": 2},
    ],
)
def test_bad_aux_security_headers_are_bench_usage_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(BenchUsageError):
        AuxSecurityHeader(**kwargs)  # type: ignore[arg-type]


def test_key_source_modes_round_trip() -> None:
    for mode, source in ((2, b"\x01\x02\x03\x04"), (3, bytes(range(8)))):
        security = AuxSecurityHeader(key_id_mode=mode, frame_counter=1, key_index=9, key_source=source)
        frame = _secured_data(security=security)
        assert unsecure(secure(frame, KEY), KEY) == frame


def test_encode_refuses_security_and_secure_needs_it() -> None:
    with pytest.raises(BenchUsageError, match="secure"):
        encode(_secured_data())
    with pytest.raises(BenchUsageError):
        secure(dataclasses.replace(_secured_data(), security=None), KEY)
    with pytest.raises(BenchUsageError, match="extended source"):
        secure(dataclasses.replace(_secured_data(), src_addr=5, dst_addr=6), KEY)
    with pytest.raises(BenchUsageError, match="16-octet"):
        secure(_secured_data(), KEY[:8])


@given(frames())
def test_decode_inverts_encode(frame: Frame) -> None:
    assert decode(encode(frame)) == frame


@given(st.binary(max_size=160))
def test_random_octets_decode_or_raise_decode_error(data: bytes) -> None:
    for octets in (data, data + compute_fcs(data)):  # the second gets past the FCS check
        with contextlib.suppress(DecodeError):
            decode(octets)
        with contextlib.suppress(DecodeError, IntegrityError):
            unsecure(octets, KEY)


@given(frames() | frames(secured=True), _flips, st.integers(0, 8))
def test_mutated_frames_decode_or_raise_protocol_errors(
    frame: Frame, flips: list[tuple[int, int]], cut: int
) -> None:
    body = bytearray((secure(frame, KEY) if frame.security else encode(frame))[:-2])
    for position, value in flips:
        if body:
            body[position % len(body)] = value
    body = body[: len(body) - cut] if cut < len(body) else body
    octets = bytes(body) + compute_fcs(bytes(body))
    with contextlib.suppress(DecodeError):
        decode(octets)
    with contextlib.suppress(DecodeError, IntegrityError):
        unsecure(octets, KEY)


def test_frames_built_from_other_forms_are_normalised() -> None:
    # Frame.__post_init__ writes a field only when it is not yet in its normal form.
    source = b"\x01\x02\x03\x04"
    normal = Frame(
        frame_type=FrameType.DATA,
        dst_pan=0x1234,
        dst_addr=METER,
        src_pan=None,
        src_addr=TERMINAL,
        frame_pending=True,
        ack_request=False,
        security=AuxSecurityHeader(key_id_mode=2, frame_counter=1, key_index=3, key_source=source),
        header_ies=(HeaderIE(element_id=1, content=b"h"),),
        payload_ies=(PayloadIE(group_id=1, content=b"p"),),
        payload=b"abc",
    )
    other = Frame(
        frame_type=1,  # type: ignore[arg-type]
        dst_pan=0x1234,
        dst_addr=bytearray(METER),
        src_pan=None,
        src_addr=memoryview(TERMINAL),  # type: ignore[arg-type]
        frame_pending=1,  # type: ignore[arg-type]
        ack_request=0,  # type: ignore[arg-type]
        security=AuxSecurityHeader(key_id_mode=2, frame_counter=1, key_index=3, key_source=bytearray(source)),
        header_ies=[HeaderIE(element_id=1, content=b"h")],  # type: ignore[arg-type]
        payload_ies=[PayloadIE(group_id=1, content=b"p")],  # type: ignore[arg-type]
        payload=bytearray(b"abc"),
    )
    assert _everything(other) == _everything(normal)
    assert type(other.frame_type) is FrameType
    assert type(other.frame_pending) is bool and type(other.ack_request) is bool
    assert type(other.src_addr) is bytes and type(other.payload) is bytes
    assert type(other.header_ies) is tuple and type(other.security.key_source) is bytes  # type: ignore[union-attr]
    assert secure(other, KEY) == secure(normal, KEY)
    compressed = wpan.data_frame(sequence_number=1, pan_id=1, src_addr=TERMINAL, dst_addr=2, payload=b"")
    assert compressed._pan_id_compression == 1  # Table 7-2: short dst, ext src, one PAN ID
    assert encode(compressed)[0] >> 6 & 1 == 1
