"""The HES's memo of decoded APDUs gives what the codec gives, and only what it decoded."""

from __future__ import annotations

import pytest

from conformance.observe.decoded_apdus import DecodedApdus
from conformance.protocols import dlms
from conformance.protocols.errors import ProtocolError

# dlms-cosem tests/test_xdlms/test_data_notification.py: a Data-Notification, no date-time.
APDU = bytes.fromhex(
    "0f000001db0009" + "22" + "125a859136000000004900000011000000" + "0a5a8513d014800000000d0000000a0100"
)


def test_the_memo_decodes_as_the_codec_and_keeps_the_decoding():
    memo = DecodedApdus()
    wrapped = dlms.wrap(APDU)
    assert memo.decoded(wrapped) is None
    first = memo.decode(wrapped)
    assert first == dlms.decode(APDU)
    assert memo.decoded(wrapped) is first
    assert memo.decode(wrapped) is first


def test_octets_that_do_not_decode_raise_as_the_codec_does_and_are_not_kept():
    memo = DecodedApdus()
    wrapped = dlms.wrap(APDU[:-3])
    with pytest.raises(ProtocolError) as ours:
        memo.decode(wrapped)
    with pytest.raises(ProtocolError) as codec:
        dlms.decode(dlms.unwrap(wrapped).apdu)
    assert str(ours.value) == str(codec.value)
    assert memo.decoded(wrapped) is None


def test_the_memo_is_bounded_and_lets_the_oldest_go():
    memo = DecodedApdus(limit=2)
    octets = [dlms.wrap(APDU, source_wport=port) for port in (1, 2, 3)]
    for wrapped in octets:
        memo.decode(wrapped)
    assert memo.decoded(octets[0]) is None
    assert memo.decoded(octets[1]) is not None and memo.decoded(octets[2]) is not None
