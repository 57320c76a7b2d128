"""IEEE 802.15.4 codec: golden vectors both ways, the standard's tables, properties."""

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

METER = bytes.fromhex("001d129f35c1a2b3")
TERMINAL = bytes.fromhex("001d129f35c1c4d5")
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


def h(text: str) -> bytes:
    """Hex with spaces and # comments, one field per line."""
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


def _cases(vectors: list[tuple[str, Frame, bytes]]) -> list[object]:
    return [pytest.param(frame, octets, id=name) for name, frame, octets in vectors]


# --------------------------------------------------------------------------- plaintext vectors
# Each pair is checked in both directions. The FCS of the ack is the worked example of
# 802.15.4 7.2.10 (MHR 0100 0000 0000 0000 0101 0110 -> FCS 0010 0111 1001 1110); the
# other frames were dissected by Wireshark 4.0 with "FCS: Correct" and every field as
# annotated here (tests/protocols/test_tshark_decodes.py repeats that check).
PLAINTEXT_VECTORS: list[tuple[str, Frame, bytes]] = [
    (
        "imm-ack, 7.2.10 FCS example",
        wpan.ack(sequence_number=0x6A),
        h("02 00  # FC: ack, version 0\n 6a  # sequence\n e4 79  # FCS"),
    ),
    (
        "imm-ack with frame pending",
        wpan.ack(sequence_number=7, frame_pending=True),
        h("12 00 07 92 44"),
    ),
    (
        "enhanced beacon request with Pairing ID",
        wpan.enhanced_beacon_request(sequence_number=1, src_addr=TERMINAL, pairing_id="IOT00901"),
        h(
            """
            43 ea                    # FC: command, PAN ID compr., IE present, dst short, v2, src ext
            01                       # sequence
            ff ff ff ff              # dst PAN, dst short (broadcast); src PAN compressed (row 12)
            d5 c4 c1 35 9f 12 1d 00  # src ext, little-endian
            00 3f                    # HT1
            0b 90 50 4a 02           # payload IE group 2 (vendor), len 11, OUI 02-4A-50
            49 4f 54 30 30 39 30 31  # "IOT00901"
            00 f8                    # payload termination IE
            07                       # command: (enhanced) beacon request
            0a 4c                    # FCS
            """
        ),
    ),
    (
        "enhanced beacon with Pairing ID",
        wpan.enhanced_beacon(sequence_number=7, src_addr=METER, pan_id=0x1234, pairing_id="IOT00901"),
        h(
            """
            00 e2 07 34 12 b3 a2 c1 35 9f 12 1d 00  # beacon v2, seq 7, src PAN, src ext
            00 3f 0b 90 50 4a 02 49 4f 54 30 30 39 30 31  # HT1, vendor IE; no PT: nothing follows
            3a 12
            """
        ),
    ),
    (
        "enhanced beacon without IEs",
        wpan.enhanced_beacon(sequence_number=8, src_addr=METER, pan_id=0x1234, pairing_id=None),
        h("00 e0 08 34 12 b3 a2 c1 35 9f 12 1d 00 1f 02"),
    ),
    (
        "data frame ext->ext (Table 7-2 row 7: dst PAN only, compression 0)",
        wpan.data_frame(
            sequence_number=2,
            pan_id=0x1234,
            src_addr=TERMINAL,
            dst_addr=METER,
            payload=b"\x01\x02",
            ack_request=True,
        ),
        h(
            """
            21 ec 02 34 12
            b3 a2 c1 35 9f 12 1d 00
            d5 c4 c1 35 9f 12 1d 00
            01 02 19 d4
            """
        ),
    ),
    (
        "data frame ext->broadcast short (row 12: compression 1)",
        wpan.data_frame(
            sequence_number=2, pan_id=0x1234, src_addr=TERMINAL, dst_addr=0xFFFF, payload=b"\x01\x02"
        ),
        h("41 e8 02 34 12 ff ff d5 c4 c1 35 9f 12 1d 00 01 02 b0 47"),
    ),
    (
        "sequence suppressed, header IE then HT2 before the payload",
        Frame(
            frame_type=FrameType.DATA,
            sequence_number=None,
            dst_pan=0x1234,
            dst_addr=METER,
            src_pan=None,
            src_addr=TERMINAL,
            header_ies=(HeaderIE(element_id=0x00, content=b"\x50\x4a\x02"),),
            payload=b"\x01",
        ),
        h(
            """
            01 ef 34 12 b3 a2 c1 35 9f 12 1d 00 d5 c4 c1 35 9f 12 1d 00
            03 00 50 4a 02  # vendor specific header IE
            80 3f           # HT2
            01 2d 37
            """
        ),
    ),
    (
        "2006 data frame short->short with PAN ID compression",
        Frame(
            frame_type=FrameType.DATA,
            sequence_number=5,
            dst_pan=0x1234,
            dst_addr=0x0001,
            src_pan=None,
            src_addr=0x0002,
            frame_version=1,
            payload=b"ab",
        ),
        h("41 98 05 34 12 01 00 02 00 61 62 e1 8b"),
    ),
]


@pytest.mark.parametrize(("frame", "octets"), _cases(PLAINTEXT_VECTORS))
def test_plaintext_vectors_encode(frame: Frame, octets: bytes) -> None:
    assert encode(frame) == octets


@pytest.mark.parametrize(("frame", "octets"), _cases(PLAINTEXT_VECTORS))
def test_plaintext_vectors_decode(frame: Frame, octets: bytes) -> None:
    assert decode(octets) == frame


def test_fcs_is_the_kermit_crc() -> None:
    # CRC-16/KERMIT is the 802.15.4 FCS; its catalogue check value for "123456789" is 0x2189.
    assert compute_fcs(b"123456789") == bytes.fromhex("8921")


# --------------------------------------------------------------------------- Annex C vectors
# IEEE 802.15.4-2011 Annex C.2 (the same frames as 802.15.4-2006 Annex C.2), key
# C0..CF, source ACDE480000000001, frame counter 5, key identifier mode 0. The standard
# lists them without FCS; the FCS is appended here. Cross-checked against the copies in
# GNU Nettle's testsuite/ccm-test.c and OpenThread's tests/unit/test_aes.cpp.
ANNEX_C_KEY = bytes(range(0xC0, 0xD0))
_SRC = bytes.fromhex("acde480000000001")
_DST = bytes.fromhex("acde480000000002")


def _with_fcs(octets: bytes) -> bytes:
    return octets + compute_fcs(octets)


ANNEX_C_VECTORS: list[tuple[str, Frame, bytes]] = [
    (
        "C.2.1 MAC beacon frame, level 2 (MIC-64)",
        Frame(
            frame_type=FrameType.BEACON,
            sequence_number=0x84,
            dst_pan=None,
            dst_addr=None,
            src_pan=0x4321,
            src_addr=_SRC,
            frame_version=1,
            security=AuxSecurityHeader(security_level=2, key_id_mode=0, frame_counter=5, key_index=None),
            payload=bytes.fromhex("55cf000051525354"),  # superframe spec, GTS, pending, payload
        ),
        _with_fcs(
            h(
                """
                08 d0 84 21 43 01 00 00 00 00 48 de ac  # MHR
                02 05 00 00 00                          # aux security header
                55 cf 00 00 51 52 53 54                 # beacon payload (authenticated only)
                22 3b c1 ec 84 1a b5 53                 # MIC
                """
            )
        ),
    ),
    (
        "C.2.2 MAC data frame, level 4 (ENC, no MIC)",
        Frame(
            frame_type=FrameType.DATA,
            sequence_number=0x84,
            dst_pan=0x4321,
            dst_addr=_DST,
            src_pan=None,
            src_addr=_SRC,
            ack_request=True,
            frame_version=1,
            security=AuxSecurityHeader(security_level=4, key_id_mode=0, frame_counter=5, key_index=None),
            payload=b"abcd",
        ),
        _with_fcs(
            h(
                """
                69 dc 84 21 43 02 00 00 00 00 48 de ac 01 00 00 00 00 48 de ac
                04 05 00 00 00
                d4 3e 02 2b  # "abcd" encrypted
                """
            )
        ),
    ),
    (
        "C.2.3 MAC command frame, level 6 (ENC-MIC-64)",
        Frame(
            frame_type=FrameType.MAC_COMMAND,
            sequence_number=0x84,
            dst_pan=0x4321,
            dst_addr=_DST,
            src_pan=0xFFFF,
            src_addr=_SRC,
            ack_request=True,
            frame_version=1,
            security=AuxSecurityHeader(security_level=6, key_id_mode=0, frame_counter=5, key_index=None),
            command_id=0x01,  # association request, in the clear before 2015
            payload=b"\xce",  # capability information
        ),
        _with_fcs(
            h(
                """
                2b dc 84 21 43 02 00 00 00 00 48 de ac ff ff 01 00 00 00 00 48 de ac
                06 05 00 00 00
                01                          # command identifier (open payload)
                d8                          # encrypted capability information
                4f de 52 90 61 f9 c6 f1     # MIC
                """
            )
        ),
    ),
]


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


# --------------------------------------------------------------------------- IoT-route security


def _secured_data(level: int = 5, **changes: object) -> Frame:
    frame = wpan.data_frame(
        sequence_number=3, pan_id=0x1234, src_addr=TERMINAL, dst_addr=METER, payload=b"PANA"
    )
    changes.setdefault(
        "security", AuxSecurityHeader(security_level=level, frame_counter=0x01020304, key_index=1)
    )
    return dataclasses.replace(frame, **changes)


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


# --------------------------------------------------------------------------- Table 7-2
# 802.15.4-2015 Table 7-2, restated: dst address, src address, dst PAN, src PAN -> compression.
TABLE_7_2 = [
    (None, None, False, False, 0),
    (None, None, True, False, 1),
    (0x0001, None, True, False, 0),
    (METER, None, True, False, 0),
    (0x0001, None, False, False, 1),
    (METER, None, False, False, 1),
    (None, 0x0002, False, True, 0),
    (None, TERMINAL, False, True, 0),
    (None, 0x0002, False, False, 1),
    (None, TERMINAL, False, False, 1),
    (METER, TERMINAL, True, False, 0),
    (METER, TERMINAL, False, False, 1),
    (0x0001, 0x0002, True, True, 0),
    (0x0001, TERMINAL, True, True, 0),
    (METER, 0x0002, True, True, 0),
    (0x0001, TERMINAL, True, False, 1),
    (METER, 0x0002, True, False, 1),
    (0x0001, 0x0002, True, False, 1),
]


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


# --------------------------------------------------------------------------- IEs


def test_pairing_id_is_found_in_enhanced_beacon_requests_and_beacons() -> None:
    ebr = decode(
        encode(wpan.enhanced_beacon_request(sequence_number=1, src_addr=TERMINAL, pairing_id="IOT00901"))
    )
    assert wpan.pairing_id_of(ebr) == "IOT00901"
    eb = wpan.enhanced_beacon(sequence_number=1, src_addr=METER, pan_id=1, pairing_id=None)
    assert wpan.pairing_id_of(eb) is None
    other_vendor = dataclasses.replace(eb, payload_ies=(wpan.vendor_payload_ie(b"\x4a\x19\x1b", b"x"),))
    assert wpan.pairing_id_of(other_vendor) is None


def test_a_pairing_id_that_is_not_ascii_is_a_decode_error() -> None:
    eb = wpan.enhanced_beacon(sequence_number=1, src_addr=METER, pan_id=1, pairing_id=None)
    bad = dataclasses.replace(eb, payload_ies=(wpan.vendor_payload_ie(wpan.PAIRING_ID_OUI, b"IOT\xff"),))
    with pytest.raises(DecodeError):
        wpan.pairing_id_of(decode(encode(bad)))


def test_vendor_oui_goes_on_the_air_least_significant_octet_first() -> None:
    assert wpan.vendor_payload_ie(b"\x4a\x19\x1b", b"z").content == b"\x1b\x19\x4az"


@pytest.mark.parametrize("bad", ["", "IOT0090é", b"IOT00901"])
def test_pairing_id_ie_refuses_non_ascii(bad: object) -> None:
    with pytest.raises(BenchUsageError):
        wpan.pairing_id_ie(bad)  # type: ignore[arg-type]


def test_decoder_accepts_optional_terminations() -> None:
    # 7.4.1 lets a sender end the lists with terminations even when nothing follows.
    eb = wpan.enhanced_beacon(sequence_number=7, src_addr=METER, pan_id=0x1234, pairing_id="IOT00901")
    body = encode(eb)[:-2] + b"\x00\xf8"  # payload termination IE at the very end
    assert decode(body + compute_fcs(body)) == eb
    plain = dataclasses.replace(eb, payload_ies=(), header_ies=(HeaderIE(element_id=0, content=b"abc"),))
    body = encode(plain)[:-2] + b"\x80\x3f"  # HT2 with no payload after it
    assert decode(body + compute_fcs(body)) == plain


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


@pytest.mark.parametrize("bad", [HeaderIE, PayloadIE])
def test_terminations_belong_to_the_codec(bad: type) -> None:
    with pytest.raises(BenchUsageError):
        if bad is HeaderIE:
            HeaderIE(element_id=0x7E)
        else:
            PayloadIE(group_id=0xF)


# --------------------------------------------------------------------------- properties

_short = st.integers(0, 0xFFFF)
_ext = st.binary(min_size=8, max_size=8)
_header_ie = st.builds(
    HeaderIE,
    element_id=st.integers(0, 0xFF).filter(lambda i: i not in (0x7E, 0x7F)),
    content=st.binary(max_size=12),
)
_payload_ie = st.builds(PayloadIE, group_id=st.integers(0, 0xE), content=st.binary(max_size=12))


def _addr(kind: object) -> st.SearchStrategy[int | bytes | None]:
    if kind is None:
        return st.none()
    return _ext if isinstance(kind, bytes) else _short


@st.composite
def frames(draw: st.DrawFn, *, secured: bool = False) -> Frame:
    version = draw(st.sampled_from([1, 2] if secured else [0, 1, 2]))
    if version == 2:
        rows = [r for r in TABLE_7_2 if not secured or isinstance(r[1], bytes)]
        dst_kind, src_kind, has_dst_pan, has_src_pan, _ = draw(st.sampled_from(rows))
    else:
        dst_kind = draw(st.sampled_from([None, 1, b"x"]))
        src_kind = b"x" if secured else draw(st.sampled_from([None, 1, b"x"]))
        has_dst_pan = dst_kind is not None
        has_src_pan = src_kind is not None and (dst_kind is None or draw(st.booleans()))
    frame_type = draw(st.sampled_from(list(FrameType)))
    security = None
    if secured:
        security = AuxSecurityHeader(
            security_level=draw(st.integers(1, 7)),
            frame_counter=draw(st.integers(0, 0xFFFFFFFF)),
            key_index=draw(st.integers(1, 255)),
        )
    return Frame(
        frame_type=frame_type,
        sequence_number=draw(st.integers(0, 255) | (st.none() if version == 2 else st.nothing())),
        dst_pan=draw(_short) if has_dst_pan else None,
        dst_addr=draw(_addr(dst_kind)),
        src_pan=draw(_short) if has_src_pan else None,
        src_addr=draw(_addr(src_kind)),
        frame_pending=draw(st.booleans()),
        ack_request=draw(st.booleans()),
        frame_version=version,
        security=security,
        header_ies=tuple(draw(st.lists(_header_ie, max_size=3))) if version == 2 else (),
        payload_ies=tuple(draw(st.lists(_payload_ie, max_size=3))) if version == 2 else (),
        command_id=draw(st.integers(0, 255)) if frame_type is FrameType.MAC_COMMAND else None,
        payload=draw(st.binary(max_size=40)),
    )


@given(frames())
def test_decode_inverts_encode(frame: Frame) -> None:
    assert decode(encode(frame)) == frame


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


@given(st.binary(max_size=160))
def test_random_octets_decode_or_raise_decode_error(data: bytes) -> None:
    for octets in (data, data + compute_fcs(data)):  # the second gets past the FCS check
        with contextlib.suppress(DecodeError):
            decode(octets)
        with contextlib.suppress(DecodeError, IntegrityError):
            unsecure(octets, KEY)


_flips = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=4)


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


# --------------------------------------------------------------------------- fast paths
# wpan has fast paths for the frame the twins exchange most (a level 5 data frame between
# extended addresses: see "the common secured frame" in wpan.py). They must be
# indistinguishable from the general codec: same frames, same octets, same errors.


@st.composite
def common_frames(draw: st.DrawFn) -> Frame:
    """Frames of exactly the shape the fast paths take."""
    frame = wpan.data_frame(
        sequence_number=draw(st.integers(0, 255)),
        pan_id=draw(_short),
        src_addr=draw(_ext),
        dst_addr=draw(_ext),
        payload=draw(st.binary(max_size=120)),
        ack_request=draw(st.booleans()),
    )
    security = AuxSecurityHeader(
        frame_counter=draw(st.integers(0, 0xFFFFFFFF)), key_index=draw(st.integers(1, 255))
    )
    return dataclasses.replace(frame, security=security, frame_pending=draw(st.booleans()))


def _everything(frame: Frame) -> tuple[object, ...]:
    """Every slot of a frame and of its security header, with the exact classes."""
    security = frame.security
    return (
        type(frame),
        *(getattr(frame, f.name) for f in dataclasses.fields(frame)),  # _pan_id_compression too
        type(security),
        *(() if security is None else (getattr(security, f.name) for f in dataclasses.fields(security))),
    )


def _outcome(function: object, *args: object) -> tuple[object, ...]:
    try:
        result = function(*args)  # type: ignore[operator]
    except Exception as exc:  # whatever is raised: the point is to compare it
        return ("raised", type(exc), str(exc))
    return ("frame", *_everything(result)) if isinstance(result, Frame) else ("octets", result)


def _assert_paths_agree(octets: bytes) -> None:
    assert _outcome(decode, octets) == _outcome(wpan._decode_general, octets)
    assert _outcome(unsecure, octets, KEY) == _outcome(wpan._unsecure_general, octets, KEY)


@given(common_frames())
def test_fast_paths_give_the_general_codecs_octets_and_frames(frame: Frame) -> None:
    octets = wpan._secure_common(frame, KEY)
    assert octets is not None  # the fast path was taken
    assert octets == wpan._secure_general(frame, KEY)
    fast = wpan._decode_common(octets, KEY)
    assert fast is not None
    assert _everything(fast) == _everything(wpan._unsecure_general(octets, KEY)) == _everything(frame)
    seen = wpan._decode_common(octets)
    assert seen is not None
    assert _everything(seen) == _everything(wpan._decode_general(octets))
    assert secure(fast, KEY) == octets  # and the frames it builds encode as Frame() ones do


# One change each that takes a common frame off the fast paths (False), or keeps it on (True).
NEAR_COMMON_CHANGES: dict[str, tuple[dict[str, object], bool]] = {
    "level 7": ({"security": AuxSecurityHeader(security_level=7, frame_counter=1, key_index=1)}, False),
    "level 1": ({"security": AuxSecurityHeader(security_level=1, frame_counter=1, key_index=1)}, False),
    "key id mode 0": ({"security": AuxSecurityHeader(key_id_mode=0, frame_counter=1, key_index=None)}, False),
    "key id mode 2": (
        {"security": AuxSecurityHeader(key_id_mode=2, frame_counter=1, key_index=3, key_source=bytes(4))},
        False,
    ),
    "header IE": ({"header_ies": (HeaderIE(element_id=0x2A, content=b"hi"),)}, False),
    "payload IE": ({"payload_ies": (PayloadIE(group_id=1, content=b"pi"),)}, False),
    "sequence number suppressed": ({"sequence_number": None}, False),
    "short destination": ({"dst_addr": 0x0102}, False),
    "no PAN ID": ({"dst_pan": None}, False),  # Table 7-2: two extended addresses, no PAN ID at all
    "frame version 1": ({"frame_version": 1}, False),
    "MAC command": ({"frame_type": FrameType.MAC_COMMAND, "command_id": 0x07}, False),
    "beacon": ({"frame_type": FrameType.BEACON}, False),
    "level 5, key index 255": ({"security": AuxSecurityHeader(frame_counter=7, key_index=255)}, True),
    "frame pending, no AR": ({"frame_pending": True, "ack_request": False}, True),
}


@pytest.mark.parametrize(("change", "fast"), NEAR_COMMON_CHANGES.values(), ids=NEAR_COMMON_CHANGES.keys())
@given(frame=common_frames())
def test_near_common_frames_take_the_right_path(change: dict[str, object], fast: bool, frame: Frame) -> None:
    frame = dataclasses.replace(frame, **change)
    octets = wpan._secure_general(frame, KEY)
    assert (wpan._secure_common(frame, KEY) is not None) == fast
    assert (wpan._decode_common(octets) is not None) == fast
    assert _outcome(secure, frame, KEY) == _outcome(wpan._secure_general, frame, KEY)
    _assert_paths_agree(octets)


def test_a_short_source_is_refused_by_secure_as_before() -> None:
    frame = _secured_data(level=5, src_addr=0x0002, src_pan=None)  # dst still extended
    assert _outcome(secure, frame, KEY) == _outcome(wpan._secure_general, frame, KEY)
    with pytest.raises(BenchUsageError, match="extended source"):
        secure(frame, KEY)


@given(frames(secured=True))
def test_secure_decode_and_unsecure_agree_with_the_general_codec_for_any_frame(frame: Frame) -> None:
    assert _outcome(secure, frame, KEY) == _outcome(wpan._secure_general, frame, KEY)
    _assert_paths_agree(wpan._secure_general(frame, KEY))


def test_every_damaged_header_fails_or_decodes_as_in_the_general_codec() -> None:
    # Exhaustive where the fast paths look: each bit of the 27 header octets flipped, each
    # length cut off the end, with the FCS made right again or left wrong.
    octets = secure(_secured_data(level=5, payload=bytes(range(30))), KEY)
    body = octets[:-2]
    damaged = [body[:cut] for cut in range(len(body))]
    for position in range(27):
        for bit in range(8):
            flipped = bytearray(body)
            flipped[position] ^= 1 << bit
            damaged.append(bytes(flipped))
    damaged.append(body[:26] + b"\x00" + body[27:])  # Key Index 0x00
    assert wpan._decode_common(octets) is not None
    for candidate in damaged:
        _assert_paths_agree(candidate + compute_fcs(candidate))
        _assert_paths_agree(candidate + octets[-2:])


@given(st.binary(max_size=60))
def test_fast_paths_agree_on_random_octets(data: bytes) -> None:
    _assert_paths_agree(data)
    _assert_paths_agree(data + compute_fcs(data))
    head = bytes.fromhex("29ec")  # the fast paths' Frame Control, so more octets reach their checks
    _assert_paths_agree(head + data + compute_fcs(head + data))


@given(st.binary(max_size=60), st.binary(min_size=2, max_size=2))
def test_fcs_check_by_residue_is_the_fcs_comparison(body: bytes, fcs: bytes) -> None:
    # The fast paths check the FCS as "CRC of MPDU and FCS is zero" (7.2.10), not by comparing.
    for candidate in (fcs, compute_fcs(body)):
        residue = wpan.binascii.crc_hqx((body + candidate).translate(wpan._REVERSED_BITS), 0)
        assert (residue == 0) == (compute_fcs(body) == candidate)


def test_fast_path_frames_are_ordinary_frozen_frames() -> None:
    frame = _secured_data(level=5)
    octets = secure(frame, KEY)
    fast = unsecure(octets, KEY)
    assert type(fast) is Frame and type(fast.security) is AuxSecurityHeader
    assert fast == frame and hash(fast) == hash(frame)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.payload = b""  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.security.frame_counter = 0  # type: ignore[misc, union-attr]
    assert dataclasses.replace(fast, payload=b"x").payload == b"x"


def test_fast_path_refuses_a_wrong_mic_like_the_general_path() -> None:
    octets = bytearray(secure(_secured_data(level=5), KEY))
    octets[-3] ^= 0x01  # last MIC octet
    body = bytes(octets[:-2])
    octets = body + compute_fcs(body)
    assert wpan._decode_common(octets) is not None  # well-formed: the fast path takes it
    with pytest.raises(IntegrityError, match="MIC"):
        unsecure(octets, KEY)
    with pytest.raises(IntegrityError, match="MIC"):
        wpan._unsecure_general(octets, KEY)


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
