"""Steps of the home-side and isolation features (features/security/home_side.feature,
isolation.feature).

Verdicts come from what the bench observes (DESIGN.md rule 1): the home network's port
mirror (what the terminal answered the rogue device, decoded as ECHONET Lite), the air
(what the terminal put on the IoT route, decrypted with the keys the bench's meters
issued) and the smart meter's route events (what reached it). What the terminal should
have answered is worked out from its declaration (``home_side``), never from the twin.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pytest_bdd import given, parsers, then, when

from conformance.errors import BenchError, NotApplicable, TerminalFailure
from conformance.ics import EchonetObject
from conformance.interfaces import Bench, Evidence, HomeDatagram, MeterDomains, RogueDevice
from conformance.observe.echonet_objects import announcement_map_problems, node_profile_problems
from conformance.observe.home import meter_reads
from conformance.observe.route_events import DatagramReceived
from conformance.protocols import dlms, echonet, sixlowpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pana import PANA_PORT
from conformance.stimulus.property_maps import (
    exposed,
    map_requests,
    property_map_epcs,
    writes_to_every_property,
)
from conformance.stimulus.rogue_requests import (
    REQUEST_FAMILIES,
    ROGUE_EOJ,
    ROGUE_PROBE_PORT,
    parse_ports,
    probe_payload,
    requests_from_unexpected_sources,
    whitelisted_eoj,
)
from steps.common import air_if_any, air_of, first_authentication, terminal_address

ANSWER_WAIT_S = 2.0  # a home LAN answers in milliseconds; the bench waits far longer
REQUEST_SPACING_S = 0.05
IOT_ANSWER_WAIT_S = 5.0  # after the last probe frame: many round trips at 100 kb/s
IOT_PROBE_SPACING_S = 0.02  # each probe frame waits for its acknowledgement
IOT_PROBE_SOURCE_PORT = 0xF0B0  # 61616: compressible by 6LoWPAN (RFC 6282 §4.3.3)
IOT_ROUTE_PORTS = (PANA_PORT, DLMS_PORT)  # all the IoT route carries
FINGERPRINT_MIN = 8  # shorter payloads are too common to recognise inside another
# ECHONET Lite's IPv6 multicast group is the link-local all-nodes address (RFC 4291
# §2.7.1): where a node-profile Get is asked, and where a terminal may answer it.
ALL_NODES = echonet.MULTICAST_V6


def joined_meter(bench: Bench) -> str:
    event = first_authentication(bench)
    if event is None:
        raise TerminalFailure("precondition not met: the terminal is not on the IoT route")
    return event.meter


def terminal_home_address(bench: Bench, rogue: RogueDevice) -> str:
    """The terminal's address on the home network, as a port mirror learns it: the source
    of traffic that is none of the bench's own nodes (the terminal looks for its meter at
    power-on); failing that, whoever answers a multicast node-profile Get."""
    home = bench.home

    def seen() -> str | None:
        own = {home.meter_address, rogue.address, *(d.src for d in rogue.sent)}
        return next((d.src for d in home.traffic if d.src not in own), None)

    if seen() is None:
        discover = echonet.request(0xFFFF, ROGUE_EOJ, echonet.NODE_PROFILE, echonet.Esv.GET, 0xD6)
        rogue.send(echonet.encode(discover), dst=ALL_NODES, dst_port=echonet.ECHONET_PORT)
        bench.clock.wait(ANSWER_WAIT_S)
    address = seen()
    if address is None:
        raise TerminalFailure("precondition not met: the terminal sent nothing on its home side")
    return address


def _whitelist(bench: Bench) -> list[EchonetObject]:
    return bench.declaration.home_side.echonet_whitelist


# -- Given -----------------------------------------------------------------------------


@given("a rogue device on the home network", target_fixture="rogue")
def rogue_device(bench: Bench) -> RogueDevice:
    rogue = bench.home.add_rogue()
    if ipaddress.ip_address(rogue.address).version != 6:  # the rules below are the home link's
        raise NotApplicable(
            f"the home-side rules judge IPv6 link-local sources; the rogue is at {rogue.address}"
        )
    return rogue


@given(parsers.parse('a HEMS controller on the B route of "{meter}"'))
def hems_controller(bench: Bench, meter: str) -> None:
    bench.route.add_hems_controller(meter)


# -- When: the rogue device ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attack:
    """What the rogue sent the terminal, from when."""

    terminal: str  # the terminal's home address
    since: float
    sent: tuple[HomeDatagram, ...]


def _send_all(bench: Bench, rogue: RogueDevice, messages: list[tuple[str | None, bytes]]) -> Attack:
    terminal = terminal_home_address(bench, rogue)
    since, first = bench.clock.now(), len(rogue.sent)
    for src, payload in messages:
        rogue.send(payload, dst=terminal, dst_port=echonet.ECHONET_PORT, src=src)
        bench.clock.wait(REQUEST_SPACING_S)
    bench.clock.wait(ANSWER_WAIT_S)
    return Attack(terminal, since, tuple(rogue.sent[first:]))


@when(parsers.parse("the rogue device sends the terminal {requests}"), target_fixture="attack")
def rogue_requests(bench: Bench, rogue: RogueDevice, requests: str) -> Attack:
    if requests == "requests from unexpected source addresses":
        return _send_all(bench, rogue, list(requests_from_unexpected_sources(_whitelist(bench))))
    if requests not in REQUEST_FAMILIES:
        raise BenchError(f"the rogue device knows no {requests!r}; it knows {sorted(REQUEST_FAMILIES)}")
    frames = REQUEST_FAMILIES[requests](_whitelist(bench))
    return _send_all(bench, rogue, [(None, frame) for frame in frames])


@when(
    "the rogue device writes every property the terminal's property maps list, with SetC, SetI and SetGet",
    target_fixture="attack",
)
def rogue_writes_every_property(bench: Bench, rogue: RogueDevice) -> Attack:
    whitelist = _whitelist(bench)
    asked = _send_all(bench, rogue, [(None, frame) for frame in map_requests(whitelist)])
    answers = [answer for exchange in exchanges(bench, asked) for answer in exchange.answers]
    writes = _send_all(
        bench, rogue, [(None, f) for f in writes_to_every_property(exposed(whitelist, answers))]
    )
    return Attack(asked.terminal, asked.since, asked.sent + writes.sent)


@then("the property maps the terminal answered list exactly its declared whitelist")
def maps_match_whitelist(bench: Bench, attack: Attack) -> None:
    """A value oracle on the home side's answers: the Get map (0x9F) and Set map (0x9E) each
    object gives are what its declaration says it serves (Part II Appendix 1), so a property
    the maps hide or add shows, and so do the maps' own octets."""
    whitelist = {str(whitelisted_eoj(entry)): entry for entry in _whitelist(bench)}
    answered: dict[tuple[str, int], list[int]] = {}
    for exchange in exchanges(bench, attack):
        for answer in exchange.answers:
            for prop in answer.properties if answer.esv is echonet.Esv.GET_RES else ():
                if prop.epc in (0x9D, 0x9E, 0x9F):  # the announcement map (0x9D) must decode too
                    try:
                        answered[(str(answer.seoj), prop.epc)] = property_map_epcs(prop.edt)
                    except ProtocolError as exc:
                        raise TerminalFailure(
                            f"object {answer.seoj} answered a property map 0x{prop.epc:02X} that does not "
                            f"decode: {exc}"
                        ) from None
    for eoj, entry in whitelist.items():
        for epc, declared in ((0x9F, entry.get), (0x9E, entry.set)):
            got = answered.get((eoj, epc))
            if got is None:
                if epc in entry.get:
                    raise TerminalFailure(f"object {eoj} never answered its property map 0x{epc:02X}")
                continue
            if got != sorted(declared):
                shown = ", ".join(f"0x{e:02X}" for e in sorted(set(got) ^ set(declared)))
                raise TerminalFailure(
                    f"object {eoj}'s property map 0x{epc:02X} differs from its declared "
                    f"{'get' if epc == 0x9F else 'set'} list in {shown}"
                )


@dataclass(frozen=True, slots=True)
class PortProbe:
    since: float
    ports: tuple[int, ...]


@when(parsers.parse("the rogue device probes the terminal's UDP ports {ports}"), target_fixture="port_probe")
def home_port_probe(bench: Bench, rogue: RogueDevice, ports: str) -> PortProbe:
    terminal, since = terminal_home_address(bench, rogue), bench.clock.now()
    probed = parse_ports(ports)
    for port in probed:
        rogue.send(probe_payload(port), dst=terminal, dst_port=port, src_port=ROGUE_PROBE_PORT)
    bench.clock.wait(ANSWER_WAIT_S)
    return PortProbe(since, tuple(probed))


def _target(domains: MeterDomains, target: str) -> str:
    addresses = {
        "the smart meter on the IoT route": domains.smart_meter,
        "the head-end system on the A route": domains.head_end,
        "the HEMS controller on the B route": domains.hems_controller,
    }
    return addresses[target]


@dataclass(frozen=True, slots=True)
class Crossing:
    """Datagrams the bench sent towards another domain, and where they were headed."""

    since: float
    target: str
    payloads: tuple[bytes, ...]


def _cross_domain_payloads() -> list[tuple[int, bytes]]:
    """What an attacker would send another domain: an ECHONET Lite write and a DLMS/COSEM
    write (the clock), each on its protocol's port."""
    setc = echonet.Frame(
        tid=0xB001,
        seoj=ROGUE_EOJ,
        deoj=echonet.LV_SMART_METER,
        esv=echonet.Esv.SETC,
        properties=(echonet.Property(epc=0x80, edt=echonet.OPERATION_STATUS_OFF),),
    )
    write_clock = dlms.SetRequest(
        invoke_id=9, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2), data=dlms.octet_string(bytes(12))
    )
    return [(echonet.ECHONET_PORT, echonet.encode(setc)), (DLMS_PORT, dlms.wrap(dlms.encode(write_clock)))]


@when(
    parsers.parse("the rogue device sends datagrams addressed to {target} through the terminal"),
    target_fixture="crossing",
)
def rogue_routes(bench: Bench, rogue: RogueDevice, target: str) -> Crossing:
    terminal = terminal_home_address(bench, rogue)
    destination = _target(bench.route.domains(joined_meter(bench)), target)
    since = bench.clock.now()
    sent = [
        rogue.send(p, dst=destination, dst_port=port, via=terminal) for port, p in _cross_domain_payloads()
    ]
    bench.clock.wait(IOT_ANSWER_WAIT_S)
    return Crossing(since, destination, tuple(d.payload for d in sent))


@when("the rogue device sends datagrams to all nodes of the home network", target_fixture="crossing")
def rogue_multicasts(bench: Bench, rogue: RogueDevice) -> Crossing:
    """The same writes as to another domain, sent to ff02::1 (every node of the home link,
    ECHONET Lite's multicast group): a terminal bridging multicast would carry them on."""
    terminal_home_address(bench, rogue)  # the terminal is up on its home side
    since = bench.clock.now()
    sent = [rogue.send(p, dst=ALL_NODES, dst_port=port) for port, p in _cross_domain_payloads()]
    bench.clock.wait(IOT_ANSWER_WAIT_S)
    return Crossing(since, ALL_NODES, tuple(d.payload for d in sent))


@when(
    "a datagram from the metering device's address is sent to the smart meter through the terminal",
    target_fixture="crossing",
)
def meter_address_routes(bench: Bench, rogue: RogueDevice) -> Crossing:
    """The bench forges the meter's source address: a meter that tried to talk to the smart
    meter directly would look like this on the home link."""
    terminal, meter = terminal_home_address(bench, rogue), bench.home.meter_address
    destination = bench.route.domains(joined_meter(bench)).smart_meter
    since = bench.clock.now()
    sent = [
        rogue.send(p, dst=destination, dst_port=port, src=meter, via=terminal)
        for port, p in _cross_domain_payloads()
    ]
    bench.clock.wait(IOT_ANSWER_WAIT_S)
    return Crossing(since, destination, tuple(d.payload for d in sent))


# -- When: the smart meter's side -----------------------------------------------------------


@when(parsers.parse('"{meter}" probes the terminal\'s UDP ports {ports}'), target_fixture="port_probe")
def iot_port_probe(bench: Bench, meter: str, ports: str) -> PortProbe:
    """Valid requests where the IoT route has services (a PANA ping on 716, a DLMS/COSEM
    GET of the clock on 4059), the probe payloads elsewhere; all secured with the group key."""
    terminal, since = terminal_address(bench), bench.clock.now()
    probed = parse_ports(ports)
    for port in probed:
        if port == PANA_PORT:
            bench.route.ping_session(meter, terminal)
        else:
            source = port if port == DLMS_PORT else IOT_PROBE_SOURCE_PORT
            bench.route.send_udp(meter, terminal, dst_port=port, payload=probe_payload(port), src_port=source)
        bench.clock.wait(IOT_PROBE_SPACING_S)
    bench.clock.wait(IOT_ANSWER_WAIT_S)
    return PortProbe(since, tuple(probed))


def _home_target(bench: Bench, rogue: RogueDevice, target: str) -> str:
    return {"the metering device": bench.home.meter_address, "the rogue device": rogue.address}[target]


@when(
    parsers.parse('"{meter}" sends the terminal secured datagrams addressed to {target}'),
    target_fixture="crossing",
)
def meter_routes(bench: Bench, rogue: RogueDevice, meter: str, target: str) -> Crossing:
    destination, since = _home_target(bench, rogue, target), bench.clock.now()
    read_meter = echonet.request(
        0xB101, echonet.LV_SMART_METER, echonet.DG_METER, echonet.Esv.GET, 0xD1, 0xE0
    )
    set_clock = echonet.request(
        0xB102,
        echonet.LV_SMART_METER,
        echonet.DG_METER,
        echonet.Esv.SETC,
        echonet.Property(epc=0x97, edt=b"\x00\x00"),
    )
    payloads = tuple(echonet.encode(f) for f in (read_meter, set_clock))
    for payload in payloads:
        bench.route.send_udp(
            meter,
            terminal_address(bench),
            dst=destination,
            dst_port=echonet.ECHONET_PORT,
            src_port=echonet.ECHONET_PORT,
            payload=payload,
        )
        bench.clock.wait(IOT_PROBE_SPACING_S)
    bench.clock.wait(IOT_ANSWER_WAIT_S)
    return Crossing(since, destination, payloads)


# -- Then: what the terminal answered the rogue ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request of the rogue's, decoded where it could be, and the terminal's answers."""

    request: HomeDatagram
    frame: echonet.Frame | None  # None: malformed
    answers: tuple[echonet.Frame, ...]


def _tid(payload: bytes) -> int | None:
    return int.from_bytes(payload[2:4], "big") if len(payload) >= 4 else None


def _decode(payload: bytes) -> echonet.Frame | None:
    try:
        return echonet.decode(payload)
    except ProtocolError:
        return None


def _replies(bench: Bench, attack: Attack) -> list[HomeDatagram]:
    """What the terminal sent the rogue (to any source address it used, or to all nodes)."""
    sources = {d.src for d in attack.sent}
    return [
        d
        for d in bench.home.traffic
        if d.time >= attack.since and d.src == attack.terminal and (d.dst in sources or d.dst == ALL_NODES)
    ]


def exchanges(bench: Bench, attack: Attack) -> list[Exchange]:
    """Each request with the answers of the same TID sent back to where it came from."""
    answers = []
    for datagram in _replies(bench, attack):
        frame = _decode(datagram.payload)
        if frame is None:
            raise TerminalFailure(
                f"the terminal sent the rogue device, at t={datagram.time:.3f} s, a datagram that is not "
                f"ECHONET Lite ({len(datagram.payload)} octets from UDP {datagram.src_port})"
            )
        if not frame.esv.is_request:
            answers.append((datagram, frame))
    found = []
    for request in attack.sent:
        mine = tuple(
            frame
            for datagram, frame in answers
            if frame.tid == _tid(request.payload)
            and datagram.dst in (request.src, ALL_NODES)
            and datagram.dst_port == request.src_port
            and datagram.time >= request.time
        )
        found.append(Exchange(request, _decode(request.payload), mine))
    return found


def _entry(whitelist: list[EchonetObject], eoj: echonet.Eoj, *, any_instance: bool) -> EchonetObject | None:
    for entry in whitelist:
        listed = echonet.Eoj.from_bytes(bytes.fromhex(entry.object))
        same_class = (listed.class_group, listed.class_code) == (eoj.class_group, eoj.class_code)
        if same_class and (eoj.instance == listed.instance or (any_instance and eoj.instance == 0)):
            return entry
    return None


def _disclosures(answer: echonet.Frame, entry: EchonetObject) -> list[str]:
    """Values the answer gives, and writes it confirms, that the whitelist does not allow."""
    problems = []
    reads: tuple[echonet.Property, ...] = ()
    writes: tuple[echonet.Property, ...] = ()
    if answer.esv in (echonet.Esv.GET_RES, echonet.Esv.GET_SNA, echonet.Esv.INF, echonet.Esv.INF_SNA):
        reads = answer.properties
    elif answer.esv.is_set_get:
        reads, writes = answer.get_properties, answer.properties
    elif answer.esv in (echonet.Esv.SET_RES, echonet.Esv.SETC_SNA, echonet.Esv.SETI_SNA):
        writes = answer.properties
    for prop in reads:
        if prop.edt and prop.epc not in entry.get:
            problems.append(f"gave the value of EPC 0x{prop.epc:02X}, which its whitelist does not list")
    accepted_all = answer.esv in (echonet.Esv.SET_RES, echonet.Esv.SETGET_RES)
    for prop in writes:
        # Part II 4.2.3: a written property comes back with PDC 0, a refused one with its EDT.
        if (accepted_all or not prop.edt) and prop.epc not in entry.set:
            problems.append(f"confirmed a write of EPC 0x{prop.epc:02X}, which its whitelist does not allow")
    return problems


@then("every answer the terminal gave the rogue device stays within its declared whitelist")
def within_whitelist(bench: Bench, attack: Attack) -> None:
    whitelist = _whitelist(bench)
    for exchange in exchanges(bench, attack):
        for answer in exchange.answers:
            entry = _entry(whitelist, answer.seoj, any_instance=False)
            if entry is None:
                raise TerminalFailure(
                    f"the terminal answered TID 0x{answer.tid:04X} as object {answer.seoj}, which its "
                    f"whitelist does not list ({answer.esv})"
                )
            problems = _disclosures(answer, entry)
            if problems:
                raise TerminalFailure(f"the terminal's {answer.esv} to TID 0x{answer.tid:04X} {problems[0]}")


def _expectation(bench: Bench, exchange: Exchange, terminal: str) -> tuple[str, str]:
    """(what the declaration calls for, why): "answer", "refuse" or "ignore"."""
    frame, source = exchange.frame, exchange.request.src
    if frame is None:
        return "ignore", "a malformed frame"
    try:
        address = ipaddress.IPv6Address(source)
    except ValueError:
        return "ignore", f"a request from {source}"
    if not address.is_link_local or source == terminal:
        return "ignore", f"a request from {source}, not a unicast address on the home link"
    if not frame.esv.is_request:
        return "ignore", f"a {frame.esv}, which is no request"
    entry = _entry(_whitelist(bench), frame.deoj, any_instance=True)
    if entry is None:
        return "ignore", f"a request for object {frame.deoj}, which the whitelist does not list"
    if frame.esv in (echonet.Esv.GET, echonet.Esv.INF_REQ):
        allowed = all(p.epc in entry.get for p in frame.properties)
    elif frame.esv is echonet.Esv.SETGET:
        allowed = all(p.epc in entry.set for p in frame.properties) and all(
            p.epc in entry.get for p in frame.get_properties
        )
    else:
        allowed = all(p.epc in entry.set for p in frame.properties)
    if allowed:
        return ("ignore" if frame.esv is echonet.Esv.SETI else "answer"), f"{frame.esv} within the whitelist"
    return "refuse", f"{frame.esv} of {frame.deoj} outside the whitelist"


def _read_back(exchanges_: list[Exchange]) -> str | None:
    """A write outside the whitelist that a later Get shows took effect (the rogue reads
    before and after each write: SetI has no answer when it succeeds)."""
    values: dict[tuple[str, int], bytes] = {}
    tried: dict[tuple[str, int], tuple[bytes, bytes | None]] = {}
    for exchange in exchanges_:
        frame = exchange.frame
        if frame is None or not frame.esv.is_request:
            continue
        if frame.esv in (echonet.Esv.SETC, echonet.Esv.SETI, echonet.Esv.SETGET):
            for prop in frame.properties:
                key = (str(frame.deoj), prop.epc)
                tried[key] = (prop.edt, values.get(key))
        for answer in exchange.answers:
            if answer.esv is not echonet.Esv.GET_RES:
                continue
            for prop in answer.properties:
                key = (str(answer.seoj), prop.epc)
                if key in tried and tried[key][0] == prop.edt and tried[key][1] not in (None, prop.edt):
                    return f"EPC 0x{prop.epc:02X} of {answer.seoj} reads back as the value the rogue wrote"
                values[key] = prop.edt
    return None


def _read_part(answer: echonet.Frame) -> tuple[echonet.Property, ...]:
    """The properties of an answer that carry read values (a write's answer has none)."""
    if answer.esv.is_set_get:
        return answer.get_properties
    return answer.properties if answer.esv in (echonet.Esv.GET_RES, echonet.Esv.INF) else ()


@then("the terminal answered what its whitelist allows and refused the rest as declared")
def refused_as_declared(bench: Bench, attack: Attack) -> None:
    found = exchanges(bench, attack)
    for exchange in found:
        problem = _misjudged(bench, exchange, attack.terminal)
        if problem is not None:
            raise TerminalFailure(f"the terminal {problem}")
    written = _read_back(found)
    if written is not None:
        raise TerminalFailure(f"the terminal accepted a write outside its whitelist: {written}")


def _misjudged(bench: Bench, exchange: Exchange, terminal: str) -> str | None:
    """How the terminal's answers to one request differ from what its declaration calls for."""
    expected, why = _expectation(bench, exchange, terminal)
    tid = _tid(exchange.request.payload)
    request = f"{why} ({f'TID 0x{tid:04X}' if tid is not None else 'a short frame'})"
    esvs, frame = [a.esv for a in exchange.answers], exchange.frame
    if expected == "ignore":
        return f"answered {request} with {esvs[0]}; it should discard it" if esvs else None
    assert frame is not None
    if expected == "answer":
        success = echonet.response_esv(frame.esv)
        if any(a.esv is success and all(p.edt for p in _read_part(a)) for a in exchange.answers):
            return None
        return f"did not answer {request} with {success} carrying every value: {_shown(esvs)}"
    if bench.declaration.home_side.refusal == "silence":
        return f"answered {request} with {esvs[0]}; it declares silence" if esvs else None
    wanted = echonet.not_possible_esv(frame.esv)
    return (
        None if esvs == [wanted] else f"answered {request} with {_shown(esvs)}; its declaration says {wanted}"
    )


def _shown(esvs: list[echonet.Esv]) -> str:
    return ", ".join(str(e) for e in esvs) or "nothing"


# -- Then: nothing crossed to the smart meter ---------------------------------------------------


def _fingerprints(payloads: list[bytes]) -> list[bytes]:
    """What a relay would carry: each payload, and an ECHONET Lite frame's EDATA without its
    TID, which a relay could renumber."""
    found = set()
    for payload in payloads:
        if len(payload) >= FINGERPRINT_MIN:
            found.add(payload)
        if len(payload) >= 12 and payload[:2] == bytes((echonet.EHD1_ECHONET_LITE, echonet.EHD2_FORMAT_1)):
            found.add(payload[4:])
    return sorted(found, key=len)


def _carried(payload: bytes, fingerprints: list[bytes]) -> bool:
    return any(print_ in payload for print_ in fingerprints)


def _reached_smart_meter(bench: Bench, since: float, fingerprints: list[bytes]) -> str | None:
    terminal = terminal_address(bench)
    for event in bench.route.events.of(DatagramReceived, terminal=terminal):
        assert isinstance(event, DatagramReceived)
        if event.time < since:
            continue
        if _carried(event.payload, fingerprints):
            return (
                f"{event.meter} received, at t={event.time:.3f} s, a datagram to UDP {event.dst_port} "
                "carrying it"
            )
        if event.dst_port not in IOT_ROUTE_PORTS:
            return (
                f"{event.meter} received, at t={event.time:.3f} s, a datagram to UDP {event.dst_port}: "
                f"the IoT route carries only PANA ({PANA_PORT}) and DLMS/COSEM ({DLMS_PORT})"
            )
    air = air_if_any(bench)  # the smart meter's own record above is the verdict where no sniffer is
    for frame in air.sent_by(terminal) if air is not None else ():
        datagram = frame.datagram
        if frame.time >= since and datagram is not None and _carried(datagram.payload, fingerprints):
            return f"the terminal put it on the air at t={frame.time:.3f} s ({frame.summary()})"
    return None


@then("nothing the rogue device sent reached the smart meter")
def nothing_relayed(bench: Bench, rogue: RogueDevice) -> None:
    if not rogue.sent:
        return
    found = _reached_smart_meter(bench, rogue.sent[0].time, _fingerprints([d.payload for d in rogue.sent]))
    if found is not None:
        raise TerminalFailure(f"what the rogue device sent on the home side went on: {found}")


@then("none of those datagrams crossed to the IoT route")
def not_routed_to_iot(bench: Bench, crossing: Crossing) -> None:
    target = ipaddress.IPv6Address(crossing.target).packed
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        packet = frame.packet
        if frame.time < crossing.since or packet is None:
            continue
        payload = packet.payload if isinstance(packet, sixlowpan.UdpDatagram) else packet.body
        if packet.dst == target or _carried(payload, _fingerprints(list(crossing.payloads))):
            raise TerminalFailure(
                f"the terminal routed a home-side datagram for {crossing.target} onto the IoT route: "
                f"frame at t={frame.time:.3f} s ({frame.summary()})"
            )


@then("none of those datagrams appeared on the home network")
def not_routed_home(bench: Bench, crossing: Crossing) -> None:
    fingerprints = _fingerprints(list(crossing.payloads))
    for datagram in bench.home.traffic:
        if datagram.time >= crossing.since and _carried(datagram.payload, fingerprints):
            raise TerminalFailure(
                f"the terminal routed an IoT-route datagram for {crossing.target} onto the home network: "
                f"[{datagram.src}]:{datagram.src_port} -> [{datagram.dst}]:{datagram.dst_port} at "
                f"t={datagram.time:.3f} s"
            )


# -- Then: the metering device and the smart meter (NAT-3.1-T1) ---------------------------------


@then("the terminal read the metering device over ECHONET Lite")
def read_the_meter(bench: Bench) -> None:
    if not meter_reads(bench.home):
        raise TerminalFailure("precondition not met: the terminal never read the metering device")


@then("no packet from the metering device's address reached the smart meter")
def nothing_from_meter_address(bench: Bench) -> None:
    meter = ipaddress.IPv6Address(bench.home.meter_address).packed
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        packet = frame.packet
        if packet is not None and packet.src == meter:
            raise TerminalFailure(
                f"a packet with the metering device's source address went on the air at t={frame.time:.3f} s "
                f"({frame.summary()}): the meter spoke to the smart meter through the terminal"
            )


@then("no datagram at the smart meter carries what the metering device's address sent")
def nothing_from_meter_payloads(bench: Bench) -> None:
    home = bench.home
    sent = [d.payload for d in home.traffic if d.src == home.meter_address]
    found = _reached_smart_meter(bench, 0.0, _fingerprints(sent))
    if found is not None:
        raise TerminalFailure(f"what the metering device's address sent reached the smart meter: {found}")


# -- Then: port probes ----------------------------------------------------------------------


def _judge_ports(
    evidence: Evidence, side: str, declared: list[int], probe: PortProbe, answered: set[int]
) -> None:
    probed_declared = sorted(p for p in declared if p in probe.ports)
    evidence.compare_declared(
        f"UDP ports answering on the {side}", probed_declared, sorted(answered), source="NAT-3.1-T2"
    )
    undeclared = sorted(answered - set(declared))
    if undeclared:
        raise TerminalFailure(
            f"UDP port{'s' if len(undeclared) > 1 else ''} {', '.join(map(str, undeclared))} answered on the "
            f"terminal's {side}, which its declaration does not list (declared: {declared})"
        )


@then("only the declared home-side UDP ports answered the probe")
def home_ports(bench: Bench, rogue: RogueDevice, port_probe: PortProbe, evidence: Evidence) -> None:
    answered = {
        d.src_port
        for d in bench.home.traffic
        if d.time >= port_probe.since and d.dst == rogue.address and d.dst_port == ROGUE_PROBE_PORT
    }
    _judge_ports(evidence, "home side", bench.declaration.home_side.open_udp_ports, port_probe, answered)


@then("only the declared IoT-route UDP ports answered the probe")
def iot_route_ports(bench: Bench, port_probe: PortProbe, evidence: Evidence) -> None:
    answered = set()
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        datagram = frame.datagram
        if frame.time >= port_probe.since and datagram is not None:
            answered.add(datagram.src_port)
    declared = bench.declaration.home_side.iot_route_open_udp_ports
    _judge_ports(evidence, "IoT-route side", declared, port_probe, answered)


@then("the objects the terminal answered for describe themselves as ECHONET Lite asks")
def objects_describe_themselves(bench: Bench, attack: Attack) -> None:
    """A value oracle on the objects' self-description (conformance/observe/echonet_objects.py):
    each object's status change announcement map (0x9D) names its class's mandatory
    announcements and only properties it serves, and the node profile's counts (0xD3, 0xD4)
    agree with its lists (0xD6, 0xD7). The values are the first each object answered, before
    any write the rogue tried."""
    first: dict[tuple[str, int], bytes] = {}
    eojs: dict[str, echonet.Eoj] = {}
    for exchange in exchanges(bench, attack):
        for answer in exchange.answers:
            if answer.esv is not echonet.Esv.GET_RES:
                continue
            eojs.setdefault(str(answer.seoj), answer.seoj)
            for prop in answer.properties:
                first.setdefault((str(answer.seoj), prop.epc), prop.edt)
    problems = []
    for entry in _whitelist(bench):
        eoj = whitelisted_eoj(entry)
        answered = eojs.get(str(eoj), eoj)
        values = {epc: edt for (name, epc), edt in first.items() if name == str(eoj)}
        maps = {}
        for epc in (0x9D, 0x9F):
            if epc in values:
                try:
                    maps[epc] = property_map_epcs(values[epc])
                except ProtocolError:
                    continue  # a map that does not decode: the map step says why
        problems += announcement_map_problems(answered, maps)
        if (eoj.class_group, eoj.class_code) == (
            echonet.NODE_PROFILE.class_group,
            echonet.NODE_PROFILE.class_code,
        ):
            problems += node_profile_problems(values)
    if problems:
        raise TerminalFailure("; ".join(problems))
