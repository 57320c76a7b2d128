"""The reference terminal twin: a wireless terminal (無線端末) that does what the
guidelines ask, used as the device under test of the twin profile.

Join procedure (NAT seed 2-3):
① active scan: on every channel of the band, an Enhanced Beacon Request carrying the
  Pairing ID; only smart meters with the same Pairing ID answer;
② choose, among the answering meters, the one with the best signal, and start the
  device authentication (PANA/EAP-PSK) at once (THK seed ch. 13: 「物理層接続後、
  速やかにPANA認証」); install the HAN group key it delivers and secure every frame after.
A refused or failed attempt moves on to the next meter heard, then rescans with an
exponential back-off capped by the declared retry interval (NAT-2.1-A).

Faulty twins (``faults.py``) subclass this and override one policy method each, so a
fault is a small, readable difference from the reference.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.ics import Declaration
from conformance.protocols import eap_psk, sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.dlms import events as dlms_events
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pana import (
    PANA_PORT,
    Authenticated,
    AuthenticationFailed,
    GroupKeyUpdated,
    PacSession,
    RetransmissionExhausted,
    SessionTerminated,
)
from conformance.sim.guarded_timers import GuardedTimers
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.radio import CHANNELS, RadioMedium
from conformance.sim.scheduler import Scheduler
from conformance.sim.serial_bus import SerialBus
from conformance.sim.session_driver import SessionDriver
from conformance.twin.credentials import psk_from_password
from conformance.twin.link import FrameCounterStore, Inbound, LinkLayer
from conformance.twin.terminal.functions import TerminalFunction, discover_functions
from conformance.twin.terminal.maintenance_console import serve as serve_maintenance
from conformance.twin.terminal.metering import MeteringApp, MeteringSettings

TERMINAL_HOME_ADDRESS = "fe80::21d:129f:3500:a01"  # the terminal's home-side interface
MAX_UNSENT_EVENTS = 32  # event notifications kept for the next join, newest kept
# Past this many doublings every back-off has long reached its cap; the exponent stops
# here, so days of empty scans or refusals never overflow a float (2.0 ** 1024 does).
MAX_DOUBLINGS = 32


def doubled(first_s: float, times: int, cap_s: float) -> float:
    """An exponential back-off: ``first_s`` doubled ``times`` times, at most ``cap_s``."""
    return min(first_s * 2.0 ** min(times, MAX_DOUBLINGS), cap_s)


@functools.lru_cache(maxsize=1024)
def _beacon_request(sequence_number: int, src_addr: bytes, pairing_id: str) -> wpan.Frame:
    """A scan sends the same frames over and over (256 sequence numbers); a Frame is
    immutable, so each is built once."""
    return wpan.enhanced_beacon_request(
        sequence_number=sequence_number, src_addr=src_addr, pairing_id=pairing_id
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalConfig:
    address: bytes
    authentication_id: str
    password: str
    pairing_id: str
    retry_interval_max_s: float
    metering: MeteringSettings
    # The whole declaration, for the terminal functions (identity, firmware key, logs...).
    declaration: Declaration

    @classmethod
    def from_declaration(cls, declaration: Declaration) -> TerminalConfig:
        return cls(
            address=declaration.identity.eui64,
            authentication_id=declaration.credentials.authentication_id,
            password=declaration.credentials.password.get_secret_value(),
            pairing_id=declaration.credentials.pairing_id,
            retry_interval_max_s=declaration.join.retry_interval_max_s,
            metering=MeteringSettings(
                granularity_s=declaration.metering.granularity_s,
                upload_interval_s=declaration.metering.upload_interval_s,
                storage_days=declaration.metering.storage_days,
                meter_time_sync=declaration.metering.meter_time_sync,
                meter_interface=declaration.metering.meter_interface,
                model=declaration.dlms_model,
            ),
            declaration=declaration,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A smart meter heard during the active scan."""

    address: bytes
    channel: int
    pan_id: int
    rssi_dbm: float


class ReferenceTerminal:
    boot_time_s = 2.0
    scan_dwell_s = 0.3  # per channel: 28 channels take 8.4 s
    # Two requests per channel: on a lossy channel a lost request or beacon costs a
    # retry within the dwell, not a whole new scan.
    requests_per_channel = 2
    max_rescan_pause_s = 60.0
    pana_start_delay_s = 0.02
    first_backoff_s = 30.0
    metering_class: type[MeteringApp] = MeteringApp
    # Security and operations functions (terminal_functions.py); faults swap one of them.
    function_classes: tuple[type[TerminalFunction], ...] = discover_functions()

    def __init__(
        self,
        *,
        scheduler: Scheduler,
        medium: RadioMedium,
        rng: random.Random,
        config: TerminalConfig,
        name: str = "terminal",
        home: HomeNetwork | None = None,
        bus: SerialBus | None = None,
    ) -> None:
        self.config = config
        # Non-volatile, like the settings and the value store: a power cycle keeps it.
        self.password = config.password
        # The outgoing frame counter is non-volatile too: the group key outlives a power
        # cycle, so a counter restarted at 0 would reuse CCM* nonces (twin/link.py).
        self.frame_counter_store = FrameCounterStore()
        self.name = name
        self._scheduler = scheduler
        self._medium = medium
        self._rng = rng
        self._timers = GuardedTimers(scheduler)  # a power cycle makes them stale
        self.link: LinkLayer | None = None
        self.state = "off"
        self._candidates: dict[bytes, Candidate] = {}
        self._untried: list[Candidate] = []
        self._avoid_until: dict[bytes, float] = {}
        self._failures = 0
        self._empty_scans = 0
        self._session: SessionDriver | None = None
        self.meter: Candidate | None = None
        self._unsent_events: list[dlms_events.EventReport] = []  # reported while off the network
        self._event_id = 0
        # The home network the terminal's home interface is on (for the home-side functions).
        self.home = home
        self.metering = self.metering_class(
            scheduler=scheduler,
            network=home,
            bus=bus,
            address=TERMINAL_HOME_ADDRESS,
            settings=config.metering,
            send_dlms=self._send_dlms,
            authentication_id=config.authentication_id,
            on_password=self._change_password,
            on_setting=lambda name, source: self._tell("setting_changed", name, source),
            on_meter_id=lambda meter_id: self._tell("meter_identity", meter_id),
            on_home_datagram=self._on_home_datagram,
        )
        # Built last: a function may read anything above.
        self.functions = [cls(self) for cls in self.function_classes]

    def _tell(self, hook: str, *args: Any) -> None:
        for function in self.functions:
            getattr(function, hook)(*args)

    def _on_home_datagram(self, datagram: HomeDatagram) -> None:
        self._tell("home_traffic", datagram)
        for function in self.functions:
            if function.home_request(datagram):
                return

    def _on_unserved_packet(self, inbound: Inbound) -> None:
        """An IoT-route packet no service of the terminal takes: the functions may; the
        reference drops it (NAT-3.1-R4 「IoTルートから他のドメインへIPルーティングで接続
        することは行わない」)."""
        for function in self.functions:
            if function.route_packet(inbound):
                return

    # -- services for the functions (terminal_functions.py) ------------------------------

    def report_event(self, kind: str, detail: str) -> None:
        """A function's event for the event log (firmware update, DoS detection...): every
        function hears it through ``event_reported``, and the SM system gets it too."""
        self._tell("event_reported", kind, detail)
        self.notify_sm_system(kind, detail)

    def notify_sm_system(self, kind: str, detail: str) -> None:
        """Send the event to the SM system in a DLMS/COSEM event notification
        (``protocols/dlms/events.py``); off the network, it waits for the next join."""
        fitted = dlms_events.fitted_detail(detail)
        report = dlms_events.EventReport(kind=kind, detail=fitted, time=self.metering.now())
        self._unsent_events.append(report)
        del self._unsent_events[:-MAX_UNSENT_EVENTS]
        if self.state == "joined":
            self._send_events()

    def _send_events(self) -> None:
        for report in self._unsent_events:
            self._event_id = (self._event_id + 1) % 0x1000000  # long-invoke-id: 24 bits
            notification = dlms_events.event_notification(
                report, invoke_id=self._event_id, sent=self.metering.now()
            )
            self.metering.send_apdu(notification)
        self._unsent_events.clear()

    def monotonic(self) -> float:
        """Seconds on the terminal's monotonic clock (unaffected by clock settings)."""
        return self._scheduler.now

    def after(self, delay_s: float, callback: Callable[..., Any], *args: Any) -> None:
        """A function's timer: ``callback(*args)`` in ``delay_s``, unless the power went off."""
        self._later(delay_s, callback, *args)

    def restart(self, *, after_s: float, down_s: float) -> None:
        """Reboot from within, as after a firmware update: off after ``after_s`` (so the
        answer that announced it gets out), on again ``down_s`` later."""

        def back_on() -> None:
            if self.state == "off":
                self.power_on()

        def off() -> None:
            self.power_off()
            self._later(down_s, back_on)  # set after the power-off: stale if anyone touches the power

        self._later(after_s, off)

    # -- power -----------------------------------------------------------------------

    def power_on(self) -> None:
        if self.state != "off":
            return
        self._timers.invalidate()
        self.link = self.make_link()
        self.link.on_beacon = self._on_beacon
        self.link.on_packet = self._on_packet
        self.link.on_rejected = lambda raw, reason: self._tell("frame_rejected", raw, reason)
        self.state = "booting"
        self._later(self.boot_time_s, self.start_join)
        self.metering.start()
        self._tell("powered_on")

    def power_off(self) -> None:
        self._timers.invalidate()  # every callback scheduled before now becomes stale
        self.metering.stop()
        self.metering.online = False
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.link is not None:
            self.link.close()
            self.link = None
        self.state = "off"
        self.meter = None
        self._tell("powered_off")

    def make_link(self) -> LinkLayer:
        return LinkLayer(**self._link_arguments())

    def _link_arguments(self) -> dict[str, Any]:
        return {
            "scheduler": self._scheduler,
            "medium": self._medium,
            "name": self.name,
            "address": self.config.address,
            "channel": CHANNELS[0],
            "rng": self._rng,
            "frame_counter_store": self.frame_counter_store,
        }

    def _later(self, delay: float, callback: Callable[..., Any], *args: Any) -> None:
        self._timers.later(delay, callback, *args)

    # -- ① active scan -------------------------------------------------------------

    def start_join(self) -> None:
        self.state = "scanning"
        self._candidates = {}
        self._scan_channel(0)

    def _scan_channel(self, index: int) -> None:
        assert self.link is not None
        if index == len(CHANNELS):
            self._scan_done()
            return
        self.link.port.tune(CHANNELS[index])
        gap = self.scan_dwell_s / self.requests_per_channel
        for attempt in range(self.requests_per_channel):
            self._later(attempt * gap, self._request_beacons)
        self._later(self.scan_dwell_s, self._scan_channel, index + 1)

    def _request_beacons(self) -> None:
        assert self.link is not None
        self.link.broadcast(self.beacon_request())

    def beacon_request(self) -> wpan.Frame:
        assert self.link is not None
        return _beacon_request(self.link.next_sequence(), self.config.address, self.config.pairing_id)

    def _on_beacon(self, frame: wpan.Frame, rssi_dbm: float, channel: int) -> None:
        if self.state != "scanning" or not isinstance(frame.src_addr, bytes) or frame.src_pan is None:
            return
        if self.accepts_beacon(frame):
            self._candidates[frame.src_addr] = Candidate(frame.src_addr, channel, frame.src_pan, rssi_dbm)

    def accepts_beacon(self, frame: wpan.Frame) -> bool:
        """Only meters that echo our Pairing ID are candidates."""
        try:
            return wpan.pairing_id_of(frame) == self.config.pairing_id
        except ProtocolError:
            return False

    def _scan_done(self) -> None:
        now = self._scheduler.now
        heard = [c for c in self._candidates.values() if self._avoid_until.get(c.address, 0.0) <= now]
        self._untried = self.rank_meters(heard)
        if self._candidates:
            self._empty_scans = 0
            self._try_next_meter()
            return
        # Nothing answered (no meter in range, or every beacon lost): scan again soon,
        # pausing longer each time so an empty neighbourhood is not flooded.
        pause = doubled(1.0, self._empty_scans, self.max_rescan_pause_s)
        self._empty_scans += 1
        self.state = "rescanning"
        self._later(pause, self.start_join)

    def rank_meters(self, candidates: list[Candidate]) -> list[Candidate]:
        """② best signal first (「電波強度等の最も良い条件の電力SMを選定」)."""
        return sorted(candidates, key=lambda c: c.rssi_dbm, reverse=True)

    def _try_next_meter(self) -> None:
        if not self._untried:
            self._back_off()
            return
        self.meter = self._untried.pop(0)
        assert self.link is not None
        self.link.port.tune(self.meter.channel)
        self.link.pan_id = self.meter.pan_id
        self.state = "authenticating"
        self._later(self.pana_start_delay_s, self.start_pana)

    def _back_off(self) -> None:
        self.state = "backing off"
        delay = doubled(self.first_backoff_s, self._failures, self.config.retry_interval_max_s)
        self._failures += 1
        self._later(delay, self.start_join)

    # -- ② authentication ----------------------------------------------------------

    def start_pana(self) -> None:
        peer = eap_psk.EapPskPeer(
            id_p=self.metering.authentication_id.encode("ascii"),
            psk=psk_from_password(self.password),
            randbytes=self._rng.randbytes,
        )
        machine = self.make_pana_session(peer)
        self._session = SessionDriver(self._scheduler, machine, self._send_pana, self._on_session_event)
        self._session.feed(machine.start(self._scheduler.now))

    def make_pana_session(self, peer: eap_psk.EapPskPeer) -> PacSession:
        return PacSession(eap_peer=peer, randbytes=self._rng.randbytes)

    def _send_pana(self, message: bytes) -> None:
        self.send_udp(PANA_PORT, PANA_PORT, message)

    def send_udp(self, src_port: int, dst_port: int, payload: bytes) -> None:
        """Send to the chosen meter, secured as soon as a group key is installed."""
        assert self.link is not None and self.meter is not None
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(self.config.address),
            dst=sixlowpan.mac_to_link_local(self.meter.address),
            src_port=src_port,
            dst_port=dst_port,
            payload=payload,
        )
        self.link.send_udp(self.meter.address, datagram, secure=self.link.tx_key_index is not None)

    def _on_packet(self, inbound: Inbound) -> None:
        if not self.accepts(inbound):
            self._tell("packet_refused", inbound, "not from the chosen meter, or not secured")
            return
        packet = inbound.packet
        if packet.dst != sixlowpan.mac_to_link_local(self.config.address) and packet.dst[0] != 0xFF:
            self._on_unserved_packet(inbound)  # addressed to another node: not the terminal's
        elif isinstance(packet, sixlowpan.Icmpv6Message):
            if packet.type == sixlowpan.ECHO_REQUEST:  # RFC 4443 §4.1: every node answers
                # §4.2: a reply to a request sent to a multicast address comes from a unicast one.
                own = sixlowpan.mac_to_link_local(self.config.address)
                self.send_icmpv6(inbound.src_mac, sixlowpan.echo_reply_to(packet, src=own))
        elif packet.dst_port == PANA_PORT and self._session is not None:
            self._session.feed(self._session.machine.receive(packet.payload, self._scheduler.now))
        elif packet.dst_port == DLMS_PORT and self.state == "joined":
            self.metering.on_dlms(packet.payload)
        else:
            self._on_unserved_packet(inbound)

    def _send_dlms(self, apdu: bytes) -> None:
        """Application data goes only to the meter the terminal is authenticated with."""
        if self.state == "joined":
            self.send_udp(DLMS_PORT, DLMS_PORT, apdu)

    def maintenance_command(self, line: str) -> list[str]:
        """The maintenance port (conformance.protocols.maintenance's line protocol): the functions
        first, then the metering and settings commands."""
        words = line.split()
        for function in self.functions:
            answer = function.maintenance(words)
            if answer is not None:
                return answer
        return serve_maintenance(self, line)

    def _change_password(self, password: str) -> None:
        """NAT seed 2-5 ※3 「認証パスワードは設定変更可」: used from the next authentication."""
        self.password = password

    def accepts(self, inbound: Inbound) -> bool:
        """Reception policy (NAT-3.1-R3): only the chosen meter is a peer; PANA may come in
        the clear (it protects itself with AUTH), everything else must be link-secured."""
        if self.meter is None or inbound.src_mac != self.meter.address:
            return False
        packet = inbound.packet
        is_pana = isinstance(packet, sixlowpan.UdpDatagram) and packet.dst_port == PANA_PORT
        return is_pana or inbound.secured

    def send_icmpv6(self, dst_mac: bytes, message: sixlowpan.Icmpv6Message) -> None:
        assert self.link is not None
        self.link.send_icmpv6(dst_mac, message, secure=self.link.tx_key_index is not None)

    def _on_session_event(self, event: object) -> None:
        if isinstance(event, GroupKeyUpdated):
            self.install_group_key(event.key_index, event.key)
        elif isinstance(event, Authenticated):
            self.install_group_key(event.group_key_index, event.group_key)
            self.state = "joined"
            self._failures = 0
            self.metering.online = True
            assert self.meter is not None
            self._tell("joined", self.meter.address)
            self.on_joined()
            self._send_events()
        elif isinstance(event, AuthenticationFailed | RetransmissionExhausted):
            assert self.meter is not None
            self._tell("authentication_failed", self.meter.address, str(event))
            self.on_authentication_failed(str(event))
        elif isinstance(event, SessionTerminated):
            self._tell("session_ended", str(event))
            self._drop_session()
            self._later(self.boot_time_s, self.start_join)

    def install_group_key(self, key_index: int, key: bytes) -> None:
        assert self.link is not None
        self.link.keys[key_index] = key
        self.link.tx_key_index = key_index

    def on_joined(self) -> None:
        """Hook for the application (metering) once the terminal is on the network."""

    def on_authentication_failed(self, reason: str) -> None:
        """Avoid this meter for a back-off period; try the next one heard."""
        assert self.meter is not None
        self._drop_session()
        delay = doubled(self.first_backoff_s, self._failures, self.config.retry_interval_max_s)
        self._avoid_until[self.meter.address] = self._scheduler.now + delay
        self._try_next_meter()

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.link is not None:
            self.link.keys.clear()
            self.link.tx_key_index = None
        self.state = "idle"
        self.metering.online = False
