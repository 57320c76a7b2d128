"""The fast path for the common secured frame: indistinguishable from the general codec."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import wpan
from conformance.protocols.errors import BenchUsageError, IntegrityError
from conformance.protocols.wpan import (
    AuxSecurityHeader,
    Frame,
    FrameType,
    HeaderIE,
    PayloadIE,
    compute_fcs,
    decode,
    secure,
    unsecure,
)
from conformance.protocols.wpan.codec import _decode_general
from conformance.protocols.wpan.fast_path import _decode_common, _secure_common
from conformance.protocols.wpan.frame import _fcs_register
from conformance.protocols.wpan.security import _secure_general, _unsecure_general
from tests.protocols.wpan.support import KEY, _everything, _ext, _secured_data, _short, frames

# --------------------------------------------------------------------------- fast paths
# wpan has fast paths for the frame the twins exchange most (a level 5 data frame between
# extended addresses: see the docstring of conformance/protocols/wpan/fast_path.py). They must be
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


def _outcome(function: object, *args: object) -> tuple[object, ...]:
    try:
        result = function(*args)  # type: ignore[operator]
    except Exception as exc:  # whatever is raised: the point is to compare it
        return ("raised", type(exc), str(exc))
    return ("frame", *_everything(result)) if isinstance(result, Frame) else ("octets", result)


def _assert_paths_agree(octets: bytes) -> None:
    assert _outcome(decode, octets) == _outcome(_decode_general, octets)
    assert _outcome(unsecure, octets, KEY) == _outcome(_unsecure_general, octets, KEY)


@given(common_frames())
def test_fast_paths_give_the_general_codecs_octets_and_frames(frame: Frame) -> None:
    octets = _secure_common(frame, KEY)
    assert octets is not None  # the fast path was taken
    assert octets == _secure_general(frame, KEY)
    fast = _decode_common(octets, KEY)
    assert fast is not None
    assert _everything(fast) == _everything(_unsecure_general(octets, KEY)) == _everything(frame)
    seen = _decode_common(octets)
    assert seen is not None
    assert _everything(seen) == _everything(_decode_general(octets))
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
    octets = _secure_general(frame, KEY)
    assert (_secure_common(frame, KEY) is not None) == fast
    assert (_decode_common(octets) is not None) == fast
    assert _outcome(secure, frame, KEY) == _outcome(_secure_general, frame, KEY)
    _assert_paths_agree(octets)


def test_a_short_source_is_refused_by_secure_as_before() -> None:
    frame = _secured_data(level=5, src_addr=0x0002, src_pan=None)  # dst still extended
    assert _outcome(secure, frame, KEY) == _outcome(_secure_general, frame, KEY)
    with pytest.raises(BenchUsageError, match="extended source"):
        secure(frame, KEY)


@given(frames(secured=True))
def test_secure_decode_and_unsecure_agree_with_the_general_codec_for_any_frame(frame: Frame) -> None:
    assert _outcome(secure, frame, KEY) == _outcome(_secure_general, frame, KEY)
    _assert_paths_agree(_secure_general(frame, KEY))


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
    assert _decode_common(octets) is not None
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
        residue = _fcs_register(body + candidate)
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
    assert _decode_common(octets) is not None  # well-formed: the fast path takes it
    with pytest.raises(IntegrityError, match="MIC"):
        unsecure(octets, KEY)
    with pytest.raises(IntegrityError, match="MIC"):
        _unsecure_general(octets, KEY)


# --------------------------------------------------------------------------- plaintext shapes
# decode() also takes the plaintext common data frame and the version 0 Imm-Ack at fixed
# offsets; unsecure() of either is the general codec's "frame is not secured".


@given(common_frames())
def test_the_plaintext_common_frame_decodes_as_in_the_general_codec(frame: Frame) -> None:
    octets = wpan.encode(dataclasses.replace(frame, security=None))
    fast = _decode_common(octets)
    assert fast is not None  # the fast path was taken
    assert _everything(fast) == _everything(_decode_general(octets))
    assert _decode_common(octets, KEY) is None
    _assert_paths_agree(octets)


@given(st.integers(0, 255), st.booleans(), st.booleans())
def test_an_imm_ack_decodes_as_in_the_general_codec(sequence: int, pending: bool, ack_request: bool) -> None:
    frame = dataclasses.replace(
        wpan.ack(sequence_number=sequence, frame_pending=pending), ack_request=ack_request
    )
    octets = wpan.encode(frame)
    fast = _decode_common(octets)
    assert fast is not None
    assert _everything(fast) == _everything(_decode_general(octets)) == _everything(frame)
    _assert_paths_agree(octets)


def test_every_damaged_plaintext_header_and_ack_fails_or_decodes_as_in_the_general_codec() -> None:
    plain = wpan.encode(wpan.data_frame(sequence_number=9, pan_id=0x1234, src_addr=bytes(range(8)),
                                        dst_addr=bytes(range(8, 16)), payload=bytes(range(20))))  # fmt: skip
    ack = wpan.encode(wpan.ack(sequence_number=200))
    assert _decode_common(plain) is not None and _decode_common(ack) is not None
    for octets, header in ((plain, 21), (ack, 3)):
        body = octets[:-2]
        damaged = [body[:cut] for cut in range(len(body))]
        for position in range(header):
            for bit in range(8):
                flipped = bytearray(body)
                flipped[position] ^= 1 << bit
                damaged.append(bytes(flipped))
        for candidate in damaged:
            _assert_paths_agree(candidate + compute_fcs(candidate))
            _assert_paths_agree(candidate + octets[-2:])
