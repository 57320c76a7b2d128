"""Twin of the power-company smart meter's IoT-route side (電力SM).

It is the PAN coordinator and the PANA authentication agent (PAA) of the IoT route:
* answers an Enhanced Beacon Request only when its Pairing ID matches (NAT seed 2-3 ①:
  「Pairing IDの一致した電力SMは無線端末に応答を返す」);
* authenticates terminals with PANA/EAP-PSK against the credentials the HES holds and
  hands the HAN group key to each (THK seed ch. 13: 「PANAにて交換された鍵 (HAN group key)
  を利用してMAC暗号 (AES-CCM) でのフレーム暗号化」);
* serves at most ``capacity`` terminals (NAT seed 2-1: 「最大4台程度を想定」) and refuses more;
* can renew the group key, terminate a session and answer or send ICMPv6 echoes;
* reports everything it observes of a terminal as route events, which the steps judge.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from conformance.observe.route_events import (
    AuthenticationRejected,
    DatagramReceived,
    FrameDiscarded,
    PanaStarted,
    RouteEventLog,
    SessionEnded,
    TerminalAuthenticated,
    TerminalReauthenticated,
    TerminalRefused,
)
from conformance.protocols import eap_psk, pana, sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pana import (
    PANA_PORT,
    IntegrityAlgorithm,
    MessageDiscarded,
    PaaSession,
    PaaState,
    PeerAuthenticated,
    PeerReauthenticated,
    PeerRejected,
    RetransmissionExhausted,
    SessionTerminated,
)
from conformance.sim.radio import RadioMedium
from conformance.sim.scheduler import Scheduler
from conformance.sim.session_driver import SessionDriver
from conformance.twin.hes.registry import HeadEndSystem
from conformance.twin.link import Inbound, LinkLayer

DEFAULT_CAPACITY = 4
EB_RESPONSE_JITTER_S = (0.005, 0.05)
# After a group-key update the old key is still accepted for this long, so frames in
# flight and terminals that are a little late do not lose traffic.
OLD_KEY_GRACE_S = 30.0
# Discarded frames recorded one by one per meter; beyond, one in this many with the count,
# so a terminal (or a rogue) that floods garbage keeps the route event log bounded.
MAX_DISCARDS = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterConfig:
    name: str
    address: bytes
    pan_id: int
    channel: int
    pairing_id: str
    capacity: int = DEFAULT_CAPACITY
    session_lifetime_s: int = 3600
    # What the PAA offers in PAR(S); a probing meter also offers a weak algorithm to see
    # whether the terminal would take it (RFC 5191 §4.1: the PaC picks one).
    integrity_algorithms: tuple[int, ...] = (IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,)


class SmartMeter:
    def __init__(
        self,
        *,
        scheduler: Scheduler,
        medium: RadioMedium,
        rng: random.Random,
        config: MeterConfig,
        hes: HeadEndSystem,
        events: RouteEventLog,
    ) -> None:
        self.config = config
        self._scheduler = scheduler
        self._rng = rng
        self._hes = hes
        self._events = events
        self.discarded = 0  # frames from terminals this meter dropped, recorded or counted
        self.group_key_index = 1
        self.group_key = rng.randbytes(16)
        self.issued_keys = [self.group_key]
        self.link = LinkLayer(
            scheduler=scheduler,
            medium=medium,
            name=config.name,
            address=config.address,
            channel=config.channel,
            rng=rng,
        )
        self.link.pan_id = config.pan_id
        self.link.keys[self.group_key_index] = self.group_key
        self.link.tx_key_index = self.group_key_index
        self.link.on_command = self._on_command
        self.link.on_packet = self._on_packet
        self.link.on_rejected = self._on_rejected
        self._sessions: dict[bytes, SessionDriver] = {}
        self.authenticated: set[bytes] = set()
        # Slots taken by other utilities' terminals that the bench does not model.
        self.occupied_by_others = 0
        # Where the meter relays a terminal's DLMS/COSEM data: the backhaul to the HES.
        self.on_application: Callable[[str, bytes, bytes], None] = lambda meter, terminal, apdu: None
        self._next_session_id = rng.randrange(1, 2**31)

    @property
    def channel(self) -> int:
        """The channel the meter's PAN is on now (``move_to`` changes it)."""
        return self.link.port.channel

    def move_to(self, channel: int) -> None:
        """Re-form the PAN on another channel, away from interference (THK seed ch. 13
        「定期的な周波数ホッピング」, modelled as a move of the whole PAN): terminals still on the
        old channel lose the meter until they scan again and find it by its Pairing ID."""
        self.link.port.tune(channel)

    @property
    def free_slots(self) -> int:
        return self.config.capacity - self.occupied_by_others - len(self.authenticated)

    # -- discovery -----------------------------------------------------------------

    def _on_command(self, frame: wpan.Frame, rssi_dbm: float, channel: int) -> None:
        if frame.command_id != wpan.CMD_ENHANCED_BEACON_REQUEST:
            return
        try:
            requested = wpan.pairing_id_of(frame)
        except ProtocolError:
            requested = None
        if requested != self.config.pairing_id:
            return
        delay = self._rng.uniform(*EB_RESPONSE_JITTER_S)
        self._scheduler.call_later(delay, self._send_beacon)

    def _send_beacon(self) -> None:
        beacon = wpan.enhanced_beacon(
            sequence_number=self.link.next_sequence(),
            src_addr=self.config.address,
            pan_id=self.config.pan_id,
            pairing_id=self.config.pairing_id,
        )
        self.link.broadcast(beacon)

    # -- what arrives ----------------------------------------------------------------

    def _on_packet(self, inbound: Inbound) -> None:
        src, packet = inbound.src_mac, inbound.packet
        if isinstance(packet, sixlowpan.Icmpv6Message):
            if packet.type == sixlowpan.ECHO_REQUEST and inbound.secured and src in self.authenticated:
                self.link.send_icmpv6(src, sixlowpan.echo_reply_to(packet), secure=True)
            return
        self._events.append(
            DatagramReceived(
                time=self._scheduler.now,
                meter=self.config.name,
                terminal=src,
                secured=inbound.secured,
                src_port=packet.src_port,
                dst_port=packet.dst_port,
                payload=packet.payload,
                from_authenticated=src in self.authenticated,
            )
        )
        if packet.dst_port == PANA_PORT:
            self._on_pana(src, packet.payload)
        elif packet.dst_port == DLMS_PORT and inbound.secured and src in self.authenticated:
            # Only an authenticated terminal's secured application data goes on to the
            # SM system (the A route); everything else stops here.
            self.on_application(self.config.name, src, packet.payload)

    # -- authentication ------------------------------------------------------------

    def _on_pana(self, src: bytes, payload: bytes) -> None:
        driver = self._sessions.get(src)
        if driver is not None and _is_restart(driver, payload):
            # RFC 5191 §4.1 lets a PaC start over with a PCI; a terminal that rebooted
            # does. The old session goes; a new one begins. The replay state stays, per
            # key (twin/link.py): under the same group key its counters must go on.
            self._events.append(
                SessionEnded(time=self._scheduler.now, meter=self.config.name, terminal=src, cause="new PCI")
            )
            self._close(src)
            driver = None
        if driver is None or driver.closed or driver.machine.state is PaaState.CLOSED:
            try:
                message = pana.decode(payload)
            except ProtocolError as exc:
                self._discard(src, f"undecodable PANA message: {exc}")
                return
            if message.message_type is not pana.MessageType.PCI:
                self._discard(src, f"{pana.message_name(message)} without a PANA session")
                return
            self._events.append(PanaStarted(time=self._scheduler.now, meter=self.config.name, terminal=src))
            self.link.forget_peer(src)
            driver = self._open_session(src)
        driver.feed(driver.machine.receive(payload, self._scheduler.now))

    def _open_session(self, src: bytes) -> SessionDriver:
        server = eap_psk.EapPskServer(
            id_s=self.config.name.encode(),
            psk_for=self._hes.psk_for,
            randbytes=self._rng.randbytes,
        )
        self._next_session_id += 1
        machine = PaaSession(
            session_id=self._next_session_id,
            eap_server=server,
            randbytes=self._rng.randbytes,
            session_lifetime=self.config.session_lifetime_s,
            group_key=lambda: (self.group_key_index, self.group_key),
            key_id=self._next_session_id & 0xFFFFFFFF,
            integrity_algorithms=self.config.integrity_algorithms,
            authorize=lambda peer_id: self._authorize(src),
        )
        driver = SessionDriver(
            self._scheduler,
            machine,
            send=lambda message: self._send_pana(src, message),
            on_event=lambda event: self._on_session_event(src, event),
        )
        self._sessions[src] = driver
        return driver

    def _send_pana(self, dst: bytes, message: bytes) -> None:
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(self.config.address),
            dst=sixlowpan.mac_to_link_local(dst),
            src_port=PANA_PORT,
            dst_port=PANA_PORT,
            payload=message,
        )
        # The final PAR carries the key the terminal does not have yet: PANA goes in
        # the clear until the terminal is authenticated, secured afterwards.
        self.link.send_udp(dst, datagram, secure=dst in self.authenticated)

    def _on_session_event(self, src: bytes, event: object) -> None:
        now, name = self._scheduler.now, self.config.name
        if isinstance(event, PeerAuthenticated):
            self.authenticated.add(src)
            peer_id = (event.peer_id or b"").decode("ascii", "replace")
            self._hes.record_join(now, peer_id, name, src)
            self._events.append(
                TerminalAuthenticated(time=now, meter=name, terminal=src, terminal_id=peer_id)
            )
        elif isinstance(event, PeerReauthenticated):
            self._events.append(TerminalReauthenticated(time=now, meter=name, terminal=src))
        elif isinstance(event, PeerRejected):
            self._events.append(
                AuthenticationRejected(time=now, meter=name, terminal=src, reason=event.reason)
            )
        elif isinstance(event, MessageDiscarded):
            # RFC 5191 §5.2: an invalid PANA message is discarded; for the bench it is a finding.
            self._discard(src, f"PANA {event.message_name} discarded: {event.reason}")
        elif isinstance(event, SessionTerminated | RetransmissionExhausted):
            cause = f"termination cause {event.cause}" if isinstance(event, SessionTerminated) else str(event)
            self._events.append(SessionEnded(time=now, meter=name, terminal=src, cause=cause))
            self._close(src)

    def _authorize(self, src: bytes) -> bool:
        """A full meter refuses with PANA_AUTHORIZATION_REJECTED after EAP succeeds."""
        if self.free_slots > 0 or src in self.authenticated:
            return True
        reason = f"no free slot ({self.config.capacity} terminals served)"
        self._events.append(
            TerminalRefused(time=self._scheduler.now, meter=self.config.name, terminal=src, reason=reason)
        )
        return False

    def _close(self, src: bytes) -> None:
        driver = self._sessions.pop(src, None)
        if driver is not None:
            driver.close()
        self.authenticated.discard(src)

    # -- operations the bench drives -----------------------------------------------

    def send_application(self, terminal: bytes, apdu: bytes) -> None:
        """Deliver the SM system's DLMS/COSEM data to an authenticated terminal, secured."""
        if terminal not in self.authenticated:
            return
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(self.config.address),
            dst=sixlowpan.mac_to_link_local(terminal),
            src_port=DLMS_PORT,
            dst_port=DLMS_PORT,
            payload=apdu,
        )
        self.link.send_udp(terminal, datagram, secure=True)

    def renew_group_key(self) -> None:
        """Distribute a new HAN group key to every authenticated terminal (PNR(P) with
        the key in an Encryption-Encap), switch to it, and retire the old one later."""
        old_index = self.group_key_index
        self.group_key_index = 2 if old_index == 1 else 1
        self.group_key = self._rng.randbytes(16)
        self.issued_keys.append(self.group_key)
        self.link.keys[self.group_key_index] = self.group_key
        for src in sorted(self.authenticated):
            driver = self._sessions[src]
            if driver.machine.state is PaaState.OPEN:
                driver.feed(driver.machine.push_group_key(self._scheduler.now))
        self.link.tx_key_index = self.group_key_index
        self._scheduler.call_later(OLD_KEY_GRACE_S, self._retire_key, old_index)

    def _retire_key(self, index: int) -> None:
        if index != self.group_key_index:
            self.link.keys.pop(index, None)

    def terminate(self, terminal: bytes) -> None:
        """End the terminal's PANA session from the network side (PTR, RFC 5191 §4.4)."""
        driver = self._sessions.get(terminal)
        if driver is None or driver.machine.state is not PaaState.OPEN:
            return
        driver.feed(driver.machine.terminate(self._scheduler.now))
        # From the PTR on, the meter no longer serves the terminal (NAT-3.4-CUT).
        self.authenticated.discard(terminal)

    def ping(self, terminal: bytes) -> None:
        """A PANA ping in the terminal's session (PNR with the P flag, RFC 5191 §4.5), which
        the terminal must answer with a PNA; like every key push it carries the current group
        key, so nothing changes for the terminal. The bench's valid request on UDP 716."""
        driver = self._sessions.get(terminal)
        if driver is not None and driver.machine.state is PaaState.OPEN:
            driver.feed(driver.machine.push_group_key(self._scheduler.now))

    # -- findings ----------------------------------------------------------------------

    def _discard(self, src: bytes, reason: str) -> None:
        self.discarded += 1
        if self.discarded > MAX_DISCARDS:
            if self.discarded % MAX_DISCARDS:
                return
            reason = f"{self.discarded} frames discarded so far, one in {MAX_DISCARDS} recorded: {reason}"
        self._events.append(
            FrameDiscarded(time=self._scheduler.now, meter=self.config.name, terminal=src, reason=reason)
        )

    def _on_rejected(self, raw: bytes, reason: str) -> None:
        self._discard(_source_of(raw), reason)

    def free_slot(self) -> None:
        """Another utility's terminal leaves (the bench frees a slot, NAT-2.1-A)."""
        self.occupied_by_others = max(0, self.occupied_by_others - 1)


def _is_restart(driver: SessionDriver, payload: bytes) -> bool:
    """A PCI reaching a session past its opening handshake."""
    if driver.closed or driver.machine.state in (PaaState.INITIAL, PaaState.WAIT_PAN_START, PaaState.CLOSED):
        return False
    try:
        return pana.decode(payload).message_type is pana.MessageType.PCI
    except ProtocolError:
        return False


def _source_of(raw: bytes) -> bytes:
    """Best effort: the source address of a frame the link layer rejected."""
    try:
        src = wpan.decode(raw).src_addr
    except ProtocolError:
        return b""
    return src if isinstance(src, bytes) else b""
