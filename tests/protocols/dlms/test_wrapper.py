"""The IEC 62056-47 UDP wrapper."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import DlmsError
from conformance.protocols.errors import BenchUsageError
from tests.protocols.dlms.support import h

# --- Wrapper (IEC 62056-47) -----------------------------------------------------------------


def test_wrapper_vector() -> None:
    # dlms-cosem tests/test_udp_message.py: version 0001, source wPort 0001, destination 0001,
    # length 0046 = 70 octets of APDU.
    apdu = bytes(range(70))
    wire = h("0001 0001 0001 0046") + apdu
    assert dlms.wrap(apdu) == wire
    assert dlms.unwrap(wire) == dlms.Wrapped(source_wport=1, destination_wport=1, apdu=apdu)


def test_wrapper_ports() -> None:
    wire = dlms.wrap(b"\x0f", source_wport=0x0102, destination_wport=16)
    assert wire == h("0001 0102 0010 0001 0f")
    assert dlms.unwrap(wire) == dlms.Wrapped(source_wport=0x0102, destination_wport=16, apdu=b"\x0f")


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ("", "shorter than its 8-octet header"),
        ("0001 0001 0001 00", "shorter than its 8-octet header"),
        ("0002 0001 0001 0001 0f", "version 0x0002"),
        ("0000 0001 0001 0000", "version 0x0000"),
        ("0001 0001 0001 0002 0f", "length field 2, but 1 octets follow"),
        ("0001 0001 0001 0000 0f", "length field 0, but 1 octets follow"),
    ],
)
def test_unwrap_rejects(wire: str, message: str) -> None:
    with pytest.raises(DlmsError, match=message):
        dlms.unwrap(h(wire))


@pytest.mark.parametrize(
    "kwargs", [{"source_wport": -1}, {"destination_wport": 0x10000}, {"apdu": b"\x00" * 0x10000}]
)
def test_wrap_rejects_bench_misuse(kwargs: dict) -> None:
    arguments = {"apdu": b"\xc0"} | kwargs
    apdu = arguments.pop("apdu")
    with pytest.raises(BenchUsageError):
        dlms.wrap(apdu, **arguments)


@given(st.binary(max_size=30).map(lambda tail: h("0001 0001 0001") + struct.pack(">H", len(tail)) + tail))
def test_unwrap_accepts_every_matching_length(wire: bytes) -> None:
    assert dlms.wrap(dlms.unwrap(wire).apdu) == wire
