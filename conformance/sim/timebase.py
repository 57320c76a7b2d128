"""The SM system's clock in the twin: virtual time 0 is a fixed instant of Japan time.

Metering values are taken at wall-clock instants (「00分、30分毎」, NAT seed 2-5), so the
twin maps its virtual seconds onto a calendar. The origin lies ten minutes before a
full hour, so a terminal powered on at t=0 has joined before its first :00 value is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")
SM_EPOCH = datetime(2026, 4, 1, 8, 50, tzinfo=JST)
SM_EPOCH_POSIX = int(SM_EPOCH.timestamp())


def sm_datetime(virtual_s: float) -> datetime:
    """The SM system's calendar time at virtual second ``virtual_s``."""
    return SM_EPOCH + timedelta(seconds=virtual_s)


def sm_posix(virtual_s: float) -> float:
    return SM_EPOCH_POSIX + virtual_s


def virtual_at(when: datetime) -> float:
    """The virtual second at which the SM system's clock reads ``when``."""
    return (when - SM_EPOCH).total_seconds()
