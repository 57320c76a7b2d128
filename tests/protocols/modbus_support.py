"""What the Modbus tests share: a CRC written out from the standard, RTU frames, a register block."""

from __future__ import annotations

UNIT = 1


def modbus_crc(data: bytes) -> bytes:
    """CRC-16/MODBUS written out from Modbus over Serial Line V1.02 §6.2.2, low octet first."""
    crc = 0xFFFF
    for octet in data:
        crc ^= octet
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def rtu(text: str) -> bytes:
    """An RTU frame from hex without its CRC, the CRC appended."""
    body = h(text)
    return body + modbus_crc(body)


# The registers of a meter with the values of tests/twin/home/test_modbus_meter.py's FakeMeter:
# revision 1, status CLOCK_NOT_SET, import 123 456 789 = 075B CD15, export 987 654 = 000F 1206,
# 2026-03-01 12:34:56, device ID "JP-M-0001" (9 octets).
BLOCK = (
    "0001 0001 075B CD15 000F 1206 07EA 0003 0001 000C 0022 0038 0009 4A50 2D4D 2D30 3030 3100" + " 0000" * 11
)
