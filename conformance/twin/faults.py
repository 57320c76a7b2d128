"""Faulty terminal twins: each breaks one requirement the way real terminals do.

Every scenario must be able to fail (DESIGN.md rule 4). Each fault here names the
requirements it violates; the bench's own tests run the scenarios of those requirements
against it and demand a failure, and run everything against the reference and demand a
pass (the detection matrix).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols import eap_psk, sixlowpan, wpan
from conformance.protocols.pana import IntegrityAlgorithm
from conformance.protocols.pana_session import PacSession, SessionTerminated
from conformance.twin.link import Inbound, LinkLayer
from conformance.twin.reference_terminal import DLMS_PORT, Candidate, ReferenceTerminal


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    description: str
    violates: tuple[str, ...]
    terminal: type[ReferenceTerminal]
    # Declaration fields the fault's vendor would have declared differently.
    declaration_overrides: dict[str, object] = field(default_factory=dict)


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
    )
}

REFERENCE = "reference"


def terminal_class(name: str) -> type[ReferenceTerminal]:
    return ReferenceTerminal if name == REFERENCE else FAULTS[name].terminal
