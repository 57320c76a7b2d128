"""The bench's home-side attacker, the smart meter's domains and the reference terminal's
home guard, tested on their own (features/security/home_side.feature and isolation.feature
rest on them).

The last group is the bench self-check of NAT-3.1-R1 on the bench's side: the smart meter
twin keeps its IoT route and its B route apart. IoT-route packets addressed to the B route
reach the smart meter and stop there; B-route packets addressed to the terminal never go on
the air. The reference terminal's isolation is what the features check; these tests show the
bench itself does not leak between domains, so a failure there is the terminal's.
"""

from __future__ import annotations

import ipaddress

import pytest

from conformance.errors import BenchError, TerminalFailure
from conformance.ics import Declaration, load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe.route_events import DatagramReceived, TerminalAuthenticated
from conformance.protocols import dlms, echonet, pana, sixlowpan
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.stimulus import rogue_requests as rogue_device
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class
from conformance.twin.faults.home import AcceptsAnySet
from conformance.twin.meter.b_route import HEMS_POLL_S, HES_ADDRESS
from conformance.twin.terminal.functions import replace_function
from conformance.twin.terminal.functions.home_guard import HomeGuard
from conformance.twin.terminal.reference import TERMINAL_HOME_ADDRESS, ReferenceTerminal
from steps.home_security_steps import Attack, refused_as_declared

DECLARATION = load_declaration()
TERMINAL = DECLARATION.identity.eui64
WHITELIST = DECLARATION.home_side.echonet_whitelist


def _joined(declaration: Declaration = DECLARATION, dut: type[ReferenceTerminal] | None = None) -> TwinBench:
    bench = TwinBench(seed=7, declaration=declaration, dut_factory=dut or terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=declaration.credentials.pairing_id))
    bench.terminal.power_on()
    assert bench.clock.wait_until(lambda: bench.route.events.first(TerminalAuthenticated) is not None, 90)
    return bench


def _answers(bench: TwinBench, rogue: rogue_device.TwinRogueDevice) -> list[echonet.Frame]:
    return [echonet.decode(d.payload) for d in rogue.received if d.src == TERMINAL_HOME_ADDRESS]


# -- the home network's next hop (via) ----------------------------------------------------------


def test_a_datagram_sent_via_a_next_hop_reaches_its_interface_and_not_its_destination() -> None:
    scheduler = Scheduler()
    network = HomeNetwork(scheduler)
    seen, at_interface, at_destination = [], [], []
    network.add_monitor(seen.append)
    network.attach("fe80::1", at_interface.append)
    network.listen("2001:db8:a::1", dlms.DLMS_PORT, at_destination.append)
    sent = network.send(
        src="fe80::2", src_port=1, dst="2001:db8:a::1", dst_port=dlms.DLMS_PORT, payload=b"x", via="fe80::1"
    )
    network.send(
        src="fe80::2", src_port=1, dst="2001:db8:a::1", dst_port=dlms.DLMS_PORT, payload=b"y", via="fe80::9"
    )
    scheduler.run_until(1.0)
    assert [d.payload for d in at_interface] == [b"x"]
    assert at_destination == []  # the second had no interface at its next hop: lost
    assert seen[0] == sent and sent.via == "fe80::1"
    with pytest.raises(BenchError):
        network.attach("fe80::1", at_interface.append)


# -- the reference terminal's ECHONET Lite server -------------------------------------------


def test_the_reference_tables_are_what_the_reference_declaration_whitelists() -> None:
    bench = TwinBench(seed=1, declaration=DECLARATION, dut_factory=ReferenceTerminal)
    guard = next(f for f in bench.terminal._dut.functions if isinstance(f, HomeGuard))
    tables = {str(o.eoj): (sorted(o.values), sorted(o.settable)) for o in guard.objects}
    declared = {e.object.upper(): (sorted(e.get), sorted(e.set)) for e in WHITELIST}
    assert tables == declared
    assert guard.refusal == DECLARATION.home_side.refusal


def test_the_guard_answers_its_whitelist_refuses_the_rest_and_ignores_other_objects() -> None:
    bench = _joined()
    rogue = bench.home.add_rogue()
    builder = rogue_device.RequestBuilder()
    node, controller = (rogue_device.whitelisted_eoj(e) for e in WHITELIST)
    requests = [
        builder.get(node, [0xD6, 0x8A]),
        builder.get(controller, [0x80, 0xE0]),
        builder.frame(controller, echonet.Esv.SETC, [echonet.Property(epc=0x80, edt=b"\x31")]),
        builder.get(echonet.DG_METER, [0xE0]),
    ]
    for payload in requests:
        rogue.send(payload, dst=TERMINAL_HOME_ADDRESS, dst_port=echonet.ECHONET_PORT)
    bench.clock.wait(1.0)
    answers = {a.tid: a for a in _answers(bench, rogue)}
    first = answers[rogue_device.FIRST_TID]
    assert first.esv is echonet.Esv.GET_RES and first.find(0xD6).edt == b"\x01" + bytes(echonet.CONTROLLER)
    refused_read = answers[rogue_device.FIRST_TID + 1]
    assert refused_read.esv is echonet.Esv.GET_SNA
    assert refused_read.find(0x80).edt == echonet.OPERATION_STATUS_ON and refused_read.find(0xE0).edt == b""
    refused_write = answers[rogue_device.FIRST_TID + 2]
    assert refused_write.esv is echonet.Esv.SETC_SNA and refused_write.find(0x80).edt == b"\x31"
    assert rogue_device.FIRST_TID + 3 not in answers  # not an object of the terminal: discarded


def test_the_guard_answers_no_request_from_an_unexpected_source() -> None:
    bench = _joined()
    rogue = bench.home.add_rogue()
    for source, payload in rogue_device.requests_from_unexpected_sources(WHITELIST):
        rogue.send(payload, dst=TERMINAL_HOME_ADDRESS, dst_port=echonet.ECHONET_PORT, src=source)
    rogue.send(
        rogue_device.probe_payload(echonet.ECHONET_PORT),
        dst=TERMINAL_HOME_ADDRESS,
        dst_port=echonet.ECHONET_PORT,
    )
    bench.clock.wait(1.0)
    from_terminal = [d for d in bench.home.traffic if d.src == TERMINAL_HOME_ADDRESS]
    assert [d.dst for d in from_terminal if d.dst != "ff02::1"] == [rogue.address]  # only the on-link one


def test_the_reference_answers_valid_requests_on_each_declared_port_and_nothing_elsewhere() -> None:
    bench = _joined()
    rogue = bench.home.add_rogue()
    for port in (echonet.ECHONET_PORT, pana.PANA_PORT, dlms.DLMS_PORT, 5683, 8080):
        payload = rogue_device.probe_payload(port)
        rogue.send(payload, dst=TERMINAL_HOME_ADDRESS, dst_port=port, src_port=rogue_device.ROGUE_PROBE_PORT)
    bench.clock.wait(1.0)
    assert {d.src_port for d in rogue.received} == set(DECLARATION.home_side.open_udp_ports)
    since = bench.clock.now()
    bench.route.ping_session("SM-1", TERMINAL)
    bench.clock.wait(1.0)
    for port in (dlms.DLMS_PORT, echonet.ECHONET_PORT, 5683):
        bench.route.send_udp(
            "SM-1", TERMINAL, dst_port=port, payload=rogue_device.probe_payload(port), src_port=port
        )
        bench.clock.wait(0.5)
    bench.clock.wait(3.0)
    answered = {
        f.datagram.src_port for f in bench.route.air.sent_by(TERMINAL) if f.time >= since and f.datagram
    }
    assert answered == set(DECLARATION.home_side.iot_route_open_udp_ports)


def test_a_silent_terminal_that_accepts_a_write_is_caught_by_the_read_back() -> None:
    """With ``refusal: silence`` a swallowed SetI looks like a refused one; only the Get
    after it shows the write took effect. The step's read-back must catch that."""
    data = DECLARATION.model_dump()
    data["home_side"]["refusal"] = "silence"
    silent = Declaration.model_validate(data)

    class SilentGuard(HomeGuard):
        refusal = "silence"

    class SilentAcceptsAnySet(AcceptsAnySet):
        refusal = "silence"

    verdicts = {}
    for name, variant in (("refuses", SilentGuard), ("accepts", SilentAcceptsAnySet)):
        bench = _joined(silent, replace_function(ReferenceTerminal, HomeGuard, variant))
        rogue = bench.home.add_rogue()
        since = bench.clock.now()
        for payload in rogue_device.REQUEST_FAMILIES["SetI requests"](WHITELIST):
            rogue.send(payload, dst=TERMINAL_HOME_ADDRESS, dst_port=echonet.ECHONET_PORT)
            bench.clock.wait(0.05)
        bench.clock.wait(1.0)
        try:
            refused_as_declared(bench, Attack(TERMINAL_HOME_ADDRESS, since, tuple(rogue.sent)))
            verdicts[name] = "pass"
        except TerminalFailure as failure:
            verdicts[name] = str(failure)
    assert verdicts["refuses"] == "pass"
    assert "reads back as the value the rogue wrote" in verdicts["accepts"]


# -- the rogue's repertoire ----------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(rogue_device.REQUEST_FAMILIES))
def test_each_request_family_is_well_formed_but_the_malformed_one(family: str) -> None:
    frames = rogue_device.REQUEST_FAMILIES[family](WHITELIST)
    assert frames
    decodable = []
    for payload in frames:
        try:
            echonet.decode(payload)
            decodable.append(True)
        except ProtocolError:
            decodable.append(False)
    assert decodable == [family != "malformed frames"] * len(frames)
    tids = [int.from_bytes(p[2:4], "big") for p in frames if family != "malformed frames"]
    assert len(set(tids)) == len(tids)


def test_the_set_families_write_outside_the_set_list_between_two_reads() -> None:
    frames = [echonet.decode(p) for p in rogue_device.REQUEST_FAMILIES["SetC requests"](WHITELIST)]
    assert [f.esv for f in frames] == [echonet.Esv.GET, echonet.Esv.SETC, echonet.Esv.GET] * len(WHITELIST)
    for entry, write in zip(WHITELIST, frames[1::3], strict=True):
        assert all(p.epc not in entry.set and p.edt for p in write.properties)


def test_port_lists_and_probe_payloads() -> None:
    # The parser reads numbers from text: these literals are its input, not the codecs' ports.
    assert rogue_device.parse_ports("1-3, 716, 2, 4059") == [1, 2, 3, 716, 4059]
    assert echonet.decode(rogue_device.probe_payload(echonet.ECHONET_PORT)).esv is echonet.Esv.GET
    assert rogue_device.probe_payload(9) == b"\r\n"


# -- the smart meter's domains (NAT-3.1-R1 on the bench's side) -------------------------------


def test_the_domains_name_a_node_of_each_route() -> None:
    bench = _joined()
    bench.route.add_hems_controller("SM-1")
    domains = bench.route.domains("SM-1")
    meter = bench.route.meters["SM-1"].config.address
    assert ipaddress.IPv6Address(domains.smart_meter).packed == sixlowpan.mac_to_link_local(meter)
    assert domains.head_end == HES_ADDRESS
    assert domains.hems_controller == bench.route.b_routes["SM-1"].hems.address


def test_the_hems_controller_reads_the_smart_meter_over_its_own_b_route() -> None:
    bench = _joined()
    bench.route.add_hems_controller("SM-1")
    bench.clock.wait(3 * HEMS_POLL_S)
    b_route = bench.route.b_routes["SM-1"]
    assert len(b_route.hems.readings) >= 3 and b_route.hems.readings[0].watts == b_route.meter_node.load_w
    terminal_home = {d.src for d in bench.home.traffic}
    assert not terminal_home & {d.src for d in b_route.traffic}  # two links, no node in common


def test_the_smart_meter_drops_iot_route_packets_addressed_to_the_b_route() -> None:
    """A terminal's secured datagram addressed to the HEMS controller reaches the smart meter
    (a route event) and goes no further: nothing new on the B route, nothing at the HEMS."""
    bench = _joined()
    bench.route.add_hems_controller("SM-1")
    b_route, dut = bench.route.b_routes["SM-1"], bench.terminal._dut
    bench.clock.wait(1.0)
    before = len(b_route.traffic)
    payload = rogue_device.probe_payload(echonet.ECHONET_PORT) + b"to the B route"
    for port in (echonet.ECHONET_PORT, dlms.DLMS_PORT):
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(TERMINAL),
            dst=ipaddress.IPv6Address(b_route.hems.address).packed,
            src_port=port,
            dst_port=port,
            payload=payload,
        )
        dut.link.send_udp(bench.route.meters["SM-1"].config.address, datagram, secure=True)
    bench.clock.wait(HEMS_POLL_S / 2)
    arrived = [e for e in bench.route.events.of(DatagramReceived, terminal=TERMINAL) if e.payload == payload]
    assert len(arrived) == 2  # the smart meter got both
    assert all(payload not in d.payload for d in b_route.traffic[before:])
    assert all(d.src == b_route.meter_node.address for d in b_route.hems.received)


def test_the_smart_meter_puts_no_b_route_packet_on_the_iot_route() -> None:
    bench = _joined()
    bench.route.add_hems_controller("SM-1")
    b_route = bench.route.b_routes["SM-1"]
    terminal = str(ipaddress.IPv6Address(sixlowpan.mac_to_link_local(TERMINAL)))
    since, payload = bench.clock.now(), b"from the B route to the terminal"
    for port in (echonet.ECHONET_PORT, dlms.DLMS_PORT, pana.PANA_PORT):
        for via in (None, b_route.meter_node.address):  # on-link, and handed to the smart meter
            b_route.link.send(
                src=b_route.hems.address, src_port=port, dst=terminal, dst_port=port, payload=payload, via=via
            )
    bench.clock.wait(5.0)
    meter = bench.route.meters["SM-1"].config.address
    for frame in bench.route.air.sent_by(meter):
        assert frame.time < since or frame.datagram is None or payload not in frame.datagram.payload
