"""EAP packet codec (RFC 3748 section 4): golden vectors both ways, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.errors import BenchUsageError, DecodeError

h = bytes.fromhex

GOLDEN = [
    # Request/Identity with no prompt (RFC 3748 5.1)
    ("0101000501", EapPacket(code=EapCode.REQUEST, identifier=1, type=eap.EAP_TYPE_IDENTITY)),
    (
        "020100090175736572",
        EapPacket(code=EapCode.RESPONSE, identifier=1, type=1, type_data=b"user"),
    ),
    # Legacy Nak proposing EAP-PSK (RFC 3748 5.3.1)
    (
        "02070006032f",
        EapPacket(code=EapCode.RESPONSE, identifier=7, type=eap.EAP_TYPE_NAK, type_data=b"\x2f"),
    ),
    ("03050004", EapPacket(code=EapCode.SUCCESS, identifier=5)),
    ("04ff0004", EapPacket(code=EapCode.FAILURE, identifier=255)),
    (
        "010000072f00ab",
        EapPacket(code=EapCode.REQUEST, identifier=0, type=eap.EAP_TYPE_PSK, type_data=h("00ab")),
    ),
]


@pytest.mark.parametrize(("wire", "packet"), GOLDEN)
def test_encode_golden(wire: str, packet: EapPacket) -> None:
    assert eap.encode(packet) == h(wire)


@pytest.mark.parametrize(("wire", "packet"), GOLDEN)
def test_decode_golden(wire: str, packet: EapPacket) -> None:
    assert eap.decode(h(wire)) == packet


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        ("", "empty"),
        ("010100", "shorter than the header"),
        ("05010004", "unknown code 5"),
        ("00010004", "unknown code 0"),
        ("01010003", "Length below the header"),
        ("0101000601", "Length beyond the bytes"),
        ("0101000401", "Length shorter than the bytes"),
        ("01010004", "Request without Type"),
        ("02010004", "Response without Type"),
        ("0301000500", "Success with data"),
        ("0401000500", "Failure with data"),
    ],
)
def test_decode_rejects_malformed(wire: str, why: str) -> None:
    with pytest.raises(DecodeError):
        eap.decode(h(wire))


def test_padding_beyond_length_is_ignored_only_on_request() -> None:
    # RFC 3748 4.1: octets beyond Length are link-layer padding.
    padded = h("01010005010000")
    assert eap.decode(padded, allow_padding=True) == eap.decode(padded[:5])
    with pytest.raises(DecodeError):
        eap.decode(padded)


def test_integer_code_becomes_eap_code() -> None:
    assert EapPacket(code=3, identifier=1).code is EapCode.SUCCESS  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"code": 9, "identifier": 1},
        {"code": EapCode.REQUEST, "identifier": 256, "type": 1},
        {"code": EapCode.REQUEST, "identifier": -1, "type": 1},
        {"code": EapCode.REQUEST, "identifier": 1},
        {"code": EapCode.RESPONSE, "identifier": 1, "type": 256},
        {"code": EapCode.SUCCESS, "identifier": 1, "type": 1},
        {"code": EapCode.FAILURE, "identifier": 1, "type_data": b"x"},
        {"code": EapCode.REQUEST, "identifier": 1, "type": 1, "type_data": bytes(65531)},
    ],
)
def test_bad_packet_fields_are_bench_misuse(fields: dict[str, object]) -> None:
    with pytest.raises(BenchUsageError):
        EapPacket(**fields)  # type: ignore[arg-type]


packets = st.one_of(
    st.builds(
        EapPacket,
        code=st.sampled_from([EapCode.REQUEST, EapCode.RESPONSE]),
        identifier=st.integers(0, 255),
        type=st.integers(0, 255),
        type_data=st.binary(max_size=300),
    ),
    st.builds(
        EapPacket,
        code=st.sampled_from([EapCode.SUCCESS, EapCode.FAILURE]),
        identifier=st.integers(0, 255),
    ),
)


@given(packets)
def test_decode_inverts_encode(packet: EapPacket) -> None:
    wire = eap.encode(packet)
    assert len(wire) == packet.length
    assert eap.decode(wire) == packet


@given(st.binary(max_size=64))
def test_random_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        packet = eap.decode(data)
    except DecodeError:
        return
    assert eap.encode(packet) == data
