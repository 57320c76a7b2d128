"""Faulty terminal twins that only the monitors catch (conformance/observe/monitors).

Each breaks a whole-run invariant in a way no scenario's own steps notice: the smart meter
drops a plaintext upload and the HES's completion fills the gap; the HES reads a value
whatever port it came from; a frame that does not decode is logged and completed; a stamp
nobody checks. Each is caught in the detection matrix by its monitor, under the monitor's
requirement, in the scenarios of that requirement (``features/link_security/
whole_run.feature`` carries days of metering and a power cycle for them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance.protocols import dlms
from conformance.twin.faults import Fault
from conformance.twin.meter.smart_meter import DLMS_PORT
from conformance.twin.terminal.metering import VALUES_PER_UPLOAD, MeteringApp
from conformance.twin.terminal.reference import ReferenceTerminal

PLAINTEXT_ONE_IN = 100  # the upload that goes out in the clear, one in this many
UNDECLARED_PORT = 4060


class ResetsFrameCounterAtPowerOn(ReferenceTerminal):
    """Keeps its frame counter in RAM only: every power-on starts again at 0 under the same
    group key, reusing CCM* nonces (the reference before issue 11). The smart meter's replay
    check drops its frames until the counter passes the old one; nothing else notices."""

    def _link_arguments(self) -> dict[str, Any]:
        return {**super()._link_arguments(), "frame_counter_store": None}


class PlaintextOneUploadInAHundred(ReferenceTerminal):
    """Sends one DLMS/COSEM message in a hundred without link security (a race between its
    application and its key installation, say). The smart meter drops it; the HES asks for
    the missing value and gets it: only the air shows the lapse."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sent = 0
        self._phase = self._rng.randrange(PLAINTEXT_ONE_IN)  # which one of each hundred, by seed

    def _send_dlms(self, apdu: bytes) -> None:
        if self.state != "joined":
            return
        self._sent += 1
        if self._sent % PLAINTEXT_ONE_IN != self._phase:
            super()._send_dlms(apdu)
            return
        assert self.link is not None and self.meter is not None
        key_index, self.link.tx_key_index = self.link.tx_key_index, None
        try:
            self.send_udp(DLMS_PORT, DLMS_PORT, apdu)
        finally:
            self.link.tx_key_index = key_index


class SendsFromUndeclaredPort(ReferenceTerminal):
    """Its DLMS/COSEM client sends from UDP 4060, a port its declaration does not list (an
    ephemeral client socket); it still listens on 4059, so every answer arrives."""

    def _send_dlms(self, apdu: bytes) -> None:
        if self.state == "joined":
            self.send_udp(UNDECLARED_PORT, DLMS_PORT, apdu)


class _UnwrappedEveryFiftieth(MeteringApp):
    def send_apdu(self, apdu: dlms.Apdu) -> None:
        self._apdus = getattr(self, "_apdus", 0) + 1
        if self._apdus % 50 == 0:
            self._send_dlms(dlms.encode(apdu))  # the IEC 62056-47 wrapper forgotten
        else:
            super().send_apdu(apdu)


class ForgetsDlmsWrapper(ReferenceTerminal):
    """Every fiftieth DLMS/COSEM message goes out without its IEC 62056-47 wrapper header;
    the HES cannot read it, asks for the values again and gets them."""

    metering_class = _UnwrappedEveryFiftieth


class _StampsPeriodEnd(MeteringApp):
    def upload(self, after: int) -> None:
        entries = self.store.since(after)
        if not entries or not self.online or self.meter_id is None:
            return
        ahead = timedelta(seconds=self.settings.granularity_s)
        for first in range(0, len(entries), VALUES_PER_UPLOAD):
            chunk = tuple(entries[first : first + VALUES_PER_UPLOAD])
            report = dlms.MeterReport(meter_id=self.meter_id, entries=chunk, **self.scaler_unit())
            self._upload_id = (self._upload_id + 1) % 0x1000000
            notification = dlms.DataNotification(
                invoke_id=self._upload_id, date_time=self.now() + ahead, body=dlms.report_body(report)
            )
            self.send_apdu(notification)


class StampsUploadsAhead(ReferenceTerminal):
    """Dates each upload at the end of the period it opens, a granularity ahead of its own
    (correct) clock: the values' capture times are right, the notification's time lies in
    the future."""

    metering_class = _StampsPeriodEnd


class KeepsKeyAfterSessionEnd(ReferenceTerminal):
    """Does not clear its link keys when its session ends: its rejoin attempts (PCI and the
    PANA messages after it) go out secured under the group key the network withdrew."""

    def _drop_session(self) -> None:
        keys, tx_key_index = (dict(self.link.keys), self.link.tx_key_index) if self.link else ({}, None)
        super()._drop_session()
        if self.link is not None:
            self.link.keys.update(keys)
            self.link.tx_key_index = tx_key_index


FAULTS = (
    Fault(
        "counter-reset-at-power-on",
        "restarts its frame counter at 0 on every power-on (CCM* nonce reuse)",
        ("NAT-3.1-R3",),
        ResetsFrameCounterAtPowerOn,
    ),
    Fault(
        "plaintext-upload-1-in-100",
        "sends one DLMS/COSEM message in a hundred in the clear",
        ("NAT-3.1-R3",),
        PlaintextOneUploadInAHundred,
    ),
    Fault(
        "undeclared-source-port",
        "sends its DLMS/COSEM from UDP 4060, which it does not declare",
        ("NAT-3.1-T2",),
        SendsFromUndeclaredPort,
    ),
    Fault(
        "unwrapped-dlms",
        "every fiftieth DLMS/COSEM message lacks its IEC 62056-47 wrapper",
        ("NAT-2.2",),
        ForgetsDlmsWrapper,
    ),
    Fault(
        "uploads-stamped-ahead",
        "dates its uploads a granularity ahead of its clock",
        ("NAT-2.5-TIME",),
        StampsUploadsAhead,
    ),
    Fault(
        "keeps-key-after-cut",
        "rejoins secured under the group key the network withdrew",
        ("NAT-3.4-CUT",),
        KeepsKeyAfterSessionEnd,
    ),
)
