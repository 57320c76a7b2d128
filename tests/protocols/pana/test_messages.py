"""The PANA message codec (RFC 5191 section 6) and the bench's GROUP_KEY AVP."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import pana
from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.pana import Avp, AvpCode, Flag, MessageType, PanaMessage

# --- Golden vectors, written by hand from the RFC 5191 section 6.2/6.3 layout ----------

VECTORS = [
    pytest.param(
        # Reserved, Length 16, Flags 0, Type 1, Session-Id 0, Seq 0 (section 4.1: PCI).
        "0000 0010 0000 0001 00000000 00000000",
        PanaMessage(message_type=MessageType.PCI),
        "PCI",
        id="PCI",
    ),
    pytest.param(
        # PAR(S): R|S = 0xC000; PRF-Algorithm 5 (PRF_HMAC_SHA2_256), Integrity-Algorithm 12.
        "0000 0028 c000 0002 12345678 0a0b0c0d0006 0000 0004 0000 000000050003 0000 0004 0000 0000000c",
        PanaMessage(
            message_type=MessageType.AUTH,
            flags=Flag.REQUEST | Flag.START,
            session_id=0x12345678,
            sequence_number=0x0A0B0C0D,
            avps=(
                Avp(code=AvpCode.PRF_ALGORITHM, value=bytes.fromhex("00000005")),
                Avp(code=AvpCode.INTEGRITY_ALGORITHM, value=bytes.fromhex("0000000c")),
            ),
        ),
        "PAR",
        id="PAR(S) with algorithm AVPs",
    ),
    pytest.param(
        # PAN with a 5-octet EAP-Payload: AVP Length 5 (value only), 3 octets of padding.
        "0000 0020 0000 0002 12345678 0a0b0c0e0002 0000 0005 0000 0201000501 000000",
        PanaMessage(
            message_type=MessageType.AUTH,
            session_id=0x12345678,
            sequence_number=0x0A0B0C0E,
            avps=(Avp(code=AvpCode.EAP_PAYLOAD, value=bytes.fromhex("0201000501")),),
        ),
        "PAN",
        id="PAN with padded EAP-Payload",
    ),
    pytest.param(
        # PNR(A) (R|A = 0x9000) with a vendor AVP: V flag, Vendor-Id 32473, 17 octets + 3 pad.
        "0000 0030 9000 0004 00000001 00000002"
        "0001 8000 0011 0000 00007ed9"
        "07 00112233445566778899aabbccddeeff 000000",
        PanaMessage(
            message_type=MessageType.NOTIFICATION,
            flags=Flag.REQUEST | Flag.REAUTHENTICATION,
            session_id=1,
            sequence_number=2,
            avps=(pana.group_key_avp(7, bytes.fromhex("00112233445566778899aabbccddeeff")),),
        ),
        "PNR",
        id="PNR(A) with vendor AVP",
    ),
    pytest.param(
        # PTR (R = 0x8000) with Termination-Cause LOGOUT (1).
        "0000 001c 8000 0003 00000001 00000003 0009 0000 0004 0000 00000001",
        PanaMessage(
            message_type=MessageType.TERMINATION,
            flags=Flag.REQUEST,
            session_id=1,
            sequence_number=3,
            avps=(Avp.from_unsigned32(AvpCode.TERMINATION_CAUSE, pana.TerminationCause.LOGOUT),),
        ),
        "PTR",
        id="PTR",
    ),
    pytest.param(
        "0000 0010 0000 0004 00000001 00000003",
        PanaMessage(message_type=MessageType.NOTIFICATION, session_id=1, sequence_number=3),
        "PNA",
        id="PNA",
    ),
]


@pytest.mark.parametrize(("wire", "message", "name"), VECTORS)
def test_encode_matches_vector(wire: str, message: PanaMessage, name: str) -> None:
    assert pana.encode(message) == bytes.fromhex(wire)


@pytest.mark.parametrize(("wire", "message", "name"), VECTORS)
def test_decode_matches_vector(wire: str, message: PanaMessage, name: str) -> None:
    decoded = pana.decode(bytes.fromhex(wire))
    assert decoded == message
    assert pana.message_name(decoded) == name


def test_reserved_fields_are_ignored_on_decode() -> None:
    # Section 6.2/6.3: reserved fields MUST be zero and ignored by the receiver.
    wire = bytearray.fromhex("0000 001c 8000 0003 00000001 00000003 0009 0000 0004 0000 00000001")
    wire[0:2] = b"\xff\xff"
    wire[22:24] = b"\xab\xcd"
    assert pana.decode(bytes(wire)).avp(AvpCode.TERMINATION_CAUSE) is not None


MALFORMED = [
    pytest.param("", id="empty"),
    pytest.param("0000 0010 0000 0001 00000000 000000", id="shorter than the header"),
    pytest.param("0000 0011 0000 0001 00000000 00000000", id="Length beyond the data"),
    pytest.param("0000 0010 0000 0001 00000000 00000000 00000000", id="data beyond the Length"),
    pytest.param("0000 0010 0000 0000 00000000 00000000", id="message type 0"),
    pytest.param("0000 0010 0000 0005 00000000 00000000", id="message type 5 (PRY, not supported)"),
    pytest.param("0000 0014 8000 0002 00000001 00000001 00050000", id="truncated AVP header"),
    pytest.param("0000 001c 8000 0002 00000001 00000001 0005 0000 0010 0000 00000000", id="AVP overrun"),
    pytest.param("0000 001d 8000 0002 00000001 00000001 0005 0000 0005 0000 0102030405", id="no padding"),
    pytest.param(
        "0000 0020 8000 0002 00000001 00000001 0005 0000 0005 0000 0102030405 000100", id="non-zero padding"
    ),
    pytest.param(
        "0000 001a 8000 0002 00000001 00000001 0001 8000 0000 0000 0000", id="no room for Vendor-Id"
    ),
]


@pytest.mark.parametrize("wire", MALFORMED)
def test_malformed_messages_raise_decode_error(wire: str) -> None:
    with pytest.raises(DecodeError):
        pana.decode(bytes.fromhex(wire))


def test_message_names() -> None:
    def name(message_type: MessageType, flags: Flag = pana.NO_FLAGS) -> str:
        return pana.message_name(PanaMessage(message_type=message_type, flags=flags))

    assert name(MessageType.PCI) == "PCI"
    assert [name(t, Flag.REQUEST) for t in list(MessageType)[1:]] == ["PAR", "PTR", "PNR"]
    assert [name(t) for t in list(MessageType)[1:]] == ["PAN", "PTA", "PNA"]


def test_accessors() -> None:
    msg = PanaMessage(
        message_type=MessageType.AUTH,
        flags=Flag.REQUEST,
        avps=(
            Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, 5),
            Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, 2),
            pana.group_key_avp(1, bytes(16)),
        ),
    )
    assert msg.is_request
    assert msg.avp(AvpCode.PRF_ALGORITHM) == Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, 5)
    assert [a.unsigned32() for a in msg.all_avps(AvpCode.PRF_ALGORITHM)] == [5, 2]
    assert msg.avp(pana.BenchAvpCode.GROUP_KEY) is None  # vendor AVPs need their vendor id
    assert msg.avp(pana.BenchAvpCode.GROUP_KEY, pana.BENCH_VENDOR_ID) is not None
    with pytest.raises(DecodeError):
        Avp(code=AvpCode.KEY_ID, value=b"\x00\x01").unsigned32()


@pytest.mark.parametrize(
    "build",
    [
        lambda: Avp(code=0x10000),
        lambda: Avp(code=1, vendor_id=-1),
        lambda: Avp(code=1, value=bytes(0x10000)),
        lambda: Avp.from_unsigned32(1, 1 << 32),
        lambda: PanaMessage(message_type=9),
        lambda: PanaMessage(message_type=MessageType.AUTH, session_id=1 << 32),
        lambda: PanaMessage(message_type=MessageType.AUTH, sequence_number=-1),
        lambda: PanaMessage(message_type=MessageType.AUTH, avps=(b"not an avp",)),
        lambda: PanaMessage(message_type=MessageType.AUTH, avps=(Avp(code=2, value=bytes(0xFFF0)),) * 2),
        lambda: pana.group_key_avp(256, bytes(16)),
        lambda: pana.group_key_avp(0, bytes(15)),
    ],
)
def test_invalid_construction_is_a_bench_error(build) -> None:
    with pytest.raises(BenchUsageError):
        build()


@pytest.mark.parametrize(
    "avp",
    [
        Avp(code=pana.BenchAvpCode.GROUP_KEY, value=bytes(17)),  # no vendor id
        Avp(code=pana.BenchAvpCode.GROUP_KEY, value=bytes(16), vendor_id=pana.BENCH_VENDOR_ID),
        Avp(code=2, value=bytes(17), vendor_id=pana.BENCH_VENDOR_ID),
    ],
)
def test_parse_group_key_refuses_malformed_avps(avp: Avp) -> None:
    with pytest.raises(DecodeError):
        pana.parse_group_key(avp)


# --- Properties ---------------------------------------------------------------------------

avps = st.builds(
    Avp,
    code=st.integers(0, 0xFFFF),
    value=st.binary(max_size=40),
    vendor_id=st.none() | st.integers(0, 0xFFFFFFFF),
)
messages = st.builds(
    PanaMessage,
    message_type=st.sampled_from(MessageType),
    flags=st.integers(0, 0xFFFF).map(Flag),
    session_id=st.integers(0, 0xFFFFFFFF),
    sequence_number=st.integers(0, 0xFFFFFFFF),
    avps=st.lists(avps, max_size=6).map(tuple),
)


@given(messages)
def test_decode_inverts_encode(msg: PanaMessage) -> None:
    data = pana.encode(msg)
    assert len(data) == msg.length
    assert pana.decode(data) == msg


@given(st.binary(max_size=120))
def test_random_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        msg = pana.decode(data)
    except DecodeError:
        return
    assert pana.decode(pana.encode(msg)) == msg


@given(st.binary(max_size=80))
def test_random_bytes_as_encap_plaintext_raise_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        pana.decode_avps(data)
