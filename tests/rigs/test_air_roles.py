"""The air's roles in the rig file (issue 13): a sniffer reading pcap/pcapng or ZEP, an
injector towards a ZEP bridge; the emulated air rigs load, mistakes are refused with the
file, line and field, the group keys stay secrets, and ``python -m rigs.check`` looks at
both roles without transmitting anything."""

from __future__ import annotations

import io
import shutil
import socket
from pathlib import Path

import pytest

from conformance.protocols import wpan
from conformance.protocols.pcap import PcapWriter
from conformance.yamlfile import DocumentError
from reports.bundle import redacted_rig
from rigs.check import check_rig, format_table
from rigs.drivers.injectorzep import ZepInjector
from rigs.drivers.snifferpcap import PcapSniffer
from rigs.drivers.snifferzep import ZepSniffer
from rigs.protocols import InjectorProtocol, SnifferProtocol
from rigs.resources import PcapFeed, UdpPeer, ZepFeed
from rigs.rigfile import kind_of, load_rig
from rigs.roles import ROLES, InjectorEntry, Opening, SnifferEntry

EMULATORS = Path(__file__).parents[2] / "rigs" / "emulators"
GROUP_KEY = "00112233445566778899aabbccddeeff"
ENVIRONMENT = {
    "IOTROUTE_RIG_RADIO": "/dev/pts/7",
    "IOTROUTE_RIG_MAINTENANCE": "socket://127.0.0.1:7001",
    "IOTROUTE_RIG_DIGITAL_IO_PORT": "5020",
    "IOTROUTE_RIG_SNIFFER_PIPE": "/tmp/iotroute-air/sniffer.pcap",
    "IOTROUTE_RIG_SNIFFER_ZEP_PORT": "17754",
    "IOTROUTE_RIG_INJECTOR_PORT": "17755",
    "IOTROUTE_RIG_GROUP_KEY": GROUP_KEY,
}


@pytest.fixture(autouse=True)
def _emulator_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def _air_rig(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "air.yaml"
    path.write_text("version: 1\nrig: {name: air}\nresources:\n" + body)
    return path


def test_the_emulated_air_rigs_load_with_a_sniffer_an_injector_and_the_group_key():
    pipe_rig, zep_rig = load_rig(EMULATORS / "air-rig.yaml"), load_rig(EMULATORS / "air-rig-zep.yaml")
    for rig in (pipe_rig, zep_rig):
        (_, sniffer), (_, injector) = rig.find("sniffer"), rig.find("injector")
        assert isinstance(sniffer, SnifferEntry) and isinstance(injector, InjectorEntry)
        assert sniffer.keys() == [bytes.fromhex(GROUP_KEY)]
        assert injector.udp == UdpPeer(host="127.0.0.1", port=17755)
        assert (kind_of(sniffer), kind_of(injector)) == ("capture", "udp")
        assert rig.find("wisun-radio") is not None and rig.find("home-lan") is not None
    assert pipe_rig.find("sniffer")[1].capture == PcapFeed(
        transport="pcap", path="/tmp/iotroute-air/sniffer.pcap"
    )
    assert zep_rig.find("sniffer")[1].capture == ZepFeed(transport="zep", host="127.0.0.1", port=17754)


def test_the_table_builds_each_feed_s_driver_and_the_injector():
    opening = Opening(declaration=None)  # type: ignore[arg-type]  # the air's drivers read none
    pipe = ROLES["sniffer"].build("air", load_rig(EMULATORS / "air-rig.yaml").find("sniffer")[1], opening)
    zep = ROLES["sniffer"].build("air", load_rig(EMULATORS / "air-rig-zep.yaml").find("sniffer")[1], opening)
    injector = ROLES["injector"].build(
        "inj", load_rig(EMULATORS / "air-rig.yaml").find("injector")[1], opening
    )
    try:
        assert (
            isinstance(pipe, PcapSniffer)
            and isinstance(zep, ZepSniffer)
            and isinstance(injector, ZepInjector)
        )
        assert isinstance(pipe, SnifferProtocol) and isinstance(zep, SnifferProtocol)
        assert isinstance(injector, InjectorProtocol)
    finally:
        injector.close()


@pytest.mark.parametrize(
    ("body", "line", "field", "problem"),
    [
        (
            "  air:\n    role: sniffer\n    capture: {transport: pcap, path: /x}\n    group_keys: [abc]\n",
            4,
            "resources.air.group_keys.0",
            "32 hex digits",
        ),
        (
            "  air:\n    role: sniffer\n    capture: {transport: usb, path: /tmp/x}\n",
            3,
            "resources.air.capture.transport",
            "'pcap' or 'zep'",
        ),
        (
            "  air:\n    role: sniffer\n    udp: {host: 127.0.0.1}\n",
            3,
            "resources.air.udp",
            "takes a capture",
        ),
        (
            "  inj:\n    role: injector\n    udp: {host: 127.0.0.1, port: 0}\n",
            3,
            "resources.inj.udp.port",
            "greater than or equal to 1",
        ),
    ],
)
def test_a_mistake_in_the_air_s_entries_names_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, problem: str
):
    path = _air_rig(tmp_path, body)
    with pytest.raises(DocumentError) as refused:
        load_rig(path)
    assert (refused.value.line, refused.value.field) == (line + 3, field)
    assert problem in str(refused.value)


def test_the_group_key_never_reaches_the_bundle_s_rig_file(tmp_path: Path):
    shutil.copy(EMULATORS / "instruments.yaml", tmp_path / "instruments.yaml")
    shutil.copy(EMULATORS / "air-rig.yaml", tmp_path / "air-rig.yaml")
    written = redacted_rig(tmp_path / "air-rig.yaml")
    assert GROUP_KEY not in written.lower() and "REDACTED" in written


def test_the_check_listens_to_the_sniffer_and_sends_nothing_to_the_bridge(tmp_path: Path):
    capture = tmp_path / "dumpcap.pcap"
    out = io.BytesIO()
    writer = PcapWriter(out)
    frame = wpan.encode(wpan.ack(sequence_number=9))
    writer.write(timestamp=0.0, frame=frame, channel=33, rssi_dbm=-40.0)
    capture.write_bytes(out.getvalue())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bridge:
        bridge.bind(("127.0.0.1", 0))
        bridge.setblocking(False)
        port = bridge.getsockname()[1]
        body = (
            f"  air:\n    role: sniffer\n    capture: {{transport: pcap, path: {capture}}}\n"
            f"  inj:\n    role: injector\n    udp: {{host: 127.0.0.1, port: {port}}}\n"
        )
        findings = check_rig(load_rig(_air_rig(tmp_path, body)))
        with pytest.raises(BlockingIOError):
            bridge.recv(100)  # nothing was put on the air
    table = format_table(findings)
    assert all(f.ok for f in findings), table
    rows = {f.resource: f for f in findings}
    assert rows["air"].role == "sniffer" and "1 frames in 1 s" in rows["air"].identity
    assert rows["inj"].role == "injector" and "nothing sent" in rows["inj"].identity
    assert f"udp 127.0.0.1:{port}" in table and f"pcap {capture}" in table


def test_a_sniffer_whose_feed_is_absent_is_an_error_row(tmp_path: Path):
    body = "  air:\n    role: sniffer\n    capture: {transport: pcap, path: /nonexistent/x.fifo}\n"
    (finding,) = check_rig(load_rig(_air_rig(tmp_path, body)))
    assert not finding.ok and "open" in finding.message
