"""Property maps as the terminal answers them, and the writes built from them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.ics import load_declaration
from conformance.protocols import echonet
from conformance.protocols.errors import DecodeError
from conformance.stimulus.property_maps import (
    exposed,
    map_requests,
    property_map_epcs,
    writes_to_every_property,
)
from conformance.twin.home.metering_device import property_map

WHITELIST = load_declaration().home_side.echonet_whitelist


def test_a_short_map_lists_its_epcs() -> None:
    assert property_map_epcs(bytes([3, 0x80, 0x9F, 0x81])) == [0x80, 0x81, 0x9F]
    assert property_map_epcs(property_map((0x80, 0xD5))) == [0x80, 0xD5]


def test_a_map_of_16_or_more_is_a_bitmap_octet_by_low_nibble_bit_by_high_nibble() -> None:
    # Part II Appendix 1: octet 1 bit 0 is 0x80, octet 1 bit 7 is 0xF0, octet 16 bit 0 is 0x8F.
    bitmap = bytearray(16)
    for epc in (0x80, 0xF0, 0x8F, *range(0xE0, 0xED)):
        bitmap[epc & 0x0F] |= 1 << ((epc >> 4) - 8)
    assert property_map_epcs(bytes([16]) + bytes(bitmap)) == sorted({0x80, 0xF0, 0x8F, *range(0xE0, 0xED)})


@pytest.mark.parametrize(
    "edt", [b"", bytes([2, 0x80]), bytes([16]) + bytes(15), bytes([3, 0x81, 0x81, 0x88])]
)
def test_a_map_of_the_wrong_length_is_a_decode_error(edt: bytes) -> None:
    with pytest.raises(DecodeError):
        property_map_epcs(edt)


@given(st.binary(max_size=20))
def test_random_octets_decode_or_raise_a_decode_error(edt: bytes) -> None:
    try:
        epcs = property_map_epcs(edt)
    except DecodeError:
        return
    assert all(0 <= e <= 0xFF for e in epcs)


def test_the_maps_of_every_whitelisted_object_are_asked_for() -> None:
    frames = [echonet.decode(f) for f in map_requests(WHITELIST)]
    assert [str(f.deoj) for f in frames] == [
        str(echonet.Eoj.from_bytes(bytes.fromhex(e.object))) for e in WHITELIST
    ]
    assert all([p.epc for p in f.properties] == [0x9D, 0x9E, 0x9F] for f in frames)


def test_what_the_maps_name_beyond_the_declaration_is_written_too() -> None:
    node = echonet.NODE_PROFILE
    answer = echonet.Frame(
        tid=1,
        seoj=node,
        deoj=echonet.CONTROLLER,
        esv=echonet.Esv.GET_RES,
        properties=(echonet.Property(epc=0x9F, edt=property_map((0x80, 0xBF))),),
    )
    found = exposed(WHITELIST, [answer])
    assert 0xBF in found[node] and 0xD6 in found[node]  # the map's and the declaration's
    frames = [echonet.decode(f) for f in writes_to_every_property({node: [0xBF]})]
    get, setc, seti, setget = echonet.Esv.GET, echonet.Esv.SETC, echonet.Esv.SETI, echonet.Esv.SETGET
    assert [f.esv for f in frames] == [get, setc, get, seti, get, setget]
    assert frames[-1].get_properties == (echonet.Property(epc=0xBF),)
