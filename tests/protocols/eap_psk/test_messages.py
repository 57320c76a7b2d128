"""EAP-PSK messages and PCHANNEL payloads (RFC 4764 section 5): golden vectors, misuse, properties."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols.eap_psk import (
    PChannelPayload,
    ProtectedChannel,
    PskExtension,
    PskFirstMessage,
    PskFourthMessage,
    PskMessage,
    PskResult,
    PskSecondMessage,
    PskThirdMessage,
    decode_message,
)
from conformance.protocols.errors import BenchUsageError, DecodeError
from tests.protocols.eap_psk.support import (
    HOSTAPD_MAC_P,
    HOSTAPD_RAND_P,
    HOSTAPD_RAND_S,
    HOSTAPD_TRANSCRIPT,
    ID_P,
    ID_S,
    h,
)

# --- messages (section 5) ---------------------------------------------------------------

GOLDEN_MESSAGES: list[tuple[bytes, PskMessage]] = [
    (
        HOSTAPD_TRANSCRIPT[0][5:],
        PskFirstMessage(rand_s=HOSTAPD_RAND_S, id_s=ID_S),
    ),
    (
        HOSTAPD_TRANSCRIPT[1][5:],
        PskSecondMessage(rand_s=HOSTAPD_RAND_S, rand_p=HOSTAPD_RAND_P, mac_p=HOSTAPD_MAC_P, id_p=ID_P),
    ),
    (
        HOSTAPD_TRANSCRIPT[2][5:],
        PskThirdMessage(
            rand_s=HOSTAPD_RAND_S,
            mac_s=h("d959183b2034684b6119d45abf195180"),
            pchannel=ProtectedChannel(
                nonce=0,
                tag=h("046e560f40ba8d64541b8bf76478a267"),
                encrypted_payload=h("f8"),
            ),
        ),
    ),
    (
        HOSTAPD_TRANSCRIPT[3][5:],
        PskFourthMessage(
            rand_s=HOSTAPD_RAND_S,
            pchannel=ProtectedChannel(
                nonce=1,
                tag=h("ef33a5320274124dd083fcf90ab251b0"),
                encrypted_payload=h("b5"),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("type_data", "message"), GOLDEN_MESSAGES)
def test_message_golden_encode(type_data: bytes, message: PskMessage) -> None:
    assert message.encode() == type_data


@pytest.mark.parametrize(("type_data", "message"), GOLDEN_MESSAGES)
def test_message_golden_decode(type_data: bytes, message: PskMessage) -> None:
    assert decode_message(type_data) == message
    assert type(message).decode(type_data) == message


def test_reserved_flag_bits_survive_a_round_trip() -> None:
    # Figure 12: Reserved is ignored on reception, so the codec keeps what it got.
    message = PskFirstMessage(flags=0x3F, rand_s=bytes(16), id_s=b"s")
    assert decode_message(message.encode()) == message


@pytest.mark.parametrize(
    "build",
    [
        lambda: PskFirstMessage(flags=0x40, rand_s=bytes(16), id_s=b""),
        lambda: PskFirstMessage(flags=0x100, rand_s=bytes(16), id_s=b""),
        lambda: PskFirstMessage(rand_s=bytes(15), id_s=b""),
        lambda: PskFirstMessage(rand_s=bytes(16), id_s=bytes(967)),
        lambda: PskSecondMessage(rand_s=bytes(16), rand_p=bytes(16), mac_p=bytes(17), id_p=b""),
        lambda: PskSecondMessage(flags=0, rand_s=bytes(16), rand_p=bytes(16), mac_p=bytes(16), id_p=b""),
        lambda: PskThirdMessage(
            rand_s=bytes(16),
            mac_s=bytes(16),
            pchannel=ProtectedChannel(nonce=0, tag=bytes(16), encrypted_payload=b"x"),
            flags=0xC0,
        ),
        lambda: ProtectedChannel(nonce=2**32, tag=bytes(16), encrypted_payload=b"x"),
        lambda: ProtectedChannel(nonce=0, tag=bytes(15), encrypted_payload=b"x"),
        lambda: ProtectedChannel(nonce=0, tag=bytes(16), encrypted_payload=b""),
        lambda: PskExtension(ext_type=0),
        lambda: PskExtension(ext_type=256),
        lambda: PskExtension(ext_type=1, payload=bytes(961)),
        lambda: PChannelPayload(result=PskResult.CONT, reserved=32),
        lambda: PChannelPayload(result=2),
    ],
)
def test_invalid_fields_are_bench_misuse(build: Callable[[], object]) -> None:
    with pytest.raises(BenchUsageError):
        build()


PCHANNEL_PAYLOADS = [
    ("40", PChannelPayload(result=PskResult.CONT)),
    ("80", PChannelPayload(result=PskResult.DONE_SUCCESS)),
    ("c0", PChannelPayload(result=PskResult.DONE_FAILURE)),
    ("9f", PChannelPayload(result=PskResult.DONE_SUCCESS, reserved=0x1F)),
    (
        "60ff0102",
        PChannelPayload(result=PskResult.CONT, extension=PskExtension(ext_type=255, payload=h("0102"))),
    ),
    ("a007", PChannelPayload(result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=7))),
]


@pytest.mark.parametrize(("wire", "payload"), PCHANNEL_PAYLOADS)
def test_pchannel_payload_golden(wire: str, payload: PChannelPayload) -> None:
    assert payload.encode() == h(wire)
    assert PChannelPayload.decode(h(wire)) == payload


@pytest.mark.parametrize(
    "wire",
    ["", "00", "20", "8000", "a0", "a000", "a0ff" + "00" * 961],
)
def test_malformed_pchannel_payload_is_a_decode_error(wire: str) -> None:
    with pytest.raises(DecodeError):
        PChannelPayload.decode(h(wire))


@pytest.mark.parametrize("length", [0, 16, 20])
def test_short_pchannel_is_a_decode_error(length: int) -> None:
    with pytest.raises(DecodeError):
        ProtectedChannel.decode(bytes(length))


# --- properties: decoders and machines meet arbitrary bytes --------------------------

messages = st.one_of(
    st.builds(
        PskFirstMessage,
        flags=st.integers(0, 0x3F),
        rand_s=st.binary(min_size=16, max_size=16),
        id_s=st.binary(max_size=40),
    ),
    st.builds(
        PskSecondMessage,
        flags=st.integers(0x40, 0x7F),
        rand_s=st.binary(min_size=16, max_size=16),
        rand_p=st.binary(min_size=16, max_size=16),
        mac_p=st.binary(min_size=16, max_size=16),
        id_p=st.binary(max_size=40),
    ),
    st.builds(
        PskThirdMessage,
        flags=st.integers(0x80, 0xBF),
        rand_s=st.binary(min_size=16, max_size=16),
        mac_s=st.binary(min_size=16, max_size=16),
        pchannel=st.builds(
            ProtectedChannel,
            nonce=st.integers(0, 2**32 - 1),
            tag=st.binary(min_size=16, max_size=16),
            encrypted_payload=st.binary(min_size=1, max_size=30),
        ),
    ),
)


@given(messages)
def test_message_decode_inverts_encode(message: PskMessage) -> None:
    assert decode_message(message.encode()) == message


@given(st.binary(max_size=80))
def test_random_type_data_decodes_or_raises_decode_error(data: bytes) -> None:
    for decode in (decode_message, PChannelPayload.decode, ProtectedChannel.decode):
        try:
            decoded = decode(data)
        except DecodeError:
            continue
        assert decoded.encode() == data
