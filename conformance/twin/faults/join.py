"""Faulty terminal twins of joining: Pairing ID, meter choice, authentication order and
retries (features/join/: NAT-2.1-A, NAT-2.3-A/B/C, NAT-3.1-R2, THK-7-JOIN, THK-13-AUTH)."""

from __future__ import annotations

from conformance.protocols import wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.sim.radio import CHANNELS
from conformance.twin.faults import Fault
from conformance.twin.terminal.reference import Candidate, ReferenceTerminal


class JoinsLate(ReferenceTerminal):
    """Boots for 95 s before it scans: authenticated well after the 90 s limit."""

    boot_time_s = 95.0


class OmitsPairingId(ReferenceTerminal):
    """Sends Enhanced Beacon Requests without the Pairing ID IE."""

    def beacon_request(self) -> wpan.Frame:
        request = super().beacon_request()
        return wpan.Frame(
            frame_type=request.frame_type,
            sequence_number=request.sequence_number,
            dst_pan=request.dst_pan,
            dst_addr=request.dst_addr,
            src_pan=request.src_pan,
            src_addr=request.src_addr,
            command_id=request.command_id,
        )


class PicksWeakestMeter(ReferenceTerminal):
    def rank_meters(self, candidates: list[Candidate]) -> list[Candidate]:
        return sorted(candidates, key=lambda c: c.rssi_dbm)


class AcceptsAnyBeacon(ReferenceTerminal):
    """Takes every Enhanced Beacon it hears, whatever Pairing ID the meter answers with."""

    def accepts_beacon(self, frame: wpan.Frame) -> bool:
        return True


class SkipsTheBandEdges(ReferenceTerminal):
    """Scans channels 34-59: its loop bounds leave out both edges of 33-60."""

    def _scan_channel(self, index: int) -> None:
        last = len(CHANNELS) - 1
        super()._scan_channel({0: 1, last: last + 1}.get(index, index))


class FallsBackToAnyMeter(ReferenceTerminal):
    """Keeps the beacons of other Pairing IDs aside and, when no meter of its own answered,
    tries those (a "best effort" join that 2-3 ① does not allow: only a meter whose Pairing
    ID matches answers, and only it is a candidate)."""

    def _on_beacon(self, frame: wpan.Frame, rssi_dbm: float, channel: int) -> None:
        super()._on_beacon(frame, rssi_dbm, channel)
        foreign = self.__dict__.setdefault("_foreign", {})
        usable = self.state == "scanning" and isinstance(frame.src_addr, bytes) and frame.src_pan is not None
        if usable and not self.accepts_beacon(frame):
            foreign[frame.src_addr] = Candidate(frame.src_addr, channel, frame.src_pan, rssi_dbm)

    def _scan_done(self) -> None:
        if not self._candidates:
            self._candidates = self.__dict__.pop("_foreign", {})
        super()._scan_done()


class UncappedRescanPause(ReferenceTerminal):
    """Doubles its pause after every empty scan with no cap (2, 4, 8 ... s): after an hour
    without a meter it sleeps for longer than any retry interval."""

    max_rescan_pause_s = float("inf")


class SendsDataBeforeAuthentication(ReferenceTerminal):
    """Pushes an application datagram to the meter before PANA has even started."""

    def start_pana(self) -> None:
        self.send_udp(DLMS_PORT, DLMS_PORT, b"\x0f\x00\x00\x00\x01\x00")
        super().start_pana()


class DelaysPana(ReferenceTerminal):
    """Waits 40 s after choosing a meter before starting PANA: still joins within 90 s,
    but not 「物理層接続後、速やかに」."""

    pana_start_delay_s = 40.0


class HammersFullMeter(ReferenceTerminal):
    """Retries a refusing meter every 5 s, forever, and never looks for another
    (about ten times the attempts a sensible back-off makes)."""

    first_backoff_s = 5.0

    def on_authentication_failed(self, reason: str) -> None:
        assert self.meter is not None
        self._untried = [self.meter]
        self._drop_session()
        self._later(self.first_backoff_s, self._try_next_meter)


class GivesUpAfterRefusal(ReferenceTerminal):
    """Stops trying for good after the first refusal."""

    def on_authentication_failed(self, reason: str) -> None:
        self._drop_session()
        self.state = "given up"


class IgnoresAuthenticationFailure(ReferenceTerminal):
    """Behaves as joined after an EAP failure and starts sending application data."""

    def on_authentication_failed(self, reason: str) -> None:
        self._drop_session()
        self.state = "joined"
        self.send_udp(DLMS_PORT, DLMS_PORT, b"\x0f\x00\x00\x00\x01\x00")


FAULTS = (
    Fault("joins-late", "powers up and joins only after 95 s", ("THK-7-JOIN",), JoinsLate),
    Fault("skips-band-edges", "scans channels 34-59 only", ("NAT-2.3-A",), SkipsTheBandEdges),
    Fault("uncapped-rescan", "doubles its rescan pause without a cap", ("THK-7-JOIN",), UncappedRescanPause),
    Fault(
        "falls-back-to-any-meter",
        "tries a meter of another Pairing ID when its own is silent",
        ("NAT-2.3-B",),
        FallsBackToAnyMeter,
    ),
    Fault(
        "omits-pairing-id",
        "Enhanced Beacon Request without the Pairing ID",
        ("NAT-2.3-A",),
        OmitsPairingId,
    ),
    Fault(
        "malformed-pairing-id",
        "declares and sends a Pairing ID outside the guideline's format",
        ("NAT-2.3-C",),
        ReferenceTerminal,
        {"credentials.pairing_id": "IOT-0901"},
    ),
    Fault("picks-weakest-meter", "chooses the weakest answering meter", ("NAT-2.3-B",), PicksWeakestMeter),
    Fault("accepts-any-beacon", "joins a meter with another Pairing ID", ("NAT-2.3-B",), AcceptsAnyBeacon),
    Fault(
        "data-before-authentication",
        "sends application data before PANA",
        ("THK-13-AUTH",),
        SendsDataBeforeAuthentication,
    ),
    Fault("delays-pana", "starts PANA 40 s after choosing its meter", ("THK-13-AUTH",), DelaysPana),
    Fault("hammers-full-meter", "retries a full meter at once and forever", ("NAT-2.1-A",), HammersFullMeter),
    Fault("gives-up", "never retries after a refusal", ("NAT-2.1-A",), GivesUpAfterRefusal),
    Fault(
        "ignores-auth-failure",
        "acts as joined after EAP failure",
        ("NAT-3.1-R2",),
        IgnoresAuthenticationFailure,
    ),
)
