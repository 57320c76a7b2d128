"""NAT-2.5-TIME 「電力SMシステムと時刻同期」: nothing the terminal stamps is ahead of the SM
system's clock when it arrives.

A value's capture time, an upload's own time and an event's time come from the terminal's
clock. Synchronised with the SM system (the bench's clock), none of them can lie in the
future when the HES receives it; the bench allows the clock error it allows everywhere
(``measurements.CLOCK_ERROR``, one minute).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from conformance.measurements import CLOCK_ERROR
from conformance.observe.hes_events import EventReported, UploadReceived
from conformance.observe.monitors.core import Monitor, Outcome, Violation, Watched

ALLOWED_AHEAD_S = CLOCK_ERROR.high or 60.0


class NoFutureTimestamps(Monitor):
    id = "timestamps"
    requirement = "NAT-2.5-TIME"
    title = "no timestamp of the terminal's is ahead of the SM system's clock"

    def judge(self, watched: Watched) -> Outcome:
        hes = watched.hes
        if hes is None:
            return self.not_applicable(f"the {watched.profile} profile has no HES to receive timestamps")
        # The SM system's clock runs with the bench's: its reading at any event follows from now.
        offset = hes.sm_time().timestamp() - watched.now
        uploads = hes.events.of(UploadReceived)
        reports = hes.events.of(EventReported)
        violations = sorted(
            [*self._uploads(uploads, offset), *self._reports(reports, offset)], key=lambda v: v.time
        )
        return self.outcome(f"{len(uploads)} uploads and {len(reports)} event reports at the HES", violations)

    @staticmethod
    def _ahead(stamp: float, received: float, offset: float) -> float | None:
        ahead = stamp - (received + offset)
        return ahead if ahead > ALLOWED_AHEAD_S else None

    def _uploads(self, uploads: list[UploadReceived], offset: float) -> Iterator[Violation]:
        for upload in uploads:
            if upload.terminal_time is not None:
                ahead = self._ahead(upload.terminal_time.timestamp(), upload.time, offset)
                if ahead is not None:
                    yield Violation(
                        time=upload.time,
                        what=f"an upload stamped {_shown(upload.terminal_time)}, {ahead:.0f} s ahead of the "
                        "SM system's clock when the HES received it",
                    )
            for value in (*upload.values, *upload.refused):
                ahead = self._ahead(value.capture_time, upload.time, offset)
                if ahead is not None:
                    yield Violation(
                        time=upload.time,
                        what=f"a value captured at POSIX {value.capture_time} arrived {ahead:.0f} s before "
                        "that time by the SM system's clock",
                    )

    def _reports(self, reports: list[EventReported], offset: float) -> Iterator[Violation]:
        for report in reports:
            ahead = self._ahead(report.terminal_time.timestamp(), report.time, offset)
            if ahead is not None:
                yield Violation(
                    time=report.time,
                    what=f"event {report.event_kind!r} stamped {_shown(report.terminal_time)}, {ahead:.0f} s "
                    "ahead of the SM system's clock when the HES received it",
                )


def _shown(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
