"""NAT-3.1-T3 「無線端末は特例計量器等のIDを取得し、電力SMシステムで誤接続を検知」: every
upload the HES receives names the metering device its values come from.

The swapped-meter scenario checks that a new ID reaches the HES; this monitor watches every
scenario for an upload that names no meter at all (an empty 0xD1), whose values the SM system
cannot check against the registration, so a wrong connection would go unseen.
"""

from __future__ import annotations

from conformance.observe.hes_events import UploadReceived
from conformance.observe.monitors.core import Monitor, Outcome, Violation, Watched


class UploadsNameTheirMeter(Monitor):
    id = "meter-identity"
    requirement = "NAT-3.1-T3"
    title = "every upload names its metering device (0xD1)"

    def judge(self, watched: Watched) -> Outcome:
        hes = watched.hes
        if hes is None:
            return self.not_applicable(f"the {watched.profile} profile has no HES to receive uploads")
        uploads = hes.events.of(UploadReceived)
        violations = [
            Violation(
                time=u.time,
                what=f"an upload of {len(u.values) + len(u.refused)} values with an empty metering device ID "
                "(0xD1): the SM system cannot tell which meter they come from",
            )
            for u in uploads
            if not u.meter_id
        ]
        return self.outcome(f"{len(uploads)} uploads at the HES", violations)
