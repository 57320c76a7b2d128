"""IEEE 802.15.4 frame security (9.3): the Annex C vectors both ways, the IoT route's level 5, tampering."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from conformance.protocols import wpan
from conformance.protocols.errors import DecodeError, IntegrityError
from conformance.protocols.wpan import (
    AuxSecurityHeader,
    Frame,
    HeaderIE,
    compute_fcs,
    decode,
    encode,
    secure,
    unsecure,
)
from tests.protocols.wpan.support import (
    ANNEX_C_KEY,
    ANNEX_C_VECTORS,
    KEY,
    TERMINAL,
    _cases,
    _secured_data,
    frames,
    h,
)


@pytest.mark.parametrize(("frame", "octets"), _cases(ANNEX_C_VECTORS))
def test_annex_c_vectors_secure(frame: Frame, octets: bytes) -> None:
    assert secure(frame, ANNEX_C_KEY) == octets


@pytest.mark.parametrize(("frame", "octets"), _cases(ANNEX_C_VECTORS))
def test_annex_c_vectors_unsecure(frame: Frame, octets: bytes) -> None:
    assert unsecure(octets, ANNEX_C_KEY) == frame


@pytest.mark.parametrize(("frame", "octets"), _cases(ANNEX_C_VECTORS))
def test_decode_keeps_the_private_payload_protected(frame: Frame, octets: bytes) -> None:
    seen = decode(octets)
    assert seen.security == frame.security
    assert seen.src_addr == frame.src_addr
    assert seen.payload == octets[len(octets) - 2 - len(seen.payload) : -2]


@pytest.mark.parametrize(
    "octets",
    [v[2] for v in ANNEX_C_VECTORS if v[1].security and v[1].security.mic_length],  # level 4: no MIC
)
def test_annex_c_vectors_with_another_key_fail_integrity(octets: bytes) -> None:
    with pytest.raises(IntegrityError):
        unsecure(octets, KEY)


def test_level_5_layout_and_nonce() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    octets = secure(_secured_data(), KEY)
    header = octets[:21] + bytes.fromhex("0d 04030201 01")  # level 5, key id mode 1, LE counter
    assert octets[:27] == header
    nonce = TERMINAL + bytes.fromhex("01020304") + b"\x05"  # 9.3.2: addr, BE counter, level
    assert octets[27:-2] == AESCCM(KEY, tag_length=4).encrypt(nonce, b"PANA", header)


@pytest.mark.parametrize("level", range(1, 8))
def test_every_security_level_round_trips(level: int) -> None:
    frame = _secured_data(level)
    octets = secure(frame, KEY)
    assert len(octets) == 27 + 4 + frame.security.mic_length + 2  # type: ignore[union-attr]
    assert (octets[27:31] == b"PANA") == (level < 4)  # ENC only from level 4 on
    assert unsecure(octets, KEY) == frame


def test_secured_version_2_command_hides_its_command_id() -> None:
    ebr = wpan.enhanced_beacon_request(sequence_number=9, src_addr=TERMINAL, pairing_id="IOT00901")
    frame = dataclasses.replace(ebr, security=AuxSecurityHeader(frame_counter=1, key_index=2))
    octets = secure(frame, KEY)
    seen = decode(octets)
    assert seen.command_id is None and seen.payload_ies == ()
    assert unsecure(octets, KEY) == frame


def test_secured_frame_keeps_header_ies_in_the_clear() -> None:
    frame = _secured_data(header_ies=(HeaderIE(element_id=0x00, content=b"\x50\x4a\x02"),))
    seen = decode(secure(frame, KEY))
    assert seen.header_ies == frame.header_ies
    assert unsecure(secure(frame, KEY), KEY) == frame


def test_tampering_is_an_integrity_error() -> None:
    octets = bytearray(secure(_secured_data(), KEY))
    octets[5] ^= 0x01  # a destination address octet: part of the AAD
    body = bytes(octets[:-2])
    with pytest.raises(IntegrityError):
        unsecure(body + compute_fcs(body), KEY)


def test_unsecure_of_a_plaintext_frame_is_an_integrity_error() -> None:
    with pytest.raises(IntegrityError, match="not secured"):
        unsecure(encode(wpan.ack(sequence_number=1)), KEY)


def test_unsecure_needs_an_extended_source_for_the_nonce() -> None:
    body = h("49 98 01 0100 0200 0300  # secured 2006 data, short addresses\n 0d 00000000 01\n") + bytes(8)
    assert decode(body + compute_fcs(body)).src_addr == 3
    with pytest.raises(DecodeError, match="extended source"):
        unsecure(body + compute_fcs(body), KEY)


@given(frames(secured=True))
def test_unsecure_inverts_secure(frame: Frame) -> None:
    octets = secure(frame, KEY)
    assert unsecure(octets, KEY) == frame
    seen = decode(octets)
    assert (seen.security, seen.src_addr, seen.header_ies) == (
        frame.security,
        frame.src_addr,
        frame.header_ies,
    )
