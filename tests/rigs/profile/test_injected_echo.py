"""A rig's secured echo probe (issue 13): with an injector, a sniffer and the group key, an
ICMPv6 Echo Request (RFC 4443 §4.1) from the module's address, secured with the group key
at the counter after the module's, built by the bench's codecs and read back by them and by
tshark; without an injector, the secured DLMS GET through the module as before.

The route runs beside a fake module (``FakeRadio``), a fake sniffer that hears what the test
puts on its air, and a loopback socket in the place of the injector's radio bridge.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conformance.errors import BenchError
from conformance.interfaces import MeterSetup, Protection
from conformance.protocols import sixlowpan, wpan, zep
from conformance.protocols.dlms import DLMS_PORT
from rigs.drivers.injectorzep import ZepInjector
from rigs.profile import air as forge
from rigs.profile.air import SniffedAir
from rigs.profile.clock import RigClock
from rigs.profile.route import FIRST_CHANNEL, FIRST_PAN_ID, HilIotRoute, RadioRegistry
from rigs.protocols import SniffedFrame
from tests.protocols.test_zep import _ipv4_udp, _raw_ip_pcap
from tests.rigs.profile.test_sides import MODULE, FakeRadio, Tending
from tests.tshark import run_tshark

GROUP_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY_INDEX = 1
TERMINAL = bytes.fromhex("0013a20040b5c3d1")
MODULE_COUNTER = 41  # the highest counter the sniffer heard the module use
PACE = 1000.0  # rig seconds per wall second: a wait of 10 rig s is 10 ms here


class FakeSniffer:
    """Implements :class:`~rigs.protocols.SnifferProtocol`: hears what the test puts on the air."""

    resource = "sniffer in the test"

    def __init__(self) -> None:
        self.heard: list[SniffedFrame] = []

    def hear(self, frame: bytes) -> None:
        now = time.monotonic()
        self.heard.append(SniffedFrame(frame=frame, timestamp=now, arrived=now, channel=FIRST_CHANNEL))

    def open(self) -> str:
        return self.resource

    def mark(self) -> int:
        return len(self.heard)

    def frames(self, since: int = 0) -> list[SniffedFrame]:
        return self.heard[since:]

    def check_alive(self) -> None:
        pass

    def close(self) -> None:
        pass


class HeardModule(FakeRadio):
    """A module whose secured sends the sniffer hears, at its own counter."""

    def __init__(self, sniffer: FakeSniffer, counter: int) -> None:
        super().__init__()
        self.sniffer = sniffer
        self.counter = counter

    def send_udp(self, address: bytes, port: int, data: bytes, secured: bool, *, handle: int) -> bool:
        super().send_udp(address, port, data, secured, handle=handle)
        if secured:
            self.counter += 1
            self.sniffer.hear(module_frame(forge.dlms_payload(MODULE, TERMINAL, data), self.counter))
        return True


def module_frame(payload: bytes, counter: int) -> bytes:
    return forge.forged_frame(
        src=MODULE,
        terminal=TERMINAL,
        pan_id=FIRST_PAN_ID,
        payload=payload,
        key=GROUP_KEY,
        key_index=KEY_INDEX,
        counter=counter,
        sequence=9,
    )


def rig_route(
    bridge: socket.socket | None, sniffer: FakeSniffer | None, radio: FakeRadio | None = None
) -> HilIotRoute:
    radio = radio or FakeRadio()
    clock = RigClock(pace=PACE)
    route = HilIotRoute(
        radio=radio,  # type: ignore[arg-type]
        clock=clock,
        registry=RadioRegistry(radio),  # type: ignore[arg-type]
        tend=Tending(),
        injector=ZepInjector("injector", *bridge.getsockname()) if bridge is not None else None,
        sniffed=(
            (
                lambda side: SniffedAir(
                    sniffer,
                    at=clock.at,
                    keys=lambda: [GROUP_KEY],
                    channel=lambda: side.channel,
                )
            )
            if sniffer is not None
            else None
        ),
        group_keys=(GROUP_KEY,),
    )
    route.add_meter(MeterSetup(name="SM-1", pairing_id="IOT99901"))
    return route


def injected(bridge: socket.socket) -> zep.ZepFrame:
    packet = zep.decode(bridge.recv(512))
    assert isinstance(packet, zep.ZepFrame)
    return packet


def echo_request_in(raw: bytes) -> tuple[wpan.Frame, sixlowpan.Icmpv6Message]:
    frame = wpan.unsecure(raw, GROUP_KEY)
    message = sixlowpan.decode_ipv6(frame.payload, src_mac=frame.src_addr, dst_mac=frame.dst_addr)
    assert isinstance(message, sixlowpan.Icmpv6Message)
    return frame, message


def test_a_secured_probe_is_an_echo_request_at_the_counter_after_the_modules(bridge: socket.socket):
    sniffer = FakeSniffer()
    radio = FakeRadio()
    route = rig_route(bridge, sniffer, radio)
    sniffer.hear(module_frame(forge.dlms_payload(MODULE, TERMINAL, b"\x00\x01"), MODULE_COUNTER))
    probes = [route.probe_echo("SM-1", TERMINAL, Protection.SECURED) for _ in range(3)]
    # The sniffer does not pass on the injected frames here: the bench's own count carries on.
    for number, probe in enumerate(probes, start=1):
        packet = injected(bridge)
        assert packet.channel == FIRST_CHANNEL
        header = wpan.decode(packet.frame)
        assert header.security is not None
        assert header.security.frame_counter == MODULE_COUNTER + number  # §9.2.4: above the module's
        assert header.security.key_index == KEY_INDEX
        assert header.security.security_level == 5  # ENC-MIC-32, as the module secures its frames
        frame, message = echo_request_in(packet.frame)
        assert (frame.src_addr, frame.dst_addr, frame.dst_pan) == (MODULE, TERMINAL, FIRST_PAN_ID)
        assert frame.ack_request  # a unicast data frame, acknowledged as the module's are
        assert message.type == sixlowpan.ECHO_REQUEST  # RFC 4443 §4.1
        assert message.src == sixlowpan.link_local_from_eui64(MODULE)
        assert message.dst == sixlowpan.link_local_from_eui64(TERMINAL)
        assert sixlowpan.echo_fields(message)[:2] == (probe.identifier, probe.sequence)
        assert route.probe_replies(probe) == []  # nothing answered yet
    assert not [call for call in radio.calls if call[0] == "send_udp"]  # nothing through the module


def test_the_next_probe_follows_what_the_module_sent_in_between(bridge: socket.socket):
    sniffer = FakeSniffer()
    route = rig_route(bridge, sniffer)
    sniffer.hear(module_frame(b"\x00", MODULE_COUNTER))  # the scenario's air starts with the route
    route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    sniffer.hear(module_frame(b"\x00", MODULE_COUNTER + 5))  # the module sent frames meanwhile
    route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    counters = [wpan.decode(injected(bridge).frame).security.frame_counter for _ in range(2)]  # type: ignore[union-attr]
    assert counters == [MODULE_COUNTER + 1, MODULE_COUNTER + 6]


@pytest.mark.parametrize("forgery", [Protection.WRONG_KEY, Protection.BAD_MIC])
def test_a_forgery_from_the_modules_address_is_no_counter_of_the_meters(
    bridge: socket.socket, forgery: Protection
):
    """A forgery runs far above the module's counter (``forge.COUNTER_HEADROOM``); the meter's
    next echo follows the module's own frames, as the twin's meter's does, so a terminal that
    took the forgery into its replay window drops it."""
    sniffer = FakeSniffer()
    route = rig_route(bridge, sniffer)
    sniffer.hear(module_frame(b"\x00", MODULE_COUNTER))
    route.probe_echo("SM-1", TERMINAL, forgery)
    forged = injected(bridge).frame
    sniffer.hear(forged)  # the sniffer hears the injector's frame on the module's channel
    assert wpan.decode(forged).security.frame_counter > MODULE_COUNTER + forge.COUNTER_HEADROOM - 1  # type: ignore[union-attr]
    route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    header = wpan.decode(injected(bridge).frame)
    assert header.security is not None and header.security.frame_counter == MODULE_COUNTER + 1


def test_the_terminals_echo_reply_on_the_air_answers_the_probe(bridge: socket.socket):
    sniffer = FakeSniffer()
    route = rig_route(bridge, sniffer)
    sniffer.hear(module_frame(b"\x00", MODULE_COUNTER))  # the scenario's air starts with the route
    probe = route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    _, request = echo_request_in(injected(bridge).frame)
    reply = sixlowpan.echo_reply_to(request)
    payload = sixlowpan.encode_icmpv6(reply, src_mac=TERMINAL, dst_mac=MODULE)
    answer = forge.forged_frame(
        src=TERMINAL,
        terminal=MODULE,
        pan_id=FIRST_PAN_ID,
        payload=payload,
        key=GROUP_KEY,
        key_index=KEY_INDEX,
        counter=3,
        sequence=1,
    )
    # Heard late, and the sniffer's offset settles lower (SniffedAir: the smallest delay
    # seen): the reply is stamped before the probe's sent_at, and still answers it.
    now = time.monotonic()
    sniffer.heard.append(SniffedFrame(frame=answer, timestamp=now - 60.0, arrived=now, channel=FIRST_CHANNEL))
    replies = route.probe_replies(probe)
    assert len(replies) == 1
    assert replies[0].time < probe.sent_at  # type: ignore[union-attr]
    assert replies[0].raw == answer and replies[0].decrypted  # type: ignore[union-attr]


def test_with_none_of_the_modules_frames_heard_a_secured_get_tells_its_counter(bridge: socket.socket):
    sniffer = FakeSniffer()
    radio = HeardModule(sniffer, counter=MODULE_COUNTER)
    route = rig_route(bridge, sniffer, radio)
    route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    assert ("send_udp", DLMS_PORT, True) in radio.calls
    header = wpan.decode(injected(bridge).frame)
    assert header.security is not None and header.security.frame_counter == MODULE_COUNTER + 2


def test_a_module_heard_at_counter_zero_is_heard(bridge: socket.socket):
    """A module's first secured frame carries counter 0: the echo takes 1, no GET first."""
    sniffer = FakeSniffer()
    radio = FakeRadio()
    route = rig_route(bridge, sniffer, radio)
    sniffer.hear(module_frame(b"\x00", 0))
    route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    header = wpan.decode(injected(bridge).frame)
    assert header.security is not None and header.security.frame_counter == 1
    assert not [call for call in radio.calls if call[0] == "send_udp"]


def test_a_module_the_sniffer_never_hears_is_a_bench_error(bridge: socket.socket):
    route = rig_route(bridge, FakeSniffer())
    with pytest.raises(BenchError, match="frame counter is unknown"):
        route.probe_echo("SM-1", TERMINAL, Protection.SECURED)


def test_without_an_injector_the_secured_probe_is_a_get_through_the_module():
    radio = FakeRadio()
    route = rig_route(None, FakeSniffer(), radio)
    probe = route.probe_echo("SM-1", TERMINAL, Protection.SECURED)
    assert ("send_udp", DLMS_PORT, True) in radio.calls
    assert probe.identifier in range(8, 16)  # a DLMS invoke-id (route.PROBE_INVOKE_IDS)


def test_wireshark_reads_the_injected_echo_request_and_decrypts_it(
    bridge: socket.socket, tshark: str, tmp_path: Path
):
    sniffer = FakeSniffer()
    route = rig_route(bridge, sniffer)
    sniffer.hear(module_frame(b"\x00", MODULE_COUNTER))  # the scenario's air starts with the route
    probes = [route.probe_echo("SM-1", TERMINAL, Protection.SECURED) for _ in range(2)]
    capture = tmp_path / "echo.pcap"
    _raw_ip_pcap([_ipv4_udp(bridge.recv(512)) for _ in probes], capture)
    blocks = run_tshark(tshark, capture, keys=[(GROUP_KEY, KEY_INDEX)], config_dir=tmp_path)
    assert len(blocks) == len(probes)
    for number, (block, probe) in enumerate(zip(blocks, probes, strict=True), start=1):
        assert "Malformed" not in block and "Expert Info (Error" not in block, block
        assert f"ZigBee Encapsulation Protocol, Channel: {FIRST_CHANNEL}" in block
        assert f"Frame Counter: {MODULE_COUNTER + number}" in block, block
        assert "Security Level: Encryption with 32-bit Message Integrity Code (0x5)" in block, block
        assert "Internet Control Message Protocol v6" in block, block
        assert "Type: Echo (ping) request (128)" in block, block
        assert f"Identifier: 0x{probe.identifier:04x}" in block, block
        assert f"Sequence: {probe.sequence}" in block, block
        assert "(Correct)" in block  # the FCS as the bench's codec computed it
