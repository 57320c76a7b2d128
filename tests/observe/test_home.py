"""What the steps read of the meter side (conformance/observe/home.py): the meter's answers,
partial ones included; the metering devices the terminal read; its frames on the meter bus."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.observe.home import MeterAnswer, bus_requests, meter_answers, meters_read
from conformance.protocols import echonet
from conformance.sim.home_network import ALL_NODES, HomeDatagram
from conformance.sim.serial_bus import BusFrame

TERMINAL, METER, OTHER = "fe80::1", "fe80::10", "fe80::11"


@dataclass
class FakeHome:
    traffic: list[HomeDatagram] = field(default_factory=list)
    bus_traffic: list[BusFrame] = field(default_factory=list)
    meter_address: str = METER


def datagram(at: float, src: str, dst: str, esv: echonet.Esv, props: dict[int, bytes]) -> HomeDatagram:
    frame = echonet.Frame(
        tid=1,
        seoj=echonet.CONTROLLER if src == TERMINAL else echonet.DG_METER,
        deoj=echonet.DG_METER if src == TERMINAL else echonet.CONTROLLER,
        esv=esv,
        properties=tuple(echonet.Property(epc=epc, edt=edt) for epc, edt in props.items()),
    )
    return HomeDatagram(
        time=at, src=src, src_port=3610, dst=dst, dst_port=3610, payload=echonet.encode(frame)
    )


def test_a_partial_answer_is_kept_with_the_counter_it_lacks_as_none() -> None:
    home = FakeHome(
        [
            datagram(1.0, TERMINAL, METER, echonet.Esv.GET, {0xE0: b""}),
            datagram(1.1, METER, TERMINAL, echonet.Esv.GET_RES, {0xE0: echonet.cumulative_energy_edt(123)}),
            datagram(2.0, METER, TERMINAL, echonet.Esv.GET_RES, {0xE2: echonet.cumulative_energy_edt(7)}),
            datagram(3.0, METER, TERMINAL, echonet.Esv.GET_RES, {0x80: b"\x30"}),  # no energy
        ]
    )
    assert meter_answers(home) == [MeterAnswer(1.1, 123, None), MeterAnswer(2.0, None, 7)]


def test_every_meter_read_is_named_by_address_with_the_ids_its_answers_carried() -> None:
    home = FakeHome(
        [
            datagram(0.5, TERMINAL, ALL_NODES, echonet.Esv.GET, {0xE0: b""}),  # multicast: no one meter
            datagram(1.0, TERMINAL, METER, echonet.Esv.GET, {0xD1: b"", 0xE0: b""}),
            datagram(
                1.1,
                METER,
                TERMINAL,
                echonet.Esv.GET_RES,
                {0xD1: bytes.fromhex("FE01"), 0xE0: echonet.cumulative_energy_edt(1)},
            ),
            datagram(2.0, TERMINAL, OTHER, echonet.Esv.GET, {0xE2: b""}),
        ]
    )
    assert meters_read(home) == {METER: {"FE01"}, OTHER: set()}


def test_the_terminals_frames_on_the_bus_are_all_but_the_meters() -> None:
    home = FakeHome(bus_traffic=[BusFrame(1.0, "terminal", b"\x01"), BusFrame(1.1, "meter", b"\x02")])
    assert bus_requests(home) == [1.0]
