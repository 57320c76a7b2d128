"""The COSEM date-time (IEC 62056-6-2 section 4.1.6.1): 12 octets, as the clock keeps time.

year(2) month day day-of-week hour minute second hundredths deviation(2, signed)
clock-status. Encoding is canonical (day of week not specified, hundredths from the
microseconds, deviation from the UTC offset) and goes through dlms-cosem's encoder; the
parser is written here, since dlms-cosem's turns deviation 0 into a naive datetime and
crashes on unspecified fields. A date-time that names no point in time (a wildcard, an
unspecified deviation with no zone assumed) is a ``DlmsError``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from enum import IntFlag
from typing import Final

from dlms_cosem import time as _time

from conformance.protocols.dlms.axdr import Data, DataType, DlmsError, _expect, octet_string
from conformance.protocols.errors import BenchUsageError


class ClockStatus(IntFlag):
    """The clock_status octet of a date-time."""

    INVALID_VALUE = 0x01
    DOUBTFUL_VALUE = 0x02
    DIFFERENT_CLOCK_BASE = 0x04
    INVALID_CLOCK_STATUS = 0x08
    DAYLIGHT_SAVING_ACTIVE = 0x80


DATE_TIME_LENGTH: Final = 12
DEVIATION_NOT_SPECIFIED: Final = -0x8000  # 0x8000 read as the signed long it is
_MAX_DEVIATION: Final = 720
JST: Final = timezone(timedelta(hours=9), "JST")  # deviation -540 on the wire


def _deviation(dt: datetime) -> int:
    """The date-time deviation of ``dt``: minutes from local time to UTC, so UTC+9 is -540.

    That is the Blue Book's sign (4.1.6.1, "deviation of local time to UTC"), the one IDIS and
    dlms-cosem use (UTC+01:00 is -60); some national companion specifications use the opposite.
    """
    if not isinstance(dt, datetime) or dt.utcoffset() is None:
        raise BenchUsageError(f"a COSEM date-time needs an aware datetime, not {dt!r}")
    offset = dt.utcoffset()
    if offset % timedelta(minutes=1):
        raise BenchUsageError(f"UTC offset {offset} is not a whole number of minutes")
    deviation = -int(offset / timedelta(minutes=1))
    if abs(deviation) > _MAX_DEVIATION:
        raise BenchUsageError(f"UTC offset {offset} is beyond the deviation range of ±720 minutes")
    return deviation


def cosem_datetime(dt: datetime, *, clock_status: ClockStatus | None = None) -> bytes:
    """The 12 date-time octets of an aware datetime.

    Canonical form: day of week not specified (0xFF), hundredths from the microseconds (finer
    resolution is truncated), deviation from the UTC offset, clock status 0 unless given.
    """
    _deviation(dt)
    status = ClockStatus(0) if clock_status is None else ClockStatus(clock_status)
    if not 0 <= status <= 0xFF:
        raise BenchUsageError(f"clock status {status!r} does not fit one octet")
    return _time.datetime_to_bytes(dt)[:11] + bytes([status])


def parse_cosem_datetime(octets: bytes, *, unspecified_deviation: tzinfo | None = None) -> datetime:
    """The aware datetime the 12 octets name (own parser, see the module docstring).

    A day of week (1 = Monday) must agree with the date; 0xFF hundredths read as 0. The
    deviation is taken as the whole UTC offset, daylight saving included; the clock status is
    not interpreted (``parse_clock_status`` reads it).

    Args:
        octets: year (2), month, day, day of week, hour, minute, second, hundredths,
            deviation (2, signed), clock status.
        unspecified_deviation: the zone to assume when the deviation is 0x8000; without it
            such a date-time is an error, since it names no point in time.

    Raises:
        DlmsError: not 12 octets, a field out of range or not specified, or an impossible date.
    """
    octets = bytes(octets)
    if len(octets) != DATE_TIME_LENGTH:
        raise DlmsError(f"a date-time has 12 octets, not {len(octets)}")
    year = int.from_bytes(octets[0:2], "big")
    month, day, weekday, hour, minute, second, hundredths = octets[2:9]
    deviation = int.from_bytes(octets[9:11], "big", signed=True)
    for name, value, top in (
        ("year", year, 0xFFFE),
        ("month", month, 12),
        ("day of month", day, 31),
        ("hour", hour, 23),
        ("minute", minute, 59),
        ("second", second, 59),
    ):
        if value == (0xFFFF if name == "year" else 0xFF):
            raise DlmsError(f"date-time {octets.hex()} leaves the {name} not specified: no point in time")
        if value > top:
            raise DlmsError(
                f"date-time {octets.hex()} has {name} {value:#x}: a wildcard or reserved, no value"
            )
    if hundredths == 0xFF:
        hundredths = 0
    elif hundredths > 99:
        raise DlmsError(f"date-time {octets.hex()} has hundredths {hundredths}")
    if deviation == DEVIATION_NOT_SPECIFIED:
        if unspecified_deviation is None:
            raise DlmsError(
                f"date-time {octets.hex()} has no deviation (0x8000): local time of no known zone"
            )
        zone = unspecified_deviation
    elif abs(deviation) > _MAX_DEVIATION:
        raise DlmsError(f"date-time {octets.hex()} has deviation {deviation}, beyond ±720 minutes")
    else:
        zone = timezone(timedelta(minutes=-deviation))
    try:
        result = datetime(year, month, day, hour, minute, second, hundredths * 10_000, tzinfo=zone)
    except ValueError as exc:
        raise DlmsError(f"date-time {octets.hex()} is no date: {exc}") from None
    if weekday != 0xFF and weekday != result.isoweekday():
        raise DlmsError(
            f"date-time {octets.hex()} says day of week {weekday}, the date is {result.isoweekday()}"
        )
    return result


def parse_clock_status(octets: bytes) -> ClockStatus | None:
    """The clock status of 12 date-time octets; None when it is 0xFF (not specified)."""
    if len(octets) != DATE_TIME_LENGTH:
        raise DlmsError(f"a date-time has 12 octets, not {len(octets)}")
    return None if octets[-1] == 0xFF else ClockStatus(octets[-1])


def date_time_data(dt: datetime, *, clock_status: ClockStatus | None = None) -> Data:
    """A date-time as the octet-string(12) of the clock's time attribute (IEC 62056-6-2 4.5.1)."""
    return octet_string(cosem_datetime(dt, clock_status=clock_status))


def as_datetime(data: Data, *, unspecified_deviation: tzinfo | None = None, what: str = "value") -> datetime:
    """The point in time of an octet-string(12) or date-time Data (see ``parse_cosem_datetime``)."""
    _expect(data, {DataType.OCTET_STRING, DataType.DATE_TIME}, what)
    try:
        return parse_cosem_datetime(data.value, unspecified_deviation=unspecified_deviation)
    except DlmsError as exc:
        raise DlmsError(f"{what}: {exc}") from None
