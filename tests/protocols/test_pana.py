"""The PANA codec and key derivations (RFC 5191, RFC 6786 as modelled in ``pana``)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

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
