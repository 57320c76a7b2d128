"""PANA key derivations, AUTH and RFC 6786 Encryption-Encap (as modelled in ``pana.keys``)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols import pana
from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError
from conformance.protocols.pana import (
    Avp,
    AvpCode,
    Flag,
    IntegrityAlgorithm,
    MessageType,
    PanaMessage,
    PrfAlgorithm,
    Role,
)

# --- prf, prf+ and AUTH -----------------------------------------------------------------


def test_prf_is_hmac_sha256_rfc4231_case_1() -> None:
    key = bytes([0x0B]) * 20
    expected = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert pana.prf(key, b"Hi There").hex() == expected


def test_prf_hmac_sha1_rfc2202_case_1() -> None:
    key = bytes([0x0B]) * 20
    assert pana.prf(key, b"Hi There", algorithm=PrfAlgorithm.PRF_HMAC_SHA1).hex() == (
        "b617318655057264e28bc0b6fb378c8ef146be00"
    )


@pytest.mark.parametrize(("algorithm", "digest"), [(PrfAlgorithm.PRF_HMAC_SHA2_256, "sha256"), (2, "sha1")])
def test_prf_plus_follows_rfc7296_section_2_13(algorithm: int, digest: str) -> None:
    key, seed = b"K" * 64, b"seed octets"
    t1 = hmac.new(key, seed + b"\x01", digest).digest()
    t2 = hmac.new(key, t1 + seed + b"\x02", digest).digest()
    t3 = hmac.new(key, t2 + seed + b"\x03", digest).digest()
    assert pana.prf_plus(key, seed, 50, algorithm=algorithm) == (t1 + t2 + t3)[:50]
    assert pana.prf_plus(key, seed, 0, algorithm=algorithm) == b""


def test_prf_plus_refuses_more_than_255_blocks() -> None:
    with pytest.raises(BenchUsageError):
        pana.prf_plus(b"k", b"s", 255 * 32 + 1)


def test_auth_key_is_prf_plus_of_the_section_5_3_seed() -> None:
    msk, i_par, i_pan = bytes(range(64)), b"initial PAR", b"initial PAN"
    pac_nonce, paa_nonce, key_id = b"P" * 16, b"A" * 16, bytes.fromhex("00000001")
    seed = b"IETF PANA" + i_par + i_pan + pac_nonce + paa_nonce + key_id
    key = pana.derive_auth_key(msk, i_par, i_pan, pac_nonce, paa_nonce, key_id)
    assert key == pana.prf_plus(msk, seed, 32)
    sha1_key = pana.derive_auth_key(
        msk,
        i_par,
        i_pan,
        pac_nonce,
        paa_nonce,
        key_id,
        prf_algorithm=PrfAlgorithm.PRF_HMAC_SHA1,
        integrity_algorithm=IntegrityAlgorithm.AUTH_HMAC_SHA1_160,
    )
    assert sha1_key == pana.prf_plus(msk, seed, 20, algorithm=PrfAlgorithm.PRF_HMAC_SHA1)
    with pytest.raises(BenchUsageError):
        pana.derive_auth_key(msk, i_par, i_pan, pac_nonce, paa_nonce, b"\x01")


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        # RFC 4231 case 2 truncated to 128 bits, RFC 2202 case 2 in full and truncated to 96.
        (IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128, "5bdcc146bf60754e6a042426089575c7"),
        (IntegrityAlgorithm.AUTH_HMAC_SHA1_160, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (IntegrityAlgorithm.AUTH_HMAC_SHA1_96, "effcdf6ae5eb2fa2d27416d5"),
    ],
)
def test_compute_auth_truncates_hmac(algorithm: int, expected: str) -> None:
    value = pana.compute_auth(b"Jefe", b"what do ya want for nothing?", integrity_algorithm=algorithm)
    assert value.hex() == expected


def _auth_request() -> PanaMessage:
    return PanaMessage(
        message_type=MessageType.AUTH,
        flags=Flag.REQUEST | Flag.COMPLETE,
        session_id=0x1234,
        sequence_number=99,
        avps=(
            Avp.from_unsigned32(AvpCode.RESULT_CODE, pana.ResultCode.PANA_SUCCESS),
            Avp(code=AvpCode.EAP_PAYLOAD, value=bytes.fromhex("03050004")),
            Avp.from_unsigned32(AvpCode.KEY_ID, 1),
        ),
    )


def test_sign_appends_auth_over_the_zeroed_message() -> None:
    key = bytes(range(32))
    signed = pana.sign(_auth_request(), key)
    msg = pana.decode(signed)
    assert msg.avps[-1].code == AvpCode.AUTH
    zeroed = signed[:-16] + bytes(16)
    assert msg.avps[-1].value == hmac.new(key, zeroed, hashlib.sha256).digest()[:16]
    assert pana.verify(signed, key) == msg
    # Signing again replaces the AUTH AVP instead of adding a second one.
    assert pana.sign(msg, key) == signed


@pytest.mark.parametrize("offset", [3, 10, 20, -1])
def test_verify_rejects_any_changed_octet(offset: int) -> None:
    key = bytes(range(32))
    signed = bytearray(pana.sign(_auth_request(), key))
    signed[offset] ^= 0x01
    with pytest.raises((IntegrityError, DecodeError)):
        pana.verify(bytes(signed), key)


def test_verify_rejects_missing_wrong_length_and_wrong_key() -> None:
    key = bytes(range(32))
    with pytest.raises(IntegrityError, match="0 AUTH"):
        pana.verify(pana.encode(_auth_request()), key)
    short = pana.encode(
        PanaMessage(message_type=MessageType.AUTH, avps=(Avp(code=AvpCode.AUTH, value=bytes(12)),))
    )
    with pytest.raises(IntegrityError, match="12 octets"):
        pana.verify(short, key)
    with pytest.raises(IntegrityError, match="does not verify"):
        pana.verify(pana.sign(_auth_request(), key), bytes(32))


# --- RFC 6786 Encryption-Encap and the bench's GROUP_KEY AVP ---------------------------


def test_encr_keys_differ_per_sender_and_from_the_auth_key() -> None:
    inputs = (bytes(64), b"I_PAR", b"I_PAN", b"p" * 16, b"a" * 16, bytes(4))
    pac = pana.derive_encr_key(*inputs, sender=Role.PAC)
    paa = pana.derive_encr_key(*inputs, sender=Role.PAA)
    assert len(pac) == len(paa) == 16
    assert len({pac, paa, pana.derive_auth_key(*inputs)[:16]}) == 3
    seed = b"IETF PANA PAA Encryption Key" + b"I_PAR" + b"I_PAN" + b"p" * 16 + b"a" * 16 + bytes(4)
    assert paa == pana.prf_plus(bytes(64), seed, 16)


def test_encryption_encap_is_aes_ctr_with_the_documented_counter_block() -> None:
    key, key_id = bytes(range(16)), bytes.fromhex("00000007")
    inner = (pana.group_key_avp(3, bytes(range(100, 116))),)
    encap = pana.encryption_encap(inner, key, key_id=key_id, session_id=0x1234, sequence_number=42)
    assert encap.code == AvpCode.ENCRYPTION_ENCAP and encap.vendor_id is None
    plaintext = pana.encode_avps(inner)
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    counter_blocks = [
        bytes.fromhex("02")
        + key_id
        + bytes.fromhex("00001234")
        + bytes.fromhex("0000002a")
        + i.to_bytes(3, "big")
        for i in (1, 2)
    ]
    keystream = b"".join(ecb.update(block) for block in counter_blocks)
    assert encap.value == bytes(p ^ k for p, k in zip(plaintext, keystream, strict=False))
    opened = pana.open_encryption_encap(encap, key, key_id=key_id, session_id=0x1234, sequence_number=42)
    assert opened == inner
    assert pana.parse_group_key(opened[0]) == (3, bytes(range(100, 116)))


def test_open_encryption_encap_refuses_other_avps_and_garbage() -> None:
    key, key_id = bytes(16), bytes(4)
    with pytest.raises(DecodeError):
        pana.open_encryption_encap(
            Avp(code=AvpCode.NONCE, value=b"x"), key, key_id=key_id, session_id=1, sequence_number=1
        )
    encap = pana.encryption_encap(
        (Avp(code=AvpCode.NONCE, value=b"abc"),), key, key_id=key_id, session_id=1, sequence_number=1
    )
    with pytest.raises(DecodeError):  # wrong Sequence Number: the plaintext is noise
        pana.open_encryption_encap(encap, key, key_id=key_id, session_id=1, sequence_number=2)
