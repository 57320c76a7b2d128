"""IEEE 802.15.4 Information Elements: the Pairing ID IE, vendor OUIs, termination IEs (7.4)."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.protocols import wpan
from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.wpan import HeaderIE, PayloadIE, compute_fcs, decode, encode
from tests.protocols.wpan.support import METER, TERMINAL

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


@pytest.mark.parametrize("bad", [HeaderIE, PayloadIE])
def test_terminations_belong_to_the_codec(bad: type) -> None:
    with pytest.raises(BenchUsageError):
        if bad is HeaderIE:
            HeaderIE(element_id=0x7E)
        else:
            PayloadIE(group_id=0xF)
