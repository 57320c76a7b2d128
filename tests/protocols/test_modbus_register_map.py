"""The bench's Modbus register map: the terminal's requests, parsing the meter's answers, the
document beside the codec, and properties. The CRC oracle is written out from the standard."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymodbus.framer import FramerRTU

from conformance.protocols import modbus_register_map
from conformance.protocols.errors import DecodeError, ProtocolError
from conformance.protocols.modbus_register_map import (
    CLOCK,
    READING_BLOCK,
    REGISTER_MAP,
    MeterStatus,
    ModbusExceptionReply,
    ModbusReading,
    encode_registers,
    parse_reading,
    parse_set_clock_response,
    read_request,
    reading_from_registers,
    set_clock_request,
)
from tests.protocols.modbus_support import BLOCK, UNIT, h, modbus_crc, rtu

# --------------------------------------------------------------------------- CRC and requests


@pytest.mark.parametrize(
    "frame",
    [
        # Read one holding register at 0 from unit 1, and the worked example of the
        # Application Protocol's §6.3 (read 3 registers at 0x006B) sent to unit 0x11.
        "01 03 00 00 00 01 84 0A",
        "11 03 00 6B 00 03 76 87",
    ],
)
def test_crc_agrees_with_published_frames(frame: str) -> None:
    octets = h(frame)
    assert modbus_crc(octets[:-2]) == octets[-2:]
    assert FramerRTU.compute_CRC(octets[:-2]).to_bytes(2, "big") == octets[-2:]


def test_read_request_reads_the_whole_block() -> None:
    assert READING_BLOCK.address == 0 and READING_BLOCK.length == 29
    assert read_request(1) == rtu("01 03 0000 001D") == h("01 03 00 00 00 1d 85 c3")
    assert read_request(0x11, function_code=4) == rtu("11 04 0000 001D")


def test_set_clock_request_writes_the_six_clock_registers() -> None:
    frame = set_clock_request(1, datetime(2026, 3, 1, 12, 0, 5, 999_999))
    assert frame == rtu("01 10 0006 0006 0C 07EA 0003 0001 000C 0000 0005")
    assert set_clock_request(0, datetime(2030, 12, 31, 23, 59, 59)) == rtu(
        "00 10 0006 0006 0C 07EE 000C 001F 0017 003B 003B"
    )


# --------------------------------------------------------------------------- the terminal's decoder


def test_parse_reading_decodes_the_block() -> None:
    reading = parse_reading(rtu("01 03 3A" + BLOCK), unit=1)
    assert reading == ModbusReading(
        unit=1,
        status=MeterStatus.CLOCK_NOT_SET,
        device_id=b"JP-M-0001",
        import_wh=123_456_789,
        export_wh=987_654,
        meter_time=datetime(2026, 3, 1, 12, 34, 56),
    )
    assert parse_reading(rtu("01 04 3A" + BLOCK)) == reading


def _block_with(offset: int, registers: str) -> bytes:
    words = BLOCK.split()
    replacement = registers.split()
    words[offset : offset + len(replacement)] = replacement
    return rtu("01 03 3A" + " ".join(words))


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (rtu("02 03 3A" + BLOCK), "unit 2"),
        (rtu("01 03 3A" + BLOCK)[:-1] + b"\x00", "CRC"),
        (rtu("01 03 3A" + BLOCK)[:-3] + rtu("01 03 3A" + BLOCK)[-2:], "CRC"),
        (rtu("01 03 38" + BLOCK[:-5]), "byte count"),
        (rtu("01 03 3B" + BLOCK + " 00"), "byte count"),
        (rtu("01 10 0006 0006"), "does not answer a read"),
        (rtu("01 83 02 00"), "1 data octet"),
        (rtu("01 03"), "5..256"),
        (_block_with(0, "0002"), "revision 2"),
        (_block_with(2, "3B9A CA00"), "more than 9 digits"),
        (_block_with(4, "FFFF FFFF"), "more than 9 digits"),
        (_block_with(6, "07EA 000D"), "not a date"),
        (_block_with(9, "0018"), "not a date"),
        (_block_with(12, "0021"), "over 32"),
        (_block_with(28, "0001"), "must be 0x00"),
    ],
)
def test_parse_reading_rejects_what_is_not_a_reading(response: bytes, complaint: str) -> None:
    with pytest.raises(DecodeError, match=re.escape(complaint)):
        parse_reading(response, unit=UNIT)


@pytest.mark.parametrize(("code", "name"), [(1, "ILLEGAL_FUNCTION"), (2, "ILLEGAL_ADDRESS"), (0x42, "not a")])
def test_exception_response_raises_with_its_code(code: int, name: str) -> None:
    with pytest.raises(ModbusExceptionReply, match=name) as reply:
        parse_reading(rtu(f"01 83 {code:02X}"), unit=UNIT)
    assert isinstance(reply.value, ProtocolError)
    assert (reply.value.function_code, reply.value.exception_code) == (0x03, code)


def test_parse_set_clock_response_wants_the_exact_echo() -> None:
    parse_set_clock_response(rtu("07 10 0006 0006"), unit=7)
    for wrong in (rtu("07 10 0006 0005"), rtu("07 10 0002 0006"), rtu("07 03 0006 0006"), rtu("07 10 0006")):
        with pytest.raises(DecodeError):
            parse_set_clock_response(wrong, unit=7)
    with pytest.raises(DecodeError, match="unit 8"):
        parse_set_clock_response(rtu("08 10 0006 0006"), unit=7)


# --------------------------------------------------------------------------- the register map document


def test_document_table_matches_the_code() -> None:
    text = (Path(modbus_register_map.__file__).parent / "MODBUS_REGISTER_MAP.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:4] for line in text.splitlines() if line.startswith("| 0x")]
    documented = [(name.strip(), int(address, 16), int(length)) for address, length, name in rows]
    assert documented == [(entry.name, entry.address, entry.length) for entry in REGISTER_MAP]
    assert f"`0x0000`..`0x{READING_BLOCK.end - 1:04X}` ({READING_BLOCK.length} registers" in text
    writable = [line for line in text.splitlines() if line.startswith("| 0x") and "W (16" in line]
    assert [line.split("|")[3].strip() for line in writable] == [CLOCK.name]


# --------------------------------------------------------------------------- properties


@given(
    status=st.sampled_from(list(MeterStatus)),
    import_wh=st.integers(0, 999_999_999),
    export_wh=st.integers(0, 999_999_999),
    device_id=st.binary(max_size=32),
    clock=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59)),
)
def test_encode_registers_and_reading_from_registers_are_inverse(
    status: MeterStatus, import_wh: int, export_wh: int, device_id: bytes, clock: datetime
) -> None:
    clock = clock.replace(microsecond=0)  # the map holds whole seconds
    registers = encode_registers(
        status=status, import_wh=import_wh, export_wh=export_wh, meter_time=clock, device_id=device_id
    )
    assert len(registers) == READING_BLOCK.length
    assert reading_from_registers(registers, unit=UNIT) == ModbusReading(
        unit=UNIT,
        status=status,
        device_id=device_id,
        import_wh=import_wh,
        export_wh=export_wh,
        meter_time=clock,
    )


@given(st.binary(max_size=300))
def test_parse_reading_raises_only_protocol_errors(octets: bytes) -> None:
    for frame in (octets, octets + modbus_crc(octets)):
        with contextlib.suppress(ProtocolError):
            parse_reading(frame, unit=UNIT)
        with contextlib.suppress(ProtocolError):
            parse_set_clock_response(frame)


@given(st.lists(st.integers(0, 0xFFFF), min_size=29, max_size=29))
def test_random_registers_decode_or_raise_a_protocol_error(registers: list[int]) -> None:
    registers[0] = 1  # past the revision check, so the fields themselves are exercised
    with contextlib.suppress(ProtocolError):
        reading_from_registers(registers, unit=UNIT)
    frame = rtu("01 03 3A" + "".join(f"{value:04X}" for value in registers))
    with contextlib.suppress(ProtocolError):
        parse_reading(frame, unit=UNIT)
