"""Faulty terminal twins of link security (features/link_security/: NAT-3.1-R2,
NAT-3.1-R3, THK-13-ENC, THK-13-AUTH)."""

from __future__ import annotations

import dataclasses

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols import eap_psk, sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.pana import IntegrityAlgorithm, PacSession, SessionTerminated
from conformance.twin.faults import Fault
from conformance.twin.link import Inbound, LinkLayer
from conformance.twin.terminal.reference import ReferenceTerminal


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
    def is_replay(self, key: bytes, src: bytes, counter: int) -> bool:
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


class _OffByOneReplayLink(LinkLayer):
    def is_replay(self, key: bytes, src: bytes, counter: int) -> bool:
        """``<`` where §9.2.5 demands ``<=``: a frame at the last counter passes."""
        return counter < self._rx_counters.get((key, src), -1)


class AcceptsTheLastCounterAgain(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _OffByOneReplayLink(**self._link_arguments())


class _BroadcastAwareLink(LinkLayer):
    """Remembers whether the frame being checked went to all nodes (destination 0xFFFF)."""

    to_all = False

    def _unsecure(self, raw: bytes, frame: wpan.Frame, src: bytes) -> wpan.Frame | None:
        self.to_all = frame.dst_addr == wpan.BROADCAST_SHORT
        return super()._unsecure(raw, frame, src)


class _BroadcastNoMicLink(_BroadcastAwareLink, _NoMicCheckLink):
    def verify_and_decrypt(self, raw: bytes, key: bytes) -> wpan.Frame:
        """The MIC of a broadcast frame goes unchecked ("the group key protects it anyway")."""
        return _NoMicCheckLink.verify_and_decrypt(self, raw, key) if self.to_all else wpan.unsecure(raw, key)


class SkipsMicOnBroadcast(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _BroadcastNoMicLink(**self._link_arguments())


class _BroadcastNoReplayLink(_BroadcastAwareLink):
    def is_replay(self, key: bytes, src: bytes, counter: int) -> bool:
        return not self.to_all and super().is_replay(key, src, counter)


class SkipsReplayCheckOnBroadcast(ReferenceTerminal):
    def make_link(self) -> LinkLayer:
        return _BroadcastNoReplayLink(**self._link_arguments())


class AcceptsPlaintextToAllNodes(ReferenceTerminal):
    """Takes a frame in the clear from its meter when it goes to all nodes (ff02::1)."""

    def accepts(self, inbound: Inbound) -> bool:
        to_all = inbound.packet.dst[0] == 0xFF
        return super().accepts(inbound) or (
            to_all and self.meter is not None and inbound.src_mac == self.meter.address
        )


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


FAULTS = (
    Fault(
        "plaintext-after-auth",
        "answers in the clear after joining",
        ("NAT-3.1-R3",),
        SendsPlaintextAfterAuthentication,
    ),
    Fault("reused-frame-counter", "never advances its frame counter", ("NAT-3.1-R3",), ReusesFrameCounter),
    Fault("accepts-replay", "does not check frame counters", ("NAT-3.1-R3",), AcceptsReplay),
    Fault("accepts-bad-mic", "decrypts without verifying the MIC", ("NAT-3.1-R3",), AcceptsBadMic),
    Fault("accepts-plaintext", "takes unsecured frames from its meter", ("NAT-3.1-R3",), AcceptsPlaintext),
    Fault("accepts-strangers", "takes secured frames from any address", ("NAT-3.1-R3",), AcceptsStrangers),
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
    Fault("never-reauthenticates", "lets its PANA session lapse", ("THK-13-AUTH",), ForgetsPanaAfterJoining),
    Fault("weak-integrity", "prefers AUTH_HMAC_SHA1_96 when offered", ("NAT-3.1-R2",), PrefersWeakIntegrity),
    # The boundaries (issue 11): each passes the older probes above.
    Fault(
        "accepts-last-counter-again",
        "takes a frame at the last accepted counter",
        ("NAT-3.1-R3",),
        AcceptsTheLastCounterAgain,
    ),
    Fault(
        "plaintext-to-all-nodes",
        "takes plaintext frames to all nodes from its meter",
        ("NAT-3.1-R3",),
        AcceptsPlaintextToAllNodes,
    ),
    Fault(
        "no-mic-on-broadcast",
        "leaves the MIC of broadcast frames unchecked",
        ("NAT-3.1-R3",),
        SkipsMicOnBroadcast,
    ),
    Fault(
        "no-replay-check-on-broadcast",
        "leaves the counters of broadcast frames unchecked",
        ("NAT-3.1-R3",),
        SkipsReplayCheckOnBroadcast,
    ),
)
