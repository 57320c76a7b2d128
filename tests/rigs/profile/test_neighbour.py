"""A neighbouring terminal on a rig (NAT-2.3-B, issue 13): the bench builds its Enhanced
Beacon Requests and the injector sends them (``rigs/profile/neighbour.py``).

The frames the ZEP injector really sends (a loopback UDP socket stands for the radio
bridge) are checked against three things the route's code did not make: the twin's
neighbour's frames on its radio medium (octet for octet), the project's codecs, and
tshark's zep and wpan dissectors.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conformance.errors import BenchError, NotApplicable
from conformance.interfaces import MeterSetup
from conformance.protocols import wpan, zep
from conformance.sim.radio import AirRecord, RadioMedium
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.bench import NEIGHBOUR_ADDRESS, TwinIotRoute
from rigs.drivers.injectorzep import ZepInjector
from rigs.profile.clock import RigClock
from rigs.profile.route import FIRST_CHANNEL, HilIotRoute, RadioRegistry
from tests.protocols.test_zep import _ipv4_udp, _raw_ip_pcap
from tests.rigs.profile.test_sides import FakeRadio, Tending
from tests.tshark import run_tshark

PAIRING_ID = "IOT99901"
PACE = 100.0  # rig seconds per wall second: a request every 1 s of rig time is 10 ms here
EVERY_S = 1.0


def rig_route(injector: ZepInjector | None) -> HilIotRoute:
    radio = FakeRadio()
    return HilIotRoute(
        radio=radio,  # type: ignore[arg-type]
        clock=RigClock(pace=PACE),
        registry=RadioRegistry(radio),  # type: ignore[arg-type]
        tend=Tending(),
        injector=injector,
    )


def sent_by_the_rig(bridge: socket.socket, requests: int) -> list[bytes]:
    """The ZEP datagrams of ``requests`` neighbour requests, the route tended in between."""
    injector = ZepInjector("injector", *bridge.getsockname())
    route = rig_route(injector)
    route.add_meter(MeterSetup(name="SM-X", pairing_id=PAIRING_ID))
    route.neighbour_scans(PAIRING_ID, EVERY_S)
    route.neighbour_round()  # at once again: not due yet
    datagrams = [bridge.recv(256)]
    while len(datagrams) < requests:
        time.sleep(EVERY_S / PACE / 4)
        route.neighbour_round()
        bridge.settimeout(0.0)
        try:
            datagrams.append(bridge.recv(256))
        except BlockingIOError:
            continue
        finally:
            bridge.settimeout(2.0)
    injector.close()
    assert route.address_book()[NEIGHBOUR_ADDRESS] == "neighbour terminal"
    return datagrams


def sent_by_the_twin(requests: int) -> list[AirRecord]:
    scheduler = Scheduler()
    medium = RadioMedium(scheduler, stream(1, "radio"))
    heard: list[AirRecord] = []
    medium.add_monitor(heard.append)
    twin = TwinIotRoute(scheduler, medium, seed=1)
    twin.add_meter(MeterSetup(name="SM-X", pairing_id=PAIRING_ID))
    twin.neighbour_scans(PAIRING_ID, EVERY_S)
    scheduler.run_until(EVERY_S * (requests - 0.5))
    return [record for record in heard if wpan.decode(record.frame).src_addr == NEIGHBOUR_ADDRESS]


def test_the_rigs_neighbour_sends_the_twins_frames_through_the_injector(bridge: socket.socket):
    datagrams = sent_by_the_rig(bridge, 3)
    twin = sent_by_the_twin(3)
    assert len(twin) == 3
    for sequence, (datagram, record) in enumerate(zip(datagrams, twin, strict=True), start=1):
        packet = zep.decode(datagram)
        assert isinstance(packet, zep.ZepFrame)
        assert packet.sequence == sequence  # the injector counts the bench's packets
        assert (packet.channel, record.channel) == (FIRST_CHANNEL, FIRST_CHANNEL)
        assert packet.frame == record.frame  # octet for octet, FCS included
        frame = wpan.decode(packet.frame)
        assert frame.command_id == wpan.CMD_ENHANCED_BEACON_REQUEST
        assert (frame.src_addr, frame.sequence_number) == (NEIGHBOUR_ADDRESS, sequence)
        assert wpan.pairing_id_of(frame) == PAIRING_ID


def test_wireshark_reads_the_neighbours_requests_as_the_injector_sent_them(
    bridge: socket.socket, tshark: str, tmp_path: Path
):
    datagrams = sent_by_the_rig(bridge, 2)
    capture = tmp_path / "neighbour.pcap"
    _raw_ip_pcap([_ipv4_udp(datagram) for datagram in datagrams], capture)
    blocks = run_tshark(tshark, capture, config_dir=tmp_path)
    assert len(blocks) == 2
    for sequence, block in enumerate(blocks, start=1):
        assert "Malformed" not in block and "Expert Info (Error" not in block, block
        assert f"ZigBee Encapsulation Protocol, Channel: {FIRST_CHANNEL}" in block
        # IEEE 802.15.4-2015: an Enhanced Beacon Request is the Beacon Request command (0x07)
        # in a frame of version 2, as the codec builds it
        assert "Command Identifier: Beacon Request (0x07)" in block
        assert "Frame Version: IEEE Std 802.15.4-2015 (2)" in block, block
        assert f"Sequence Number: {sequence}" in block
        assert "02:12:34:00:00:00:00:fe" in block  # the neighbour's extended address
        assert "Vendor Specific IE" in block and f"Data: {PAIRING_ID.encode().hex()}" in block
        assert "(Correct)" in block  # the FCS as the bench's codec computed it


def test_a_rig_without_an_injector_says_which_role_the_neighbour_needs():
    route = rig_route(None)
    route.add_meter(MeterSetup(name="SM-X", pairing_id=PAIRING_ID))
    with pytest.raises(NotApplicable, match=r"role injector"):
        route.neighbour_scans(PAIRING_ID, EVERY_S)
    route.neighbour_round()  # nothing to send, nothing sent
    assert NEIGHBOUR_ADDRESS not in route.address_book()


def test_a_neighbour_for_a_pairing_id_no_meter_has_is_a_bench_error(bridge: socket.socket):
    injector = ZepInjector("injector", *bridge.getsockname())
    route = rig_route(injector)
    route.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    with pytest.raises(BenchError, match=PAIRING_ID):
        route.neighbour_scans(PAIRING_ID, EVERY_S)
    injector.close()
