"""Faulty terminal twins of the operations features (features/operations/): logs,
firmware update, disconnection and reconnection, the LED.

Each is the reference with one function or one policy changed, the way real terminals
get these wrong; each names the requirements it breaks, and the detection matrix demands
that their scenarios fail against it (DESIGN.md rule 4).
"""

from __future__ import annotations

from datetime import timedelta

from conformance.protocols import firmware_image
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.firmware_image import FirmwareHeader, ImageRefused, Refusal
from conformance.twin.faults import Fault
from conformance.twin.terminal.functions import replace_function
from conformance.twin.terminal.functions.firmware import REBOOT_AFTER_S, FirmwareFunction
from conformance.twin.terminal.functions.led import CONNECTED, LedFunction
from conformance.twin.terminal.functions.logs import Entry, LogsFunction, TerminalLog
from conformance.twin.terminal.metering import MeteringApp
from conformance.twin.terminal.reference import ReferenceTerminal

# -- logs (NAT-3.1-T5, NAT-3.2-LOG) -------------------------------------------------------


class VolatileLogs(LogsFunction):
    """Keeps its logs in RAM: a power cycle empties them."""

    def powered_off(self) -> None:
        for log in self.logs.values():
            log.clear()


class SmallLogs(LogsFunction):
    """Declares 1000 entries, has room for 100."""

    def capacity(self, declared: int) -> int:
        return min(declared, 100)


class _FullStopLog(TerminalLog):
    """Stops writing when full instead of dropping the oldest entry."""

    def __init__(self, capacity: int, retention: timedelta) -> None:
        super().__init__(capacity, retention)
        self._capacity = capacity

    def add(self, entry: Entry) -> None:
        if len(self.entries(entry.time)) < self._capacity:
            super().add(entry)


class StopsLoggingWhenFull(LogsFunction):
    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        declared = terminal.config.declaration.logs
        retention = timedelta(days=declared.retention_days)
        self.logs = {
            "access": _FullStopLog(declared.access_log_entries, retention),
            "event": _FullStopLog(declared.event_log_entries, retention),
        }


class ShortRetention(LogsFunction):
    """Purges entries after 30 days, whatever it declares."""

    def retention_days(self, declared: int) -> int:
        return min(declared, 30)


class OmitsAuthenticationFailures(LogsFunction):
    """Logs successful authentications only: the failed attempts of an intruder leave no trace."""

    def authentication_failed(self, meter: bytes, reason: str) -> None:
        return None


class DropsFailuresWhenFull(LogsFunction):
    """Makes room in a full access log for maintenance entries but not for authentication
    failures: once the log is full, a brute-force attempt leaves no trace."""

    def authentication_failed(self, meter: bytes, reason: str) -> None:
        capacity = self.capacity(self.terminal.config.declaration.logs.access_log_entries)
        if len(self.logs["access"].entries(self.terminal.metering.now())) < capacity:
            super().authentication_failed(meter, reason)


class OmitsSmSettings(LogsFunction):
    """Logs what a handy terminal changes, not what the SM system changes."""

    def setting_changed(self, name: str, source: str) -> None:
        if source != "SM system":
            super().setting_changed(name, source)


class OmitsMeterChange(LogsFunction):
    """Logs the metering device it first reads and never notices another."""

    def meter_identity(self, meter_id: bytes) -> None:
        if self._meter_id is None:
            super().meter_identity(meter_id)


class OmitsReportedEvents(LogsFunction):
    """Logs only what it sees itself: nothing the firmware update or the DoS detector reports."""

    def event_reported(self, kind: str, detail: str) -> None:
        return None


# -- firmware update (NAT-3.1-T6) ---------------------------------------------------------


class AcceptsUnsignedFirmware(FirmwareFunction):
    """Checks the signature of a signed image, and installs an unsigned one as it is."""

    def check(self, data: bytes) -> FirmwareHeader:
        image = firmware_image.parse(data)
        if image.signature is None:
            return image.header
        return super().check(data)


class AcceptsDowngrade(FirmwareFunction):
    """Installs any correctly signed image, older or the same as what runs."""

    def check(self, data: bytes) -> FirmwareHeader:
        return firmware_image.check(
            data, public_key=self.public_key, vendor=self.vendor, model=self.model, installed="0"
        )


class SkipsImageVerification(FirmwareFunction):
    """Reads the manifest and believes it: no signature, no digest check."""

    def check(self, data: bytes) -> FirmwareHeader:
        header = firmware_image.parse(data).header
        if header.model != self.model:
            raise ImageRefused(Refusal.WRONG_MODEL, f"image for {header.model!r}")
        if firmware_image.version_key(header.version) <= firmware_image.version_key(self.version):
            raise ImageRefused(Refusal.NOT_NEWER, f"version {header.version}")
        return header


class SilentFirmwareRefusal(FirmwareFunction):
    """Refuses what it must, and leaves no trace of the attempt."""

    def log_refusal(self, refused: ImageRefused) -> None:
        return None


class NeverBackAfterUpdate(FirmwareFunction):
    """Installs the image and never boots again (a bricked update)."""

    def reboot(self) -> None:
        self.terminal.restart(after_s=REBOOT_AFTER_S, down_s=10 * 365 * 86400.0)


# -- disconnection and reconnection (NAT-3.4-CUT, THK-14-CUT, THK-14-REPORT) -------------


class TalksInPlaintextAfterCut(ReferenceTerminal):
    """When the SM system ends its session it drops its keys, and keeps uploading in the clear."""

    def _drop_session(self) -> None:
        super()._drop_session()
        self.metering.online = True

    def _send_dlms(self, apdu: bytes) -> None:
        if self.state == "joined":
            super()._send_dlms(apdu)
        elif self.meter is not None and self.link is not None:
            self.send_udp(DLMS_PORT, DLMS_PORT, apdu)  # no key installed: plaintext


class TalksWithOldKeyAfterCut(TalksInPlaintextAfterCut):
    """Keeps the group key of the session the SM system ended, and keeps uploading with it."""

    def _drop_session(self) -> None:
        keys = dict(self.link.keys) if self.link is not None else {}
        index = self.link.tx_key_index if self.link is not None else None
        super()._drop_session()
        if self.link is not None and index is not None:
            self.link.keys.update(keys)
            self.link.tx_key_index = index


class GivesUpAfterCut(ReferenceTerminal):
    """After its first refused authentication it stops trying for good."""

    def on_authentication_failed(self, reason: str) -> None:
        self._drop_session()
        self.state = "given up"


class HammersAfterCut(ReferenceTerminal):
    """Retries a refusing meter every 20 s, for as long as it is refused: 180 attempts an
    hour, two and a half times the bench's bound."""

    def on_authentication_failed(self, reason: str) -> None:
        self._drop_session()
        self.state = "authenticating"
        self._later(20.0, self.start_pana)


class _ForgetsOffline(MeteringApp):
    def take_value(self, slot: int, device_id: bytes, imported: int, exported: int) -> None:
        if self.online:  # off the network it reads the meter and keeps nothing
            super().take_value(slot, device_id, imported, exported)


class ForgetsValuesWhileCut(ReferenceTerminal):
    """Stores values only while it is on the network: the cut period is lost."""

    metering_class = _ForgetsOffline


class ShowsMacAsTerminalId(ReferenceTerminal):
    """Shows its MAC address as the terminal ID on the maintenance port: an incident report
    built from it names a terminal the SM system does not know."""

    def maintenance_command(self, line: str) -> list[str]:
        if line.split() == ["SETTING?", "authentication_id"]:
            return [f"OK {self.config.address.hex().upper()}"]
        return super().maintenance_command(line)


# -- LED (NAT-2.5-LED, THK-8-LED) -----------------------------------------------------------


class AlwaysSteadyLed(LedFunction):
    """The LED is lit steadily from power-on, connected or not."""

    def shown(self) -> str:
        return CONNECTED


class LedStuckAfterSessionEnd(LedFunction):
    """The LED is not updated when the session ends: it shows connected until a power cycle."""

    def session_ended(self, reason: str) -> None:
        return None


def _logs(faulty: type[LogsFunction]) -> type[ReferenceTerminal]:
    return replace_function(ReferenceTerminal, LogsFunction, faulty)


def _firmware(faulty: type[FirmwareFunction]) -> type[ReferenceTerminal]:
    return replace_function(ReferenceTerminal, FirmwareFunction, faulty)


def _led(faulty: type[LedFunction]) -> type[ReferenceTerminal]:
    return replace_function(ReferenceTerminal, LedFunction, faulty)


LOGS = ("NAT-3.1-T5",)
CUT = ("NAT-3.4-CUT", "THK-14-CUT")
LED = ("NAT-2.5-LED", "THK-8-LED")

FAULTS = (
    Fault("volatile-logs", "loses its logs at a power cycle", LOGS, _logs(VolatileLogs)),
    Fault("small-logs", "keeps 100 log entries, declares 1000", ("NAT-3.2-LOG",), _logs(SmallLogs)),
    Fault(
        "log-stops-when-full",
        "stops logging when the log is full",
        ("NAT-3.2-LOG", "NAT-3.1-T5"),
        _logs(StopsLoggingWhenFull),
    ),
    Fault("short-log-retention", "purges log entries after 30 days", ("NAT-3.2-LOG",), _logs(ShortRetention)),
    Fault(
        "no-auth-failure-log",
        "logs no failed authentication",
        LOGS,
        _logs(OmitsAuthenticationFailures),
    ),
    Fault("no-sm-setting-log", "logs no setting the SM system changes", LOGS, _logs(OmitsSmSettings)),
    Fault(
        "drops-failures-when-full",
        "a full access log takes no more authentication failures",
        ("NAT-3.2-LOG", "NAT-3.1-T5"),
        _logs(DropsFailuresWhenFull),
    ),
    Fault("no-meter-change-log", "logs no change of metering device", LOGS, _logs(OmitsMeterChange)),
    Fault(
        "no-reported-event-log",
        "logs no firmware update or DoS detection",
        LOGS,
        _logs(OmitsReportedEvents),
    ),
    Fault(
        "accepts-unsigned-firmware",
        "installs an unsigned image",
        ("NAT-3.1-T6",),
        _firmware(AcceptsUnsignedFirmware),
    ),
    Fault(
        "accepts-firmware-downgrade",
        "installs an older or the same version",
        ("NAT-3.1-T6",),
        _firmware(AcceptsDowngrade),
    ),
    Fault(
        "accepts-tampered-firmware",
        "checks neither signature nor digest",
        ("NAT-3.1-T6",),
        _firmware(SkipsImageVerification),
    ),
    Fault(
        "silent-firmware-refusal",
        "refuses bad images without logging them",
        ("NAT-3.1-T6", "NAT-3.1-T5"),
        _firmware(SilentFirmwareRefusal),
    ),
    Fault(
        "bricked-by-update",
        "never boots again after an update",
        ("NAT-3.1-T6",),
        _firmware(NeverBackAfterUpdate),
    ),
    Fault("talks-after-cut", "keeps uploading in plaintext after the cut", CUT, TalksInPlaintextAfterCut),
    Fault(
        "old-key-after-cut",
        "keeps uploading with the old group key after the cut",
        CUT,
        TalksWithOldKeyAfterCut,
    ),
    Fault("gives-up-after-cut", "never retries once refused", CUT, GivesUpAfterCut),
    Fault("hammers-after-cut", "retries every 20 s while cut off", ("NAT-3.4-CUT",), HammersAfterCut),
    Fault("forgets-values-while-cut", "keeps no value while off the network", CUT, ForgetsValuesWhileCut),
    Fault(
        "mac-as-terminal-id",
        "shows its MAC address as the terminal ID",
        ("THK-14-REPORT",),
        ShowsMacAsTerminalId,
    ),
    Fault(
        "operator-id-undeclared",
        "declares no company ID for the incident report",
        ("THK-14-REPORT",),
        ReferenceTerminal,
        {"operator.company_id": ""},
    ),
    Fault("led-always-steady", "the LED is steady whatever the state", LED, _led(AlwaysSteadyLed)),
    Fault(
        "led-stuck-after-session-end",
        "the LED stays steady after the session ends",
        LED,
        _led(LedStuckAfterSessionEnd),
    ),
)
