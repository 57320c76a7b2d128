"""Faulty terminal twins: each breaks one requirement the way real terminals do.

Every scenario must be able to fail (DESIGN.md rule 4). Each fault here names the
requirements it violates; the bench's own tests run the scenarios of those requirements
against it and demand a failure, and run everything against the reference and demand a
pass (the detection matrix).
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.ics import Declaration
from conformance.protocols import dlms, eap_psk, echonet, sixlowpan, wpan
from conformance.protocols.pana import IntegrityAlgorithm
from conformance.protocols.pana_session import PacSession, SessionTerminated
from conformance.twin.fault import Fault
from conformance.twin.link import Inbound, LinkLayer
from conformance.twin.reference_terminal import Candidate, ReferenceTerminal
from conformance.twin.smart_meter import DLMS_PORT
from conformance.twin.terminal_metering import MeteringApp


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


# -- link security (NAT-3.1-R3, THK-13-ENC, THK-13-AUTH) ----------------------------------


class SendsPlaintextAfterAuthentication(ReferenceTerminal):
    """Answers in the clear although it holds the group key."""

    def send_icmpv6(self, dst_mac: bytes, message: sixlowpan.Icmpv6Message) -> None:
        assert self.link is not None
        self.link.send_icmpv6(dst_mac, message, secure=False)


class _StuckCounterLink(LinkLayer):
    def next_frame_counter(self) -> int:
        return 7  # the counter never advances: every frame looks like a replay


class ReusesFrameCounter(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _StuckCounterLink(**self._link_arguments())


class _NoReplayCheckLink(LinkLayer):
    def is_replay(self, src: bytes, counter: int) -> bool:
        return False


class AcceptsReplay(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _NoReplayCheckLink(**self._link_arguments())


class _NoMicCheckLink(LinkLayer):
    def verify_and_decrypt(self, raw: bytes, key: bytes) -> wpan.Frame:
        """CCM* decryption that skips the MIC: CTR with A_i = 0x01 | nonce | i, i from 1
        (802.15.4-2015 Annex B), the mistake of a stack that decrypts before it verifies."""
        frame = wpan.decode(raw)
        assert frame.security is not None and isinstance(frame.src_addr, bytes)
        nonce = frame.src_addr + frame.security.frame_counter.to_bytes(4, "big") + bytes([5])
        decryptor = Cipher(algorithms.AES(key), modes.CTR(b"\x01" + nonce + b"\x00\x01")).decryptor()
        ciphertext = frame.payload[: -frame.security.mic_length]
        return dataclasses.replace(frame, payload=decryptor.update(ciphertext) + decryptor.finalize())


class AcceptsBadMic(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _NoMicCheckLink(**self._link_arguments())


class AcceptsPlaintext(ReferenceTerminal):
    def accepts(self, inbound: Inbound) -> bool:
        return self.meter is not None and inbound.src_mac == self.meter.address


class AcceptsStrangers(ReferenceTerminal):
    """Takes any frame secured with the group key, whoever sent it."""

    def accepts(self, inbound: Inbound) -> bool:
        return inbound.secured or super().accepts(inbound)


class KeepsOldGroupKey(ReferenceTerminal):
    def install_group_key(self, key_index: int, key: bytes) -> None:
        assert self.link is not None
        if self.link.tx_key_index is None:  # the first key only; updates are ignored
            super().install_group_key(key_index, key)


class SendsBeforeGroupKey(ReferenceTerminal):
    """Reports in the clear the moment PANA succeeds, before installing the key."""

    def install_group_key(self, key_index: int, key: bytes) -> None:
        assert self.link is not None
        if self.link.tx_key_index is None:
            self.send_udp(DLMS_PORT, DLMS_PORT, b"\x0f\x00\x00\x00\x01\x00")
        super().install_group_key(key_index, key)


class KeepsTalkingAfterTermination(ReferenceTerminal):
    """Ignores the network's PTR: keeps its keys and goes on answering."""

    def _on_session_event(self, event: object) -> None:
        if not isinstance(event, SessionTerminated):
            super()._on_session_event(event)


class ForgetsPanaAfterJoining(ReferenceTerminal):
    """Drops its PANA state once it has the key: never re-authenticates, so the session
    lapses at the meter while the terminal believes it is still on the network."""

    def on_joined(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class PrefersWeakIntegrity(ReferenceTerminal):
    def make_pana_session(self, peer: eap_psk.EapPskPeer) -> PacSession:
        weak_first = (IntegrityAlgorithm.AUTH_HMAC_SHA1_96, IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128)
        return PacSession(
            eap_peer=peer, randbytes=self._rng.randbytes, integrity_algorithms_supported=weak_first
        )


# -- metering (features/metering/) ------------------------------------------------------
# Each metering fault is a ``MeteringApp`` with one policy changed, carried by a terminal
# class that is otherwise the reference.


def _with_metering(app: type[MeteringApp]) -> type[ReferenceTerminal]:
    return type(f"TerminalWith{app.__name__}", (ReferenceTerminal,), {"metering_class": app})


class TakesUpper8Digits(MeteringApp):
    """Drops the last digit instead of the first: 「下8桁」 read as the upper eight."""

    def make_entry(self, slot, imported, exported):
        return super().make_entry(slot, imported // 10, exported // 10)


class SkipsHalfHour(MeteringApp):
    """Reads the meter on the hour only: no :30 values."""

    def takes_slot(self, slot: int) -> bool:
        return slot % 3600 == 0


class ReportsWhAsKwh(MeteringApp):
    """Labels the Wh count as kWh (scaler 3): every value 1000 times too large."""

    def scaler_unit(self) -> dict[str, int]:
        return {"scaler": 3, "unit": 30}


class SwapsImportExport(MeteringApp):
    """Wires AC input to the export register and AC output to the import register."""

    def make_entry(self, slot, imported, exported):
        return super().make_entry(slot, exported, imported)


class IgnoresCompletion(MeteringApp):
    """Answers a range request with an empty buffer."""

    def completion_entries(self, start: int, end: int) -> list:
        return []


class KeepsFirstMeterId(MeteringApp):
    """Reads the device ID once and reports it forever, so a swapped meter goes unseen."""

    def reported_meter_id(self, read: bytes) -> bytes:
        return self.meter_id or read


class LetsAuthenticationIdChange(MeteringApp):
    """Accepts a new authentication ID from the HES or the maintenance port."""

    def apply_terminal_id(self, requested: str):
        self.authentication_id = requested
        return dlms.DataAccessResult.SUCCESS


class NeverSyncsClock(MeteringApp):
    """Acknowledges the SM system's clock but keeps its own."""

    def apply_clock(self, when) -> None:
        return None


class NeverSetsMeterClock(MeteringApp):
    """Leaves the meter's clock alone although the declaration says it must set it."""

    def sync_meter_clock(self) -> None:
        return None


class IgnoresGranularity(MeteringApp):
    """Says yes to a new granularity and keeps taking 30-minute values."""

    def apply_granularity(self, seconds: int):
        return dlms.DataAccessResult.SUCCESS


class UploadsEverySlot(MeteringApp):
    """Uploads each value as it is taken, whatever upload interval was set."""

    def _maybe_upload(self, slot: int) -> None:
        self.upload(after=self._last_uploaded)
        self._last_uploaded = slot


class AnswersLate(MeteringApp):
    """Takes 100 s to answer a request from the SM system."""

    def answer_later(self, response) -> None:
        self._later(100.0, super().answer_later, response)


class KeepsOldPassword(MeteringApp):
    """Acknowledges a new password and keeps authenticating with the old one."""

    def __init__(self, **kwargs) -> None:
        kwargs["on_password"] = lambda password: None
        super().__init__(**kwargs)


class ForwardsEchonetLite(MeteringApp):
    """Sends the meter's ECHONET Lite answer to the SM system instead of DLMS/COSEM."""

    def _on_reading(self, slot, frame) -> None:
        super()._on_reading(slot, frame)
        self._raw = echonet.encode(frame)

    def upload(self, after: int) -> None:
        if self.online and getattr(self, "_raw", None):
            self._send_dlms(dlms.wrap(self._raw))  # the ECHONET Lite frame where DLMS belongs


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("joins-late", "powers up and joins only after 95 s", ("THK-7-JOIN",), JoinsLate),
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
        Fault(
            "picks-weakest-meter", "chooses the weakest answering meter", ("NAT-2.3-B",), PicksWeakestMeter
        ),
        Fault(
            "accepts-any-beacon", "joins a meter with another Pairing ID", ("NAT-2.3-B",), AcceptsAnyBeacon
        ),
        Fault(
            "data-before-authentication",
            "sends application data before PANA",
            ("THK-13-AUTH",),
            SendsDataBeforeAuthentication,
        ),
        Fault("delays-pana", "starts PANA 40 s after choosing its meter", ("THK-13-AUTH",), DelaysPana),
        Fault(
            "hammers-full-meter", "retries a full meter at once and forever", ("NAT-2.1-A",), HammersFullMeter
        ),
        Fault("gives-up", "never retries after a refusal", ("NAT-2.1-A",), GivesUpAfterRefusal),
        Fault(
            "ignores-auth-failure",
            "acts as joined after EAP failure",
            ("NAT-3.1-R2",),
            IgnoresAuthenticationFailure,
        ),
        Fault(
            "plaintext-after-auth",
            "answers in the clear after joining",
            ("NAT-3.1-R3",),
            SendsPlaintextAfterAuthentication,
        ),
        Fault(
            "reused-frame-counter", "never advances its frame counter", ("NAT-3.1-R3",), ReusesFrameCounter
        ),
        Fault("accepts-replay", "does not check frame counters", ("NAT-3.1-R3",), AcceptsReplay),
        Fault("accepts-bad-mic", "decrypts without verifying the MIC", ("NAT-3.1-R3",), AcceptsBadMic),
        Fault(
            "accepts-plaintext", "takes unsecured frames from its meter", ("NAT-3.1-R3",), AcceptsPlaintext
        ),
        Fault(
            "accepts-strangers", "takes secured frames from any address", ("NAT-3.1-R3",), AcceptsStrangers
        ),
        Fault("keeps-old-key", "ignores group-key updates", ("THK-13-ENC",), KeepsOldGroupKey),
        Fault(
            "sends-before-group-key",
            "reports in the clear before installing the key",
            ("NAT-3.1-R3",),
            SendsBeforeGroupKey,
        ),
        Fault(
            "talks-after-termination",
            "keeps its keys and answers after the network ends its session",
            ("THK-13-AUTH",),
            KeepsTalkingAfterTermination,
        ),
        Fault(
            "never-reauthenticates", "lets its PANA session lapse", ("THK-13-AUTH",), ForgetsPanaAfterJoining
        ),
        Fault(
            "weak-integrity", "prefers AUTH_HMAC_SHA1_96 when offered", ("NAT-3.1-R2",), PrefersWeakIntegrity
        ),
        Fault(
            "upper-8-digits",
            "keeps the upper 8 of 9 digits",
            ("NAT-2.5-ACQ",),
            _with_metering(TakesUpper8Digits),
        ),
        Fault("skips-half-hour", "takes no :30 values", ("NAT-2.5-ACQ",), _with_metering(SkipsHalfHour)),
        Fault("wh-as-kwh", "labels the Wh count as kWh", ("NAT-2.5-UNIT",), _with_metering(ReportsWhAsKwh)),
        Fault(
            "swaps-import-export",
            "forward as export, reverse as import",
            ("NAT-2.5-TYPES",),
            _with_metering(SwapsImportExport),
        ),
        Fault(
            "forwards-echonet-lite",
            "sends ECHONET Lite to the SM system",
            ("NAT-2.5-CONV",),
            _with_metering(ForwardsEchonetLite),
        ),
        Fault(
            "stores-5-days",
            "keeps only 5 days of values",
            ("THK-7-STORE",),
            ReferenceTerminal,
            {"metering.storage_days": 5},
        ),
        Fault(
            "ignores-completion",
            "answers range requests with nothing",
            ("NAT-2.5-GAP", "THK-7-GAPFILL"),
            _with_metering(IgnoresCompletion),
        ),
        Fault(
            "keeps-first-meter-id",
            "reports the first device ID forever",
            ("NAT-3.1-T3",),
            _with_metering(KeepsFirstMeterId),
        ),
        Fault(
            "changeable-authentication-id",
            "lets the authentication ID change",
            ("NAT-2.5-CFG", "THK-8-CFG"),
            _with_metering(LetsAuthenticationIdChange),
        ),
        Fault(
            "keeps-old-password",
            "acknowledges a new password, keeps the old",
            ("NAT-2.5-CFG", "THK-8-CFG"),
            _with_metering(KeepsOldPassword),
        ),
        Fault(
            "never-syncs-clock",
            "ignores the SM system's clock",
            ("NAT-2.5-TIME", "THK-8-ACC"),
            _with_metering(NeverSyncsClock),
        ),
        Fault(
            "never-sets-meter-clock",
            "leaves the meter's clock wrong",
            ("NAT-2.5-TIME", "THK-8-ACC"),
            _with_metering(NeverSetsMeterClock),
        ),
        Fault(
            "ignores-granularity",
            "keeps 30-minute values whatever is set",
            ("NAT-2.5-15MIN", "THK-7-GRAN"),
            _with_metering(IgnoresGranularity),
        ),
        Fault(
            "uploads-every-slot",
            "uploads every value, whatever is set",
            ("THK-7-FREQ",),
            _with_metering(UploadsEverySlot),
        ),
        Fault(
            "answers-late",
            "takes 100 s to answer the SM system",
            ("THK-7-DELAY",),
            _with_metering(AnswersLate),
        ),
    )
}


def _discovered() -> dict[str, Fault]:
    """Faults of the other areas, each in a module ``conformance/twin/faults_<area>.py``
    that exports ``FAULTS``, a tuple of ``Fault``."""
    import conformance.twin as package

    found: dict[str, Fault] = {}
    for module in sorted(
        m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("faults_")
    ):
        for fault in importlib.import_module(f"conformance.twin.{module}").FAULTS:
            if fault.name in FAULTS or fault.name in found:
                raise ValueError(f"fault {fault.name!r} is defined twice ({module})")
            found[fault.name] = fault
    return found


FAULTS.update(_discovered())

REFERENCE = "reference"


def declaration_for(declaration: Declaration, dut: str) -> Declaration:
    """The declaration a faulty twin's vendor would have written (its overrides applied)."""
    overrides = FAULTS[dut].declaration_overrides if dut != REFERENCE else {}
    if not overrides:
        return declaration
    data: dict[str, Any] = declaration.model_dump()
    for dotted, value in overrides.items():
        *path, last = dotted.split(".")
        section = data
        for part in path:
            section = section[part]
        section[last] = value
    return Declaration.model_validate(data)


def terminal_class(name: str) -> type[ReferenceTerminal]:
    return ReferenceTerminal if name == REFERENCE else FAULTS[name].terminal
