"""The smart-meter side of the IoT route on a rig (``IotRouteSide``): one Wi-SUN module
with the SKSTACK-IP command set, run as PAN coordinator and PANA authentication agent.

What the module prints is what the bench observes (DESIGN.md rule 1); each line becomes
the route event the twin's smart meter would have logged (SKSTACK-IP command reference
4.1 and 4.8; the PAA-side numbers are the emulator's reading, ``conformance/MODELLED.md``):

=========================  ==========================================================
module line                route event
=========================  ==========================================================
``EVENT 25 <PaC>``         ``TerminalAuthenticated``, at the time of the EVENT, once a
                           second observation confirms it (below); again while the
                           session is open: ``TerminalReauthenticated``. The module
                           authenticates against the one ID registered with SKSETRBID,
                           so that is the event's ``terminal_id``
``EVENT 24 <PaC>``         ``AuthenticationRejected``
``EVENT 26/27/28/29``      ``SessionEnded``: the terminal ended it, SKTERM answered,
                           SKTERM unanswered, the session lifetime ran out
``ERXUDP ...``             ``DatagramReceived`` with the module's SECURED flag; a PANA
                           PCI on port 716 is also ``PanaStarted``
=========================  ==========================================================

No public source shows a module printing EVENT 25 in the PAA role, so a join is confirmed
by a second observation before it counts: the first secured datagram from the terminal
(the bench elicits one with a secured DLMS GET of the clock as soon as EVENT 25 comes). The
scenario's evidence says which observation confirmed it (``join_evidence``), and lists the
malformed lines the module printed during the scenario (``radio_protocol_errors``).

The module reports only datagrams to the UDP ports it has open: the bench opens 3610, 716
and 4059 and the declaration's other IoT-route ports (at most six in all).

What one module cannot do raises ``NotApplicable`` with the reason, and the scenario is
skipped for it (DESIGN.md rule 2): a second smart meter without a second module (one
module is one meter), a meter already full, a chosen signal strength, frame loss, a new
group key, a PANA integrity algorithm of the bench's choosing, a PANA ping, a datagram of
the bench's making, the smart meter's B route and other domains, a meter that moves to
another channel.

The air (issue 13). Where the rig has a sniffer (role ``sniffer``), ``air`` is what it
heard since the scenario began (``rigs/profile/air.py``), decrypted with the group keys the
rig file declares, which are also the module's ``issued_keys``; without one, ``air`` is not
applicable and names the role. Where it has an injector (role ``injector``), ``inject``
transmits the bench's frames on the module's channel, and the forged probes run:

* with a bad MIC, under a wrong key: a DLMS GET of the clock from the module's own address
  with a frame counter far above the module's (so only the MIC or the key can make the
  terminal drop it), secured with the declared group key and its MIC spoilt, or with a
  random key; an answer reaches the module as ERXUDP. Needs the injector only.
* replayed: a secured GET sent through the module, heard by the sniffer, a second one
  sent and answered, then the first one's octets injected again; an answer with the first
  one's invoke-id after the replay means the terminal took it. Needs the sniffer too.
* from a stranger: an ICMPv6 Echo Request from an address no meter has, secured with the
  group key; the Echo Reply would go to the stranger, so it is read on the air. Needs the
  sniffer and the group key.
* the boundaries (issue 11): to all nodes, an ICMPv6 Echo Request to ff02::1 in a broadcast
  frame from the module's address, in plaintext or with a bad MIC (counter as above); at
  the last counter, a secured GET sent through the module, heard and answered, then an
  Echo Request (to the terminal or to all nodes) secured at the highest counter the module
  was heard using. The terminal answers from its own address, so on the air. Needs the
  sniffer and the group key.
* a neighbouring terminal (NAT-2.3-B): its Enhanced Beacon Requests with its Pairing ID,
  built by the bench and sent on the module's channel as the rig is tended
  (``rigs.profile.neighbour``). Needs the injector only.

A second smart meter (issue 13): where the rig has a second module (role
``second-meter-radio``), the scenario's second meter is a route of its own on it
(``_add_second_meter``), on the twin's second meter's channel and PAN ID, at the default
level only (the attenuator is in the first module's path), its events in the same log, its
uplink to the same HES, its group keys the rig file's for it; a third meter is not
applicable. The injector, the sniffer and the jammer serve the first module's channel.

Interference (THK-13-HOP): where the rig has a signal generator (role
``signal-generator``, ``rigs.roles``), ``jam`` puts its carrier on the module's channel at
the rig file's ``max_power_dbm``: steady, or pulsed for a share of the frames (internal
pulse modulation, ``rigs.drivers.scpisignalgenerator``). Where the rig has an attenuator
(role ``attenuator``), a smart meter's signal strength is set through it.

Echo probes: the module cannot send ICMPv6 with a protection of the bench's choosing. Where
the rig has an injector, a sniffer and the group key, a secured probe is what the scenario
says: an ICMPv6 Echo Request (RFC 4443 §4.1) from the module's address, secured with the
newest group key at the counter after the module's (``_injected_echo``), its Echo Reply
read on the air and judged as on the twin (answered, secured, decrypted with the group
key). Otherwise the probe is a DLMS/COSEM GET of the terminal's clock (IEC 62056-5-3),
which every terminal answers to its meter, sent with SKSENDTO in plaintext (SEC 0) or
secured (SEC 1); its answer (the GET-Response with the probe's invoke-id, as ERXUDP on
4059) is what ``probe_replies`` returns, kept from the HES. That GET cannot see how the
terminal treats ICMPv6: a terminal that answers a secured GET secured and an Echo Request
in the clear passes it.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields

from conformance.errors import BenchError, NotApplicable, TerminalFailure
from conformance.interfaces import EchoProbe, MeterDomains, MeterSetup, Protection
from conformance.observe.air import AirFrame, AirLog
from conformance.observe.route_events import (
    AuthenticationRejected,
    DatagramReceived,
    PanaStarted,
    RouteEventLog,
    SessionEnded,
    TerminalAuthenticated,
    TerminalReauthenticated,
)
from conformance.protocols import dlms, echonet, pana, sixlowpan
from conformance.protocols import skstack as sk
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pana import PANA_PORT
from conformance.sim.radio import CHANNELS, channel_frequency_mhz
from conformance.twin.hes.registry import HeadEndSystem
from rigs.drivers.skstackradio import Observation
from rigs.profile import air as forge
from rigs.profile.air import ProbeReply, SniffedAir
from rigs.profile.clock import RigClock
from rigs.profile.neighbour import NEIGHBOUR_ADDRESS, InjectedNeighbour
from rigs.profile.tending import tended
from rigs.protocols import AttenuatorProtocol, InjectorProtocol, JammerProtocol, SmartMeterRadioProtocol

# The module's UDP handles (SKUDPPORT 1..6): the first three as the modules ship, then DLMS.
PORT_HANDLES = {1: echonet.ECHONET_PORT, 2: PANA_PORT, 3: DLMS_PORT}
DLMS_HANDLE = 3
FIRST_PAN_ID = 0x1000  # as the twin's first smart meter
FIRST_CHANNEL = CHANNELS[7]  # as the twin's first smart meter
SECOND_PAN_ID = 0x1001  # as the twin's second smart meter
SECOND_CHANNEL = CHANNELS[16]  # as the twin's second smart meter
SECOND_PROBES_FROM = 1 << 16  # the second module's probe sequence numbers start here
MIN_SESSION_LIFETIME_S = 60  # register S16's lower bound
SESSION_END_WAIT_S = 10.0  # SKTERM to EVENT 27 (PTA received) or 28 (no PTA, after retries)
REPLAY_WAIT_S = 10.0  # for the module's frame to be heard, and answered, before a replay
PROBE_INVOKE_IDS = range(8, 16)  # the HES takes the lowest free ones (at most 4 in flight)
JOIN_PROBE_INVOKE_ID = 7  # the secured GET that elicits a join's confirming datagram
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


class RadioRegistry(HeadEndSystem):
    """The HES's registry of terminals, also written to the module (SKSETRBID, SKSETPWD):
    on a rig the module is the PAA that checks them."""

    def __init__(self, radio: SmartMeterRadioProtocol) -> None:
        super().__init__()
        self._radios = [radio]
        self.registered_id: str | None = None

    def add_radio(self, radio: SmartMeterRadioProtocol) -> None:
        """The rig's second module checks the same terminals (a second smart meter)."""
        self._radios.append(radio)
        for authentication_id, registration in self._registrations.items():
            radio.register_terminal(authentication_id, registration.password)

    def register(self, authentication_id: str, password: str) -> None:
        if len(authentication_id) != 32:
            raise BenchError(
                f"the Wi-SUN module takes a 32-character authentication ID (SKSETRBID); "
                f"the declared one has {len(authentication_id)} characters"
            )
        for radio in self._radios:
            radio.register_terminal(authentication_id, password)
        super().register(authentication_id, password)
        self.registered_id = authentication_id

    def set_enabled(self, authentication_id: str, enabled: bool) -> None:
        """THK seed ch. 14 別表2: the SM system invalidates the terminal's credentials (or
        enables them again), and the smart meter then refuses (or accepts) its PANA
        authentication, as a real one asks the SM system for the key. The module is a PAA
        with one terminal's credentials (SKSETPWD 3.16): invalidated, it holds a password
        nobody has, so EAP-PSK fails at MAC_P (RFC 4764 §3.2) and the module reports EVENT 24;
        enabled, the terminal's own again."""
        super().set_enabled(authentication_id, enabled)
        password = self._registrations[authentication_id].password if enabled else _nobody_s_password()
        for radio in self._radios:
            radio.register_terminal(authentication_id, password)


def _nobody_s_password() -> str:
    """32 random characters (SKSETPWD's most): no terminal holds them, nothing records them."""
    return secrets.token_hex(16)


class ModuleRelay:
    """The module as the smart meter's relay towards the HES (the twin ``SmartMeter``'s
    ``on_application`` and ``send_application``, which ``TwinHeadEnd`` attaches to)."""

    def __init__(self, send: Callable[[bytes, bytes], None]) -> None:
        self._send = send
        self.on_application: Callable[[str, bytes, bytes], None] = lambda meter, terminal, apdu: None

    def send_application(self, terminal: bytes, apdu: bytes) -> None:
        self._send(terminal, apdu)


@dataclass(frozen=True, slots=True)
class RigJammer:
    """The rig's signal generator and the power it jams at: the rig file's
    ``max_power_dbm``, the most the shield box or the attenuator takes."""

    generator: JammerProtocol
    power_dbm: float


class HilIotRoute:
    """Implements :class:`conformance.interfaces.IotRouteSide` with one Wi-SUN module (and
    the rig's signal generator, where it has one)."""

    def __init__(
        self,
        *,
        radio: SmartMeterRadioProtocol,
        clock: RigClock,
        registry: RadioRegistry,
        tend: Callable[[], None] = lambda: None,
        jammer: RigJammer | None = None,
        sniffed: Callable[[HilIotRoute], SniffedAir] | None = None,
        injector: InjectorProtocol | None = None,
        group_keys: tuple[bytes, ...] = (),
        seed: int = 1,
        attenuator: AttenuatorProtocol | None = None,
        second_radio: SmartMeterRadioProtocol | None = None,
        second_keys: tuple[bytes, ...] = (),
        pan_id: int = FIRST_PAN_ID,
        default_channel: int = FIRST_CHANNEL,
    ) -> None:
        self._radio = radio
        self._pan_id = pan_id
        self._attenuator = attenuator
        self._clock = clock
        self._registry = registry
        self._tend = tend
        self._jammer = jammer
        self.jamming = False  # the generator's carrier is on
        self.events = RouteEventLog()
        self.meter: str | None = None
        self._channel = default_channel
        self._pairing_id: str | None = None  # the module's (register S0A), once started
        self._neighbour: InjectedNeighbour | None = None
        self.meters: dict[str, ModuleRelay] = {}  # the HES's view: meter name -> relay
        self.relay = ModuleRelay(self._send_application)
        self._module = radio.info().addr64
        self._errors_mark = radio.protocol_error_mark()
        self._sessions: set[bytes] = set()  # EVENT 25 seen, no end since
        self._pending_joins: dict[bytes, float] = {}  # EVENT 25 not confirmed yet: its time
        self._confirmed: set[bytes] = set()
        # Module times of each terminal's last PCI (ERXUDP on 716) and last EVENT 25.
        self._pci_at: dict[bytes, float] = {}
        self._authenticated_at: dict[bytes, float] = {}
        # When each terminal's last session ended (EVENT 24/26-29, SKTERM): a join's PANA
        # exchange on the air comes after it, never from the session before.
        self._session_ended: dict[bytes, float] = {}
        self.join_observations: list[str] = []
        self._terminated: set[bytes] = set()  # sessions the bench ended with SKTERM
        # Terminals whose session the bench ended (SKTERM) in this scenario, rejoined or not.
        self._ended_by_bench: set[bytes] = set()
        self._probes: dict[int, EchoProbe] = {}  # invoke-id -> probe in flight
        self._replies: dict[tuple[int, int], list[ProbeReply]] = {}
        self._probe_count = 0
        self._probe_terminals: dict[tuple[int, int], bytes] = {}
        self._group_keys = group_keys
        self._injector = injector
        self._rng = random.Random(seed)
        self._echo_probes: dict[tuple[int, int], bytes] = {}  # probe -> terminal: answers on the air
        self._stranger_counter = 0
        self._injected_counter = 0  # the last counter an injected echo took from the module's address
        self._transmitted: set[bytes] = set()  # the frames the injector sent, as the sniffer hears them
        self._sniffed = sniffed(self) if sniffed is not None else None
        self._air_read = 0  # frames of the air log already looked at for PANA starts
        # The rig's second module (role second-meter-radio), a second smart meter: a route of
        # its own on the same clock, registry and event log, its uplink into this one's relay.
        self._second: HilIotRoute | None = None
        if second_radio is not None:
            registry.add_radio(second_radio)
            self._second = HilIotRoute(
                radio=second_radio,
                clock=clock,
                registry=registry,
                tend=tend,
                group_keys=second_keys,
                seed=seed,
                pan_id=SECOND_PAN_ID,
                default_channel=SECOND_CHANNEL,
            )
            self._second.events = self.events
            # Its probes are numbered apart from this one's: a probe's answers are found by
            # its (invoke-id, sequence), whichever module sent it.
            self._second._probe_count = SECOND_PROBES_FROM
            self._second.relay.on_application = lambda *uplink: self.relay.on_application(*uplink)

    @property
    def air(self) -> AirLog:
        if self._sniffed is None:
            raise NotApplicable(
                "the rig has no sniffer (role sniffer) on the IoT route: "
                "the Wi-SUN module reports only what its own stack received"
            )
        self._sniffed.take()
        return self._sniffed.log

    @property
    def channel(self) -> int:
        """The module's channel: where the sniffer listens and the injector transmits."""
        return self._channel

    def _air_if_any(self) -> AirLog | None:
        return self.air if self._sniffed is not None else None

    def take_air(self) -> None:
        """Record what the sniffer heard (the rig calls this as it tends): with a sniffer,
        a terminal's PANA-Client-Initiation on the air is ``PanaStarted``, at the time it
        was on the air, on the same clock as the scan it follows (THK-13-AUTH)."""
        if self._sniffed is None:
            return
        log = self.air
        if log.recorded == self._air_read:
            return  # nothing new: the decoded list is not copied every round
        frames = log.frames()
        start = max(0, self._air_read - log.dropped)
        for frame in frames[start:]:
            message = frame.pana
            if message is None or frame.src is None or frame.src == self._module:
                continue
            if message.message_type is pana.MessageType.PCI:
                self.events.append(PanaStarted(time=frame.time, meter=self._name(), terminal=frame.src))
        self._air_read = log.recorded

    # -- the smart meter ----------------------------------------------------------------

    @tended
    def add_meter(self, setup: MeterSetup) -> None:
        if self.meter is not None:
            self._add_second_meter(setup)
            return
        if setup.occupied:
            raise NotApplicable(
                "the Wi-SUN module cannot pretend to serve other terminals (a full smart meter)"
            )
        if setup.offers_weak_integrity:
            raise NotApplicable(
                "SKSTACK-IP does not let the bench choose the PANA integrity algorithms offered"
            )
        if self._attenuator is not None:
            if not self._attenuator.reaches(setup.rssi_dbm):
                raise NotApplicable(
                    f"the rig's attenuator cannot make {setup.rssi_dbm:g} dBm at the terminal"
                )
            self._attenuator.set_rssi_dbm(setup.rssi_dbm)
        elif setup.rssi_dbm != DEFAULT_RSSI_DBM:
            raise NotApplicable(
                f"the rig cannot set the link to {setup.rssi_dbm:g} dBm "
                "(no programmable attenuator, role attenuator)"
            )
        lifetime = max(setup.session_lifetime_s, MIN_SESSION_LIFETIME_S)
        channel = self._channel if setup.channel is None else setup.channel
        self._radio.configure_coordinator(
            channel, self._pan_id, setup.pairing_id, session_lifetime_s=lifetime
        )
        self._radio.start()
        self.meter = setup.name
        self._channel = channel
        self._pairing_id = setup.pairing_id
        self.meters[setup.name] = self.relay

    def _add_second_meter(self, setup: MeterSetup) -> None:
        """The scenario's second smart meter, on the rig's second module."""
        if self._second is None:
            raise NotApplicable(
                f"the hil profile plays one smart meter with its one Wi-SUN module ({self.meter}); "
                f"{setup.name} would need a second module (role second-meter-radio)"
            )
        if self._second.meter is not None:
            raise NotApplicable(
                f"the rig's two Wi-SUN modules play {self.meter} and {self._second.meter}; "
                f"{setup.name} would need a third"
            )
        if setup.rssi_dbm != DEFAULT_RSSI_DBM:
            raise NotApplicable(
                f"the rig cannot set the second smart meter's link to {setup.rssi_dbm:g} dBm: "
                "the attenuator (role attenuator) is in the first module's path"
            )
        self._second.add_meter(setup)
        self.meters[setup.name] = self._second.relay

    def _other(self, name: str) -> HilIotRoute | None:
        """The second module's route, where ``name`` is the smart meter it plays."""
        if self._second is not None and name == self._second.meter and name != self.meter:
            return self._second
        return None

    def observe_second(self, observation: Observation) -> None:
        """What the second module reported (fed in when the rig is tended)."""
        if self._second is not None:
            self._second.observe(observation)

    def _check_meter(self, name: str) -> None:
        if self._other(name) is not None:
            raise NotApplicable(
                f"the rig's injector and signal generator serve the first module's smart meter "
                f"({self.meter}), not {name}"
            )
        if name != self.meter:
            raise BenchError(
                f"the scenario has no smart meter named {name!r} (the module plays {self.meter})"
            )

    @tended
    def meter_address(self, name: str) -> bytes:
        if (other := self._other(name)) is not None:
            return other.meter_address(name)
        self._check_meter(name)
        return self._module

    @tended
    def provision(self, authentication_id: str, password: str) -> None:
        self._registry.register(authentication_id, password)

    @tended
    def set_frame_loss(self, probability: float) -> None:
        if probability > 0:
            raise NotApplicable("the rig cannot make the IoT route lose a set share of frames")

    @tended
    def free_slot(self, meter: str) -> None:
        raise NotApplicable("the Wi-SUN module serves no terminals the scenario does not model")

    @tended
    def neighbour_scans(self, pairing_id: str, every_s: float) -> None:
        """A terminal of another operator keeps scanning for ``pairing_id`` on the channel of
        the module's smart meter, which beacons for it if it has that Pairing ID: the
        injector sends its requests as the rig is tended (``rigs.profile.neighbour``)."""
        if self._injector is None:
            raise NotApplicable(
                "a neighbouring terminal's Enhanced Beacon Requests need an injector radio (role injector); "
                "a second Wi-SUN module scanning as the neighbour is not a role of the rig file"
            )
        if self._pairing_id != pairing_id:
            raise BenchError(f"no smart meter in the scenario has Pairing ID {pairing_id!r}")
        self._neighbour = InjectedNeighbour(
            injector=self._injector, channel=self._channel, pairing_id=pairing_id, every_s=every_s
        )
        self._neighbour.scan_if_due(self._clock.now())

    def neighbour_round(self) -> None:
        """The neighbouring terminal's next request, if one is due (the rig calls this as it
        tends, untended itself)."""
        if self._neighbour is not None:
            self._neighbour.scan_if_due(self._clock.now())

    @tended
    def inject(self, frame: bytes, *, meter: str) -> None:
        self._need_injector("sending raw or forged frames")
        self._check_meter(meter)
        assert self._injector is not None
        self._transmit(frame)

    def _transmit(self, raw: bytes) -> None:
        """Through the injector, kept apart from the module's own frames (``_module_counter``)."""
        assert self._injector is not None
        self._transmitted.add(raw)
        self._injector.transmit(raw, self._channel)

    def _need_injector(self, what: str) -> None:
        if self._injector is None:
            raise NotApplicable(
                f"{what} needs an injector radio (role injector); the module sends what its stack builds"
            )

    @tended
    def renew_group_key(self, meter: str) -> None:
        raise NotApplicable("SKSTACK-IP has no command to distribute a new HAN group key")

    @tended
    def terminate_session(self, meter: str, terminal: bytes) -> None:
        if (other := self._other(meter)) is not None:
            return other.terminate_session(meter, terminal)
        self._check_meter(meter)
        self._terminated.add(terminal)
        self._ended_by_bench.add(terminal)
        self._session_ended[terminal] = self._clock.now()
        self._radio.terminate()  # 3.6: no argument, the module's one session ends

    def session_open(self, terminal: bytes) -> bool:
        """Whether the module holds a PANA session with ``terminal``: EVENT 25 came, and no
        end since (EVENT 24, 26-29), nor an SKTERM of the bench's (its EVENT 27 comes later)."""
        return terminal in self._sessions and terminal not in self._terminated

    def issued_keys(self, meter: str | None = None) -> list[bytes]:
        # SKSTACK-IP never reveals the module's group key: these are the rig file's (the
        # sniffer entry's for the first module, the second-meter-radio entry's for the second).
        if meter is not None and (other := self._other(meter)) is not None:
            return other.issued_keys(meter)
        keys = list(self._group_keys)
        if meter is None and self._second is not None:
            keys += [key for key in self._second.issued_keys() if key not in keys]
        return keys

    def secrets(self) -> list[str]:
        keys = [form for key in self.issued_keys() for form in (key.hex(), key.hex().upper())]
        return self._registry.secrets() + keys

    def address_book(self) -> dict[bytes, str]:
        book = {self._module: self.meter or "Wi-SUN module"}
        if self._second is not None:
            book |= self._second.address_book()
        if self._neighbour is not None:
            book[NEIGHBOUR_ADDRESS] = "neighbour terminal"
        return book

    # -- the smart meter's network domains (NAT-3.1-R1): not on a rig yet -------------------

    def add_hems_controller(self, meter: str) -> None:
        raise NotApplicable(
            "a HEMS controller on the smart meter's B route needs a B-route part on the rig; "
            "the hil profile has none yet"
        )

    def domains(self, meter: str) -> MeterDomains:
        raise NotApplicable(
            "the smart meter's A and B routes are not on the rig: the hil profile plays only its IoT route"
        )

    def send_udp(
        self,
        meter: str,
        terminal: bytes,
        *,
        dst_port: int,
        payload: bytes,
        src_port: int,
        dst: str | None = None,
    ) -> float:
        raise NotApplicable(
            "the hil profile does not send datagrams of the bench's making through the Wi-SUN module yet"
        )

    def ping_session(self, meter: str, terminal: bytes) -> float:
        raise NotApplicable("SKSTACK-IP has no command to send a PANA ping (PNR) in a session")

    # -- interference (THK-13-HOP) ------------------------------------------------------------

    @tended
    def jam(self, meter: str, *, duty: float = 1.0) -> int:
        self._check_meter(meter)
        if self._jammer is None:
            raise NotApplicable("the rig has no signal generator (role signal-generator) to jam the channel")
        self._jammer.generator.jam(channel_frequency_mhz(self._channel), self._jammer.power_dbm, duty)
        self.jamming = True
        return self._channel

    @tended
    def stop_jamming(self) -> None:
        self.silence()

    def silence(self) -> None:
        """The generator's carrier off, if this scenario switched it on (untended: the rig
        calls it when a scenario ends, however it ended)."""
        if self._jammer is not None and self.jamming:
            self._jammer.generator.stop()
            self.jamming = False

    def move_meter(self, meter: str, channel: int | None = None) -> int:
        raise NotApplicable(
            "moving the smart meter to another channel restarts the Wi-SUN module's PAN (SKSTART), "
            "which ends every session; the hil profile does not do that"
        )

    # -- echo probes ------------------------------------------------------------------------

    @tended
    def probe_echo(self, meter: str, terminal: bytes, protection: Protection) -> EchoProbe:
        """A probe under ``protection``. Secured, on a rig with an injector, a sniffer and the
        group key: an ICMPv6 Echo Request as the smart meter sends it (``_injected_echo``);
        on other rigs a secured DLMS GET through the module, which shows whether the terminal
        takes a secured frame, not how it answers an Echo Request."""
        if (other := self._other(meter)) is not None:
            return other.probe_echo(meter, terminal, protection)
        self._check_meter(meter)
        if protection not in (Protection.SECURED, Protection.PLAINTEXT):
            self._need_injector(f"a request {protection.value}")
            return self._forged_probe(terminal, protection)
        ended = terminal in self._ended_by_bench
        if (
            protection is Protection.SECURED
            and not ended
            and self._injector
            and self._group_keys
            and self._sniffed
        ):
            return self._injected_echo(terminal)
        return self._module_get(terminal, protection)

    def _module_get(self, terminal: bytes, protection: Protection) -> EchoProbe:
        """A DLMS GET of the clock through the module, plaintext or secured (the module's own
        counter): answered as ERXUDP, or heard on the air by the forged probes."""
        secured = protection is Protection.SECURED
        # A secured frame after the bench ended the session (NAT-3.4-CUT's "takes no part"):
        # the module sends secured only within a session, none after SKTERM, or the one the
        # terminal joined since (at x300 a retry interval is a few wall seconds), whose frames
        # it rightly answers. Only the injector sends what the smart meter would, under the
        # group key the ended session used, once the module reports its end (EVENT 27/28).
        ended = secured and terminal in self._ended_by_bench
        if ended and self._injector and self._group_keys and self._sniffed:
            self._clock.wait_until(lambda: terminal not in self._sessions, SESSION_END_WAIT_S)
            return self._injected_get(terminal, self._group_keys[-1], bad_mic=False)
        probe, wrapped = self._new_probe(terminal)
        address = sixlowpan.link_local_from_eui64(terminal)
        if ended or not self._radio.send_udp(address, DLMS_PORT, wrapped, secured, handle=DLMS_HANDLE):
            self._probes.pop(probe.identifier, None)
            if secured and not ended and terminal in self._sessions and terminal not in self._terminated:
                # The bench holds the session open (EVENT 25, no end reported): a secured
                # frame the terminal does not acknowledge is the terminal's failure.
                raise TerminalFailure(
                    "the terminal did not acknowledge a secured frame (EVENT 21 PARAM 01) "
                    "while its PANA session was open"
                )
            if secured:
                state = "the bench ended it" if ended else "none is open"
                raise NotApplicable(
                    f"the module sends secured only within a PANA session with the terminal ({state}); "
                    "an injector (role injector), a sniffer (role sniffer) for the module's frame counter "
                    "and the group key (its group_keys) would send it"
                )
            raise BenchError("the Wi-SUN module could not send the plaintext probe (EVENT 21 PARAM 01)")
        return probe

    def _new_probe(self, terminal: bytes) -> tuple[EchoProbe, bytes]:
        """A GET of the clock with the next invoke-id, and its wrapped octets."""
        self._probe_count += 1
        invoke_id = PROBE_INVOKE_IDS[self._probe_count % len(PROBE_INVOKE_IDS)]
        request = dlms.GetRequest(invoke_id=invoke_id, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2))
        probe = EchoProbe(invoke_id, self._probe_count, self._clock.now())
        self._probes[invoke_id] = probe
        self._replies[(probe.identifier, probe.sequence)] = []
        self._probe_terminals[(probe.identifier, probe.sequence)] = terminal
        return probe, dlms.wrap(dlms.encode(request))

    def _forged_probe(self, terminal: bytes, protection: Protection) -> EchoProbe:
        assert self._injector is not None
        if protection is Protection.REPLAYED:
            return self._replayed_probe(terminal)
        if protection is Protection.STRANGER:
            return self._stranger_probe(terminal)
        if protection in (Protection.LAST_COUNTER, Protection.BROADCAST_LAST_COUNTER):
            return self._last_counter_probe(terminal, protection)
        if protection in (Protection.BROADCAST_PLAINTEXT, Protection.BROADCAST_BAD_MIC):
            return self._to_all_probe(terminal, protection)
        if protection is Protection.BAD_MIC and self._group_keys:
            return self._injected_get(terminal, self._group_keys[-1], bad_mic=True)
        if protection not in (Protection.BAD_MIC, Protection.WRONG_KEY):
            raise BenchError(f"the HIL profile forges no request {protection.value}")
        # A wrong key; without the group key a bad MIC is one too, to the terminal.
        return self._injected_get(terminal, self._rng.randbytes(16), bad_mic=False)

    def _injected_get(self, terminal: bytes, key: bytes, *, bad_mic: bool) -> EchoProbe:
        """A secured GET of the clock from the module's address, through the injector."""
        assert self._injector is not None
        counter, key_index = forge.module_counter(self._air_if_any(), self._module)
        probe, wrapped = self._new_probe(terminal)
        payload = forge.dlms_payload(self._module, terminal, wrapped)
        raw = self._from_module(
            terminal, payload, counter + forge.COUNTER_HEADROOM, key_index, key=key, bad_mic=bad_mic
        )
        self._transmit(raw)
        return probe

    def _from_module(
        self,
        terminal: bytes,
        payload: bytes,
        counter: int,
        key_index: int,
        *,
        key: bytes | None = None,
        to_all: bool = False,
        bad_mic: bool = False,
    ) -> bytes:
        """A secured frame from the module's address in its PAN, to the terminal (or to all
        nodes), under ``key`` (the newest group key unless given), at ``counter``."""
        return forge.forged_frame(
            src=self._module,
            terminal=terminal,
            pan_id=FIRST_PAN_ID,
            payload=payload,
            key=self._group_keys[-1] if key is None else key,
            key_index=key_index,
            counter=counter,
            sequence=self._rng.randrange(256),
            bad_mic=bad_mic,
            to_all=to_all,
        )

    def _air_for_echo(self, why: str) -> AirLog:
        air = self._air_if_any()
        if air is None or not self._group_keys:
            raise NotApplicable(
                f"{why}: reading the answer needs a sniffer (role sniffer) and the group key (its group_keys)"
            )
        return air

    def _air_echo_probe(self, terminal: bytes, why: str) -> tuple[AirLog, EchoProbe]:
        """A new ICMPv6 echo probe whose Echo Reply is read on the air (``probe_replies``)."""
        air = self._air_for_echo(why)
        self._probe_count += 1
        # The answer is timed by the sniffer's clock, which may stand behind the bench's: it
        # can only come after the last frame the sniffer heard before the request went out.
        heard = air.frames()
        since = min(self._clock.now(), heard[-1].time) if heard else self._clock.now()
        probe = EchoProbe(self._rng.randrange(0x10000), self._probe_count, since)
        self._echo_probes[(probe.identifier, probe.sequence)] = terminal
        return air, probe

    def _injected_echo(self, terminal: bytes) -> EchoProbe:
        """An Echo Request from the module's address to the terminal, secured with the newest
        group key at the module's next frame counter, as the twin's meter sends it.

        The counter. The terminal keeps, per key and sender, the last counter it accepted and
        drops a frame whose counter does not exceed it (IEEE 802.15.4-2015 §9.2.4, the
        incoming frame security procedure's replay check). The smart meter's frames from this
        address are the module's and the bench's echoes: the highest counter the sniffer
        heard the module itself use in this scenario (after a join there is always one, the
        GET that confirms it; else one is sent, ``_hear_module_counter``) and the last echo
        injected, which the sniffer may not have passed on yet. The bench's forgeries from the
        address (far above the module's counter) are no counter of the meter's, as on the
        twin: a terminal that took one into its replay window drops the meter's next echo.
        One above both passes the replay check and is no higher than it must be: the
        module's own next frames up to it (one per echo injected) are then the ones the
        terminal drops as replays, and their nonces repeat the injected ones' (the monitors
        judge the terminal's nonces, not the meter's). The scenarios that probe this way
        read nothing through the module after their probes; a forgery's headroom
        (``forge.COUNTER_HEADROOM``) would cut the module off for a million frames. A module
        frame the sniffer missed, or one sent while the echo is in flight, can take the
        counter first: the echo is then dropped and the probe unanswered, a risk a sniffer
        on the module's channel makes small, not nil.
        """
        assert self._injector is not None
        air, probe = self._air_echo_probe(terminal, "an Echo Request is answered on the air")
        heard, key_index = self._module_counter(air)
        if heard is None and not self._injected_counter:
            heard, key_index = self._hear_module_counter(terminal)
        # A module's first frame may carry counter 0: "none heard" is None, not 0.
        self._injected_counter = max(-1 if heard is None else heard, self._injected_counter) + 1
        payload = forge.echo_payload(
            self._module, terminal, probe.identifier, probe.sequence, self._rng.randbytes(8)
        )
        raw = self._from_module(terminal, payload, self._injected_counter, key_index)
        self._transmit(raw)
        return probe

    def _hear_module_counter(self, terminal: bytes) -> tuple[int, int]:
        """The module's counter where the sniffer heard none of its secured frames in this
        scenario yet: a secured GET through the module, and the counter of the first of its
        frames the sniffer passes on (that GET, or an earlier one it had not yet)."""
        self._module_get(terminal, Protection.SECURED)
        if not self._clock.wait_until(lambda: self._module_counter(self.air)[0] is not None, REPLAY_WAIT_S):
            raise BenchError(
                f"the sniffer did not hear the module's secured GET within {REPLAY_WAIT_S:g} s: "
                "the module's frame counter is unknown, so a secured Echo Request cannot be built"
            )
        counter, key_index = self._module_counter(self.air)
        assert counter is not None
        return counter, key_index

    def _module_counter(self, air: AirLog) -> tuple[int | None, int]:
        """The highest frame counter (None: none heard) and the key index of the frames the
        module itself sent: the bench's forgeries from its address (a bad MIC or a wrong key,
        far above its counter) are no counter of the smart meter's, whatever the terminal
        made of them."""
        counter: int | None = None
        index = 1
        for frame in air.sent_by(self._module):
            security = frame.frame.security if frame.frame is not None else None
            if security is not None and frame.raw not in self._transmitted:
                counter = security.frame_counter if counter is None else max(counter, security.frame_counter)
                index = security.key_index
        return counter, index

    def _to_all_probe(self, terminal: bytes, protection: Protection) -> EchoProbe:
        """An Echo Request to all nodes (ff02::1, a broadcast frame) from the module's address,
        in plaintext, or secured with the group key at a counter far above the module's and
        its MIC spoilt; the terminal answers from its own address, secured: on the air."""
        assert self._injector is not None
        air, probe = self._air_echo_probe(terminal, "the terminal answers a request to all nodes on the air")
        payload = forge.echo_payload(
            self._module, terminal, probe.identifier, probe.sequence, self._rng.randbytes(8), to_all=True
        )
        if protection is Protection.BROADCAST_PLAINTEXT:
            raw = forge.broadcast_frame(
                src=self._module, pan_id=FIRST_PAN_ID, payload=payload, sequence=self._rng.randrange(256)
            )
        else:
            counter, key_index = forge.module_counter(air, self._module)
            raw = self._from_module(
                terminal, payload, counter + forge.COUNTER_HEADROOM, key_index, to_all=True, bad_mic=True
            )
        self._transmit(raw)
        return probe

    def _last_counter_probe(self, terminal: bytes, protection: Protection) -> EchoProbe:
        """A secured GET through the module, heard and answered; then a new Echo Request from
        the module's address (to the terminal, or to all nodes), secured with the group key at
        the highest counter the module was heard using: IEEE 802.15.4-2015 §9.2.5 takes a
        counter not greater than the last one accepted from a sender for a replay, equal
        included. The twin's meter sends its accepted frame to all nodes where the forgery
        goes to all nodes; the module's goes to the terminal, which changes nothing: the
        counter is the sender's, whatever the destination."""
        assert self._injector is not None
        to_all = protection is Protection.BROADCAST_LAST_COUNTER
        air = self._air_for_echo("a frame at the module's last counter")
        heard_before = len(air.frames())
        first = self._module_get(terminal, Protection.SECURED)

        def heard_and_answered() -> bool:
            overheard = forge.sent_to(
                self.air, self._module, terminal, after=heard_before, invoke_id=first.identifier
            )
            return overheard is not None and bool(self.probe_replies(first))

        # Unanswered, the terminal took no frame: the forgery is sent all the same, and the
        # scenario's last step finds the terminal deaf to its meter.
        self._clock.wait_until(heard_and_answered, REPLAY_WAIT_S)
        air, probe = self._air_echo_probe(terminal, "a frame at the module's last counter")
        counter, key_index = forge.module_counter(air, self._module)
        payload = forge.echo_payload(
            self._module, terminal, probe.identifier, probe.sequence, self._rng.randbytes(8), to_all=to_all
        )
        raw = self._from_module(terminal, payload, counter, key_index, to_all=to_all)
        self._transmit(raw)
        return probe

    def _stranger_probe(self, terminal: bytes) -> EchoProbe:
        assert self._injector is not None
        air, probe = self._air_echo_probe(terminal, "a stranger's frame is answered to the stranger")
        _, key_index = forge.module_counter(air, self._module)
        self._stranger_counter += 1
        payload = forge.echo_payload(
            forge.STRANGER_ADDRESS, terminal, probe.identifier, probe.sequence, self._rng.randbytes(8)
        )
        raw = forge.forged_frame(
            src=forge.STRANGER_ADDRESS,
            terminal=terminal,
            pan_id=FIRST_PAN_ID,
            payload=payload,
            key=self._group_keys[-1],
            key_index=key_index,
            counter=self._stranger_counter,
            sequence=self._rng.randrange(256),
        )
        self._transmit(raw)
        return probe

    def _replayed_probe(self, terminal: bytes) -> EchoProbe:
        """Send a secured GET through the module and hear it; send a second one and see it
        answered; then inject the first one's octets again: only its frame counter is old."""
        assert self._injector is not None
        if self._sniffed is None:
            raise NotApplicable("a replay needs a sniffer (role sniffer) to hear the frame it replays")
        heard_before = len(self.air.frames())
        first = self._module_get(terminal, Protection.SECURED)
        heard: list[AirFrame] = []

        def overheard() -> bool:
            frame = forge.sent_to(
                self.air, self._module, terminal, after=heard_before, invoke_id=first.identifier
            )
            heard[:] = [frame] if frame is not None else []
            return bool(heard)

        if not self._clock.wait_until(overheard, REPLAY_WAIT_S):
            raise BenchError(
                f"the sniffer did not hear the module's secured GET within {REPLAY_WAIT_S:g} s: "
                "nothing to replay"
            )
        second = self._module_get(terminal, Protection.SECURED)
        self._clock.wait_until(lambda: bool(self.probe_replies(second)), REPLAY_WAIT_S)
        replayed = EchoProbe(first.identifier, first.sequence, self._clock.now())
        self._probes[first.identifier] = replayed
        self._replies[(replayed.identifier, replayed.sequence)] = []
        self._injector.transmit(heard[0].raw, self._channel)
        return replayed

    @tended
    def probe_replies(self, probe: EchoProbe) -> list[ProbeReply] | list[AirFrame]:
        key = (probe.identifier, probe.sequence)
        if self._second is not None and key in self._second._probe_terminals:
            return self._second.probe_replies(probe)
        if key in self._echo_probes:  # an Echo Request the bench injected: answered on the air
            # By identifier and sequence number alone, which are this probe's only (a new
            # sequence number each): the sniffer's times settle as it goes (SniffedAir takes
            # the smallest delivery delay seen), so on a loaded host a reply can be stamped
            # before the probe's ``sent_at``, which was read off an earlier frame.
            return self.air.echo_replies(self._echo_probes[key], *key, since=-math.inf)
        replies = list(self._replies.get(key, []))
        if self._sniffed is not None and not replies and key in self._probe_terminals:
            # The module reports what its stack took; the sniffer hears an answer it dropped.
            replies = forge.get_answers(self.air, self._probe_terminals[key], probe.identifier, probe.sent_at)
        return replies

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
        if event.sender is None:
            return  # EVENT C0 (wake-up) names no one
        terminal = mac_of_link_local(event.sender)
        if terminal is None:
            return
        meter = self._name()
        if event.number == sk.EventNumber.PANA_DONE:
            # EVENT 25 ends a re-authentication within the session (RFC 5191 §4.3, no PCI) and
            # a new session alike: a PCI since the last one says the terminal started over (a
            # restart the module reports no end for), so this one is a join again.
            started_over = self._pci_at.get(terminal, -1.0) > self._authenticated_at.get(terminal, -1.0)
            self._authenticated_at[terminal] = when
            if terminal in self._confirmed and not started_over:
                self.events.append(TerminalReauthenticated(time=when, meter=meter, terminal=terminal))
                return
            self._confirmed.discard(terminal)
            if terminal in self._pending_joins:
                return
            self._sessions.add(terminal)
            self._terminated.discard(terminal)
            self._pending_joins[terminal] = when
            self._elicit_secured_datagram(terminal)
        elif event.number == sk.EventNumber.PANA_FAILED:
            self._forget_session(terminal, when)
            reason = "PANA authentication failed (EVENT 24)"
            self.events.append(
                AuthenticationRejected(time=when, meter=meter, terminal=terminal, reason=reason)
            )
        elif event.number in SESSION_ENDS:
            self._forget_session(terminal, when)
            cause = SESSION_ENDS[sk.EventNumber(event.number)]
            self.events.append(SessionEnded(time=when, meter=meter, terminal=terminal, cause=cause))

    def _forget_session(self, terminal: bytes, when: float) -> None:
        self._session_ended[terminal] = when
        self._sessions.discard(terminal)
        self._confirmed.discard(terminal)
        if self._pending_joins.pop(terminal, None) is not None:
            self.join_observations.append(
                f"EVENT 25 from {terminal.hex().upper()} was never confirmed: the session ended first"
            )

    def _elicit_secured_datagram(self, terminal: bytes) -> None:
        """A secured GET of the clock (IEC 62056-5-3), which every terminal answers secured."""
        request = dlms.GetRequest(
            invoke_id=JOIN_PROBE_INVOKE_ID, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2)
        )
        address = sixlowpan.link_local_from_eui64(terminal)
        self._radio.send_udp(address, DLMS_PORT, dlms.wrap(dlms.encode(request)), True, handle=DLMS_HANDLE)

    def _confirm_join(self, when: float, terminal: bytes, udp: sk.UdpReceived) -> None:
        reported = self._pending_joins.pop(terminal)
        completed = self._completed_on_the_air(terminal, reported)
        if completed is not None:
            self.join_observations.append(
                f"join of {terminal.hex().upper()}: the terminal's final PANA-Answer (C flag) was on the "
                f"air at {completed:.3f} s (EVENT 25 read at {reported:.3f} s)"
            )
            reported = completed
        self._confirmed.add(terminal)
        meter, terminal_id = self._name(), self._registry.registered_id or ""
        self.join_observations.append(
            f"join of {terminal.hex().upper()}: EVENT 25 at {reported:.3f} s, confirmed by the first "
            f"secured datagram from the terminal (ERXUDP SECURED 1, UDP {udp.rport} -> {udp.lport}) "
            f"at {when:.3f} s"
        )
        self.events.append(
            TerminalAuthenticated(time=reported, meter=meter, terminal=terminal, terminal_id=terminal_id)
        )
        self._registry.record_join(reported, terminal_id, meter, terminal)

    def _completed_on_the_air(self, terminal: bytes, reported: float) -> float | None:
        """With a sniffer, when PANA completed on the air: the terminal's last PANA-Answer
        with the C flag (RFC 5191 §4.3: the PAA authenticates on receiving it) before the
        module's EVENT 25, on the sniffer's clock like every other frame of the air. Only
        this session's: after the terminal's last session ended; heard a little after the
        EVENT (the sniffer's feed runs behind the module's line), the first one after it."""
        if self._sniffed is None:
            return None
        since = self._session_ended.get(terminal, float("-inf"))
        before: float | None = None
        after: float | None = None
        for frame in self.air.sent_by(terminal):
            message = frame.pana
            if message is None or message.is_request or not message.flags & pana.Flag.COMPLETE:
                continue
            if frame.time <= since:
                continue
            if frame.time <= reported:
                before = frame.time
            elif after is None:
                after = frame.time
        return before if before is not None else after

    def join_evidence(self) -> str:
        """Which observation confirmed each join (or that none did), for the report."""
        second = self._second.join_observations if self._second is not None else []
        return "\n".join(self.join_observations + second)

    def radio_protocol_errors(self) -> str:
        """The malformed lines the module printed during the scenario, with their octets."""
        errors = self._radio.protocol_error_log(self._errors_mark)
        lines = [f"{self._clock.at(e.time):.3f} s: {e.describe()}" for e in errors]
        own = (
            f"{len(errors)} malformed lines from {self._radio.resource}\n" + "\n".join(lines)
            if errors
            else ""
        )
        second = self._second.radio_protocol_errors() if self._second is not None else ""
        return "\n".join(part for part in (own, second) if part)

    def _datagram(self, when: float, udp: sk.UdpReceived) -> None:
        terminal, meter = udp.sender_lla, self._name()
        if udp.secured and terminal in self._pending_joins:
            self._confirm_join(when, terminal, udp)
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
            self._pci_at[terminal] = when
            if self._sniffed is None:
                # With a sniffer the PCI is taken from the air (take_air), on the scan's clock.
                self.events.append(PanaStarted(time=when, meter=meter, terminal=terminal))
        elif udp.lport == DLMS_PORT:
            if self._probe_answer(when, udp) or _answers_join_probe(udp.data):
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


def _answers_join_probe(payload: bytes) -> bool:
    try:
        apdu = dlms.decode(dlms.unwrap(payload).apdu)
    except ProtocolError:
        return False
    return isinstance(apdu, dlms.GetResponse) and apdu.invoke_id == JOIN_PROBE_INVOKE_ID


def _is_pci(payload: bytes) -> bool:
    try:
        return pana.decode(payload).message_type is pana.MessageType.PCI
    except ProtocolError:
        return False
