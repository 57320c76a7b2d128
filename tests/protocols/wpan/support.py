"""What the IEEE 802.15.4 tests share: golden vectors (plaintext, Annex C), Table 7-2, frame strategies."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import strategies as st

from conformance.protocols import wpan
from conformance.protocols.wpan import AuxSecurityHeader, Frame, FrameType, HeaderIE, PayloadIE, compute_fcs

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


# --------------------------------------------------------------------------- IoT-route security


def _secured_data(level: int = 5, **changes: object) -> Frame:
    frame = wpan.data_frame(
        sequence_number=3, pan_id=0x1234, src_addr=TERMINAL, dst_addr=METER, payload=b"PANA"
    )
    changes.setdefault(
        "security", AuxSecurityHeader(security_level=level, frame_counter=0x01020304, key_index=1)
    )
    return dataclasses.replace(frame, **changes)


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


_flips = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=4)


def _everything(frame: Frame) -> tuple[object, ...]:
    """Every slot of a frame and of its security header, with the exact classes."""
    security = frame.security
    return (
        type(frame),
        *(getattr(frame, f.name) for f in dataclasses.fields(frame)),  # _pan_id_compression too
        type(security),
        *(() if security is None else (getattr(security, f.name) for f in dataclasses.fields(security))),
    )
