"""The smart-meter side of the IoT route on a rig (``IotRouteSide``): one Wi-SUN module
with the SKSTACK-IP command set, run as PAN coordinator and PANA authentication agent.

What the module prints is what the bench observes (DESIGN.md rule 1); each line becomes
the route event the twin's smart meter would have logged (SKSTACK-IP command reference
4.1 and 4.8; the PAA-side numbers are the emulator's reading, ``conformance/MODELLED.md``):

=========================  ==========================================================
module line                route event
=========================  ==========================================================
``EVENT 25 <PaC>``         ``TerminalAuthenticated``; again while the session is open:
                           ``TerminalReauthenticated``. The module authenticates against
                           the one ID registered with SKSETRBID, so that is the event's
                           ``terminal_id``
``EVENT 24 <PaC>``         ``AuthenticationRejected``
``EVENT 26/27/28/29``      ``SessionEnded``: the terminal ended it, SKTERM answered,
                           SKTERM unanswered, the session lifetime ran out
``ERXUDP ...``             ``DatagramReceived`` with the module's SECURED flag; a PANA
                           PCI on port 716 is also ``PanaStarted``
=========================  ==========================================================

The module reports only datagrams to the UDP ports it has open: the bench opens 3610, 716
and 4059 and the declaration's other IoT-route ports (at most six in all).

What one module cannot do, the scenario is skipped for, with the reason (DESIGN.md rule
2): a second smart meter (one module is one meter), a meter already full, a chosen
signal strength, frame loss, raw or forged frames (they need an injector radio), a new
group key, a PANA integrity algorithm of the bench's choosing, a neighbouring terminal.
The air is not observed (``air`` is None): there is no sniffer.

Echo probes: the module cannot send ICMPv6 with a protection of the bench's choosing, so
the probe is a DLMS/COSEM GET of the terminal's clock (IEC 62056-5-3), which every
terminal answers to its meter, sent with SKSENDTO in plaintext (SEC 0) or secured
(SEC 1). Its answer (the GET-Response with the probe's invoke-id, as ERXUDP on 4059) is
what ``probe_replies`` returns; it is kept from the HES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import pytest

from conformance.errors import BenchError
from conformance.interfaces import EchoProbe, MeterSetup, Protection
from conformance.observe.route_events import (
    AuthenticationRejected,
    DatagramReceived,
    PanaStarted,
    RouteEventLog,
    SessionEnded,
    TerminalAuthenticated,
    TerminalReauthenticated,
)
from conformance.protocols import dlms, pana, sixlowpan
from conformance.protocols import skstack as sk
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.echonet import ECHONET_PORT
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pana import PANA_PORT
from conformance.sim.radio import CHANNELS
from conformance.twin.hes.registry import HeadEndSystem
from rigs.drivers.skstackradio import Observation, SkStackRadio
from rigs.profile.clock import RigClock

# The module's UDP handles (SKUDPPORT 1..6): the first three as the modules ship, then DLMS.
PORT_HANDLES = {1: ECHONET_PORT, 2: PANA_PORT, 3: DLMS_PORT}
DLMS_HANDLE = 3
FIRST_PAN_ID = 0x1000  # as the twin's first smart meter
FIRST_CHANNEL = CHANNELS[7]  # as the twin's first smart meter
MIN_SESSION_LIFETIME_S = 60  # register S16's lower bound
PROBE_INVOKE_IDS = range(8, 16)  # the HES takes the lowest free ones (at most 4 in flight)
LINK_LOCAL_PREFIX = bytes.fromhex("fe80000000000000")
DEFAULT_RSSI_DBM = next(f.default for f in fields(MeterSetup) if f.name == "rssi_dbm")

SESSION_ENDS = {
    sk.EventNumber.TERMINATION_REQUESTED: "the terminal ended the PANA session (EVENT 26)",
    sk.EventNumber.TERMINATION_DONE: "terminated by the network, PTA received (EVENT 27)",
    sk.EventNumber.TERMINATION_TIMED_OUT: "terminated by the network, no PTA (EVENT 28)",
    sk.EventNumber.SESSION_EXPIRED: "the session lifetime ran out (EVENT 29)",
}


def mac_of_link_local(addr: bytes) -> bytes | None:
    """The EUI-64 behind a link-local address (RFC 4944 §6), or None."""
    if len(addr) != 16 or addr[:8] != LINK_LOCAL_PREFIX:
        return None
    if addr[8:14] == bytes.fromhex("000000fffe00"):
        return None  # formed from a short address (RFC 6282 §3.2.2): no EUI-64 behind it
    return bytes([addr[8] ^ 0x02]) + addr[9:]


@dataclass(frozen=True, slots=True)
class ProbeReply:
    """The terminal's answer to an echo probe, as the module received it."""

    time: float
    secured: bool

    def summary(self) -> str:
        return f"DLMS GET-Response on UDP {DLMS_PORT} ({'secured' if self.secured else 'PLAINTEXT'})"


class RadioRegistry(HeadEndSystem):
    """The HES's registry of terminals, also written to the module (SKSETRBID, SKSETPWD):
    on a rig the module is the PAA that checks them."""

    def __init__(self, radio: SkStackRadio) -> None:
        super().__init__()
        self._radio = radio
        self.registered_id: str | None = None

    def register(self, authentication_id: str, password: str) -> None:
        if len(authentication_id) != 32:
            raise BenchError(
                f"the Wi-SUN module takes a 32-character authentication ID (SKSETRBID); "
                f"the declared one has {len(authentication_id)} characters"
            )
        self._radio.register_terminal(authentication_id, password)
        super().register(authentication_id, password)
        self.registered_id = authentication_id


class ModuleRelay:
    """The module as the smart meter's relay towards the HES (the twin ``SmartMeter``'s
    ``on_application`` and ``send_application``, which ``TwinHeadEnd`` attaches to)."""

    def __init__(self, send: Callable[[bytes, bytes], None]) -> None:
        self._send = send
        self.on_application: Callable[[str, bytes, bytes], None] = lambda meter, terminal, apdu: None

    def send_application(self, terminal: bytes, apdu: bytes) -> None:
        self._send(terminal, apdu)


class HilIotRoute:
    def __init__(self, *, radio: SkStackRadio, clock: RigClock, registry: RadioRegistry) -> None:
        self._radio = radio
        self._clock = clock
        self._registry = registry
        self.events = RouteEventLog()
        self.meter: str | None = None
        self.meters: dict[str, ModuleRelay] = {}  # the HES's view: meter name -> relay
        self.relay = ModuleRelay(self._send_application)
        self._module = radio.info().addr64
        self._sessions: set[bytes] = set()
        self._terminated: set[bytes] = set()  # sessions the bench ended with SKTERM
        self._probes: dict[int, EchoProbe] = {}  # invoke-id -> probe in flight
        self._replies: dict[tuple[int, int], list[ProbeReply]] = {}
        self._probe_count = 0

    @property
    def air(self) -> None:
        return None  # no sniffer on a rig: scenarios that read the air are skipped

    # -- the smart meter ----------------------------------------------------------------

    def add_meter(self, setup: MeterSetup) -> None:
        if self.meter is not None:
            pytest.skip(
                f"the hil profile plays one smart meter with its one Wi-SUN module ({self.meter}); "
                f"{setup.name} would need a second module"
            )
        if setup.occupied:
            pytest.skip("the Wi-SUN module cannot pretend to serve other terminals (a full smart meter)")
        if setup.offers_weak_integrity:
            pytest.skip("SKSTACK-IP does not let the bench choose the PANA integrity algorithms offered")
        if setup.rssi_dbm != DEFAULT_RSSI_DBM:
            pytest.skip(f"the rig cannot set the link to {setup.rssi_dbm:g} dBm (no programmable attenuator)")
        lifetime = max(setup.session_lifetime_s, MIN_SESSION_LIFETIME_S)
        channel = FIRST_CHANNEL if setup.channel is None else setup.channel
        self._radio.configure_coordinator(
            channel, FIRST_PAN_ID, setup.pairing_id, session_lifetime_s=lifetime
        )
        self._radio.start()
        self.meter = setup.name
        self.meters[setup.name] = self.relay

    def _check_meter(self, name: str) -> None:
        if name != self.meter:
            raise BenchError(
                f"the scenario has no smart meter named {name!r} (the module plays {self.meter})"
            )

    def meter_address(self, name: str) -> bytes:
        self._check_meter(name)
        return self._module

    def provision(self, authentication_id: str, password: str) -> None:
        self._registry.register(authentication_id, password)

    def set_frame_loss(self, probability: float) -> None:
        if probability > 0:
            pytest.skip("the rig cannot make the IoT route lose a set share of frames")

    def free_slot(self, meter: str) -> None:
        pytest.skip("the Wi-SUN module serves no terminals the scenario does not model")

    def neighbour_scans(self, pairing_id: str, every_s: float) -> None:
        pytest.skip("a neighbouring terminal would need a second radio on the rig")

    def inject(self, frame: bytes, *, meter: str) -> None:
        pytest.skip("raw and forged frames need an injector radio; the module sends what its stack builds")

    def renew_group_key(self, meter: str) -> None:
        pytest.skip("SKSTACK-IP has no command to distribute a new HAN group key")

    def terminate_session(self, meter: str, terminal: bytes) -> None:
        self._check_meter(meter)
        self._terminated.add(terminal)
        self._radio.terminate(sixlowpan.link_local_from_eui64(terminal))

    def issued_keys(self, meter: str | None = None) -> list[bytes]:
        return []  # the module never reveals its group key

    def secrets(self) -> list[str]:
        return self._registry.secrets()

    def address_book(self) -> dict[bytes, str]:
        return {self._module: self.meter or "Wi-SUN module"}

    # -- echo probes ------------------------------------------------------------------------

    def probe_echo(self, meter: str, terminal: bytes, protection: Protection) -> EchoProbe:
        self._check_meter(meter)
        if protection not in (Protection.SECURED, Protection.PLAINTEXT):
            pytest.skip(f"a request {protection.value} needs an injector radio; the module cannot forge one")
        self._probe_count += 1
        invoke_id = PROBE_INVOKE_IDS[self._probe_count % len(PROBE_INVOKE_IDS)]
        request = dlms.GetRequest(invoke_id=invoke_id, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2))
        probe = EchoProbe(invoke_id, self._probe_count, self._clock.now())
        self._probes[invoke_id] = probe
        self._replies[(probe.identifier, probe.sequence)] = []
        secured = protection is Protection.SECURED
        address = sixlowpan.link_local_from_eui64(terminal)
        wrapped = dlms.wrap(dlms.encode(request))
        if not self._radio.send_udp(address, DLMS_PORT, wrapped, secured, handle=DLMS_HANDLE):
            self._probes.pop(invoke_id, None)
            if secured:
                state = "the bench ended it" if terminal in self._terminated else "none is open"
                pytest.skip(
                    f"the module sends secured only within a PANA session with the terminal ({state})"
                )
            raise BenchError("the Wi-SUN module could not send the plaintext probe (EVENT 21 PARAM 01)")
        return probe

    def probe_replies(self, probe: EchoProbe) -> list[ProbeReply]:
        return list(self._replies.get((probe.identifier, probe.sequence), []))

    # -- what the module reports (fed in when the rig is tended) -------------------------------

    def observe(self, observation: Observation) -> None:
        when = self._clock.at(observation.time)
        event = observation.event
        if isinstance(event, sk.Event):
            self._event(when, event)
        elif isinstance(event, sk.UdpReceived):
            self._datagram(when, event)

    def _name(self) -> str:
        return self.meter or "Wi-SUN module"

    def _event(self, when: float, event: sk.Event) -> None:
        terminal = mac_of_link_local(event.sender)
        if terminal is None:
            return
        meter = self._name()
        if event.number == sk.EventNumber.PANA_DONE:
            if terminal in self._sessions:
                self.events.append(TerminalReauthenticated(time=when, meter=meter, terminal=terminal))
                return
            self._sessions.add(terminal)
            self._terminated.discard(terminal)
            terminal_id = self._registry.registered_id or ""
            self.events.append(
                TerminalAuthenticated(time=when, meter=meter, terminal=terminal, terminal_id=terminal_id)
            )
            self._registry.record_join(when, terminal_id, meter, terminal)
        elif event.number == sk.EventNumber.PANA_FAILED:
            self._sessions.discard(terminal)
            reason = "PANA authentication failed (EVENT 24)"
            self.events.append(
                AuthenticationRejected(time=when, meter=meter, terminal=terminal, reason=reason)
            )
        elif event.number in SESSION_ENDS:
            self._sessions.discard(terminal)
            cause = SESSION_ENDS[sk.EventNumber(event.number)]
            self.events.append(SessionEnded(time=when, meter=meter, terminal=terminal, cause=cause))

    def _datagram(self, when: float, udp: sk.UdpReceived) -> None:
        terminal, meter = udp.sender_lla, self._name()
        self.events.append(
            DatagramReceived(
                time=when,
                meter=meter,
                terminal=terminal,
                secured=udp.secured,
                src_port=udp.rport,
                dst_port=udp.lport,
                payload=udp.data,
                from_authenticated=terminal in self._sessions,
            )
        )
        if udp.lport == PANA_PORT and _is_pci(udp.data):
            self.events.append(PanaStarted(time=when, meter=meter, terminal=terminal))
        elif udp.lport == DLMS_PORT:
            if self._probe_answer(when, udp):
                return
            # As the twin's smart meter: only an authenticated terminal's secured data goes on.
            if udp.secured and terminal in self._sessions:
                self.relay.on_application(meter, terminal, udp.data)

    def _probe_answer(self, when: float, udp: sk.UdpReceived) -> bool:
        try:
            apdu = dlms.decode(dlms.unwrap(udp.data).apdu)
        except ProtocolError:
            return False
        if not isinstance(apdu, dlms.GetResponse) or apdu.invoke_id not in self._probes:
            return False
        probe = self._probes[apdu.invoke_id]
        if when < probe.sent_at:
            return False
        self._replies[(probe.identifier, probe.sequence)].append(ProbeReply(when, udp.secured))
        return True

    def _send_application(self, terminal: bytes, apdu: bytes) -> None:
        """The HES's downlink: SKSENDTO secured (SEC 1) from port 4059, to a terminal with
        an open session only, as the twin's smart meter does."""
        if terminal in self._sessions:
            self._radio.send_udp(
                sixlowpan.link_local_from_eui64(terminal), DLMS_PORT, apdu, True, handle=DLMS_HANDLE
            )


def _is_pci(payload: bytes) -> bool:
    try:
        return pana.decode(payload).message_type is pana.MessageType.PCI
    except ProtocolError:
        return False
