"""The fuzz corpus: real inputs taken from the bench's own captures, one folder per layer.

    python -m tests.fuzz.corpus [--seed N] [--per-layer N]

runs the twin-profile features with the harvest plugin below, which takes from every
scenario's observations what crossed each boundary: the frames on the air (plaintext as
they flew, and every secured frame decrypted with the smart meters' keys, then re-secured
under the fuzz key), the 6LoWPAN payloads with their MAC addresses, PANA messages, the EAP
packets inside them, DLMS/COSEM APDUs and the Data inside them, ECHONET Lite frames from
the home side, Modbus RTU answers from the meter bus, maintenance-port answers, firmware
images, a few captures; and the declaration and rig files of the repository. A diverse
handful per layer (by length and leading octets) is written to ``tests/fuzz/corpus/``,
where the property tests and ``make fuzz`` read it. The corpus is committed: regenerate
it when a codec changes its wire format.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

from tests.fuzz import skstack_lines
from tests.fuzz.targets import CORPUS, FUZZ_KEY, join_addressed

HARVEST = "IOTROUTE_FUZZ_HARVEST"
ROOT = Path(__file__).resolve().parents[2]


def _keep(folder: Path, layer: str, data: bytes) -> None:
    if not data:
        return
    target = folder / layer
    target.mkdir(parents=True, exist_ok=True)
    (target / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def _air(folder: Path, bench) -> None:
    from conformance.protocols import dlms, pana, wpan

    air = bench.route.air
    if air is None:
        return
    for frame in air.frames():
        decoded = frame.frame
        if decoded is None:
            _keep(folder, "wpan", frame.raw[:-2])  # undecodable as it flew: a seed all the same
            continue
        try:
            if decoded.security is None:
                _keep(folder, "wpan", frame.raw[:-2])
            elif frame.decrypted:
                _keep(folder, "wpan", wpan.encode(dataclasses.replace(decoded, security=None))[:-2])
                _keep(folder, "wpan-secured", wpan.secure(decoded, FUZZ_KEY)[:-2])
        except Exception:  # a frame the encoder refuses to rebuild: the raw one stands for it
            _keep(folder, "wpan", frame.raw[:-2])
        readable = decoded.security is None or frame.decrypted
        if decoded.frame_type is wpan.FrameType.DATA and readable and decoded.src_addr and decoded.dst_addr:
            _keep(folder, "sixlowpan", join_addressed(decoded.src_addr, decoded.dst_addr, decoded.payload))
        datagram = frame.datagram
        if datagram is None:
            continue
        if 716 in (datagram.src_port, datagram.dst_port):
            _keep(folder, "pana", datagram.payload)
            message = frame.pana
            for avp in message.avps if message else ():
                if avp.code == pana.AvpCode.EAP_PAYLOAD:
                    _keep(folder, "eap", avp.value)
        if 4059 in (datagram.src_port, datagram.dst_port):
            _keep(folder, "dlms", datagram.payload)
            try:
                apdu = dlms.decode(dlms.unwrap(datagram.payload).apdu)
            except Exception:
                continue
            for name in ("body", "data"):
                data = getattr(apdu, name, None)
                if isinstance(data, dlms.Data):
                    _keep(folder, "dlms-data", dlms.encode_data(data))


def _home(folder: Path, bench) -> None:
    home = getattr(bench, "home", None)
    for datagram in getattr(home, "traffic", None) or ():
        if 3610 in (datagram.src_port, datagram.dst_port):
            _keep(folder, "echonet", datagram.payload)
    for record in getattr(home, "bus_traffic", None) or ():
        _keep(folder, "modbus", record.frame)


def _maintenance(folder: Path, bench) -> None:
    port = getattr(bench.terminal, "maintenance", None)
    answer: list[str] = []
    for line in [*getattr(port, "transcript", ()), "> (end)"]:
        if line.startswith("> "):
            if answer:
                _keep(folder, "maintenance", "\n".join(answer).encode())
            answer = []
            if line.startswith("> FIRMWARE "):
                with contextlib.suppress(ValueError):  # not base64: no image to keep
                    _keep(folder, "firmware", base64.b64decode(line.split(" ", 2)[2], validate=True))
        elif line.startswith("< "):
            answer.append(line[2:])


@pytest.hookimpl
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature, scenario) -> None:
    from fixtures.bench import BENCH
    from fixtures.evidence import capture_bytes

    target = os.environ.get(HARVEST)
    bench = request.node.stash.get(BENCH, None)
    if not target or bench is None:
        return
    folder = Path(target)
    _air(folder, bench)
    _home(folder, bench)
    _maintenance(folder, bench)
    if bench.route.air is not None:
        capture = capture_bytes(bench)
        if len(capture) < 16_000:
            _keep(folder, "pcap", capture)


def _files(folder: Path) -> None:
    """The repository's declaration and rig files, variables filled in, and a Shift_JIS one."""
    from conformance.ics import DEFAULT_DECLARATION

    text = DEFAULT_DECLARATION.read_text(encoding="utf-8")
    _keep(folder, "declaration", text.encode())
    japanese = text.replace("company_name: IoT-route bench project", "company_name: 東北テスト電機株式会社")
    _keep(folder, "declaration", japanese.encode("cp932"))
    _keep(folder, "declaration", japanese.encode("utf-16"))
    for rig in sorted((ROOT / "rigs").glob("*/*.yaml")):
        body = rig.read_text(encoding="utf-8")
        if "\nrig:" not in body:
            continue  # pyvisa-sim devices, not a rig file
        filled = body
        for variable, value in {
            "${IOTROUTE_RIG_RADIO}": "/dev/ttyUSB0",
            "${IOTROUTE_RIG_MAINTENANCE}": "/dev/ttyUSB1",
            "${IOTROUTE_RIG_DIGITAL_IO_PORT}": "5020",
            "${IOTROUTE_RIG_POWER_SUPPLY_PORT}": "5025",
            "instruments.yaml@sim": '"@py"',  # no devices file next to the seed
        }.items():
            filled = filled.replace(variable, value)
        _keep(folder, "rig", filled.encode())


def _modbus(folder: Path) -> None:
    """The meter's answers on RS-485, from the bench's own register map (the twin profile's
    features read the meter over ECHONET Lite, so their captures hold none)."""
    from datetime import datetime

    from conformance.protocols import modbus_register_map as register_map
    from conformance.sim.timebase import JST
    from conformance.twin.home import modbus_meter

    class Meter:
        device_id, import_wh, export_wh = bytes.fromhex("FE0011223344AA01"), 12_345_678, 9_876

        def now(self) -> datetime:
            return datetime(2026, 4, 1, 9, 0, tzinfo=JST)

        def set_clock(self, when: datetime) -> None:
            pass

    front_end = modbus_meter.ModbusMeterFrontEnd(Meter(), device_id=1, tzinfo=JST)
    for request in (
        register_map.read_request(1),
        register_map.read_request(1, function_code=register_map.FunctionCode.READ_INPUT_REGISTERS),
        register_map.set_clock_request(1, datetime(2026, 4, 1, 9, 0, tzinfo=JST)),
        bytes.fromhex("01 05 00 00 FF 00 8C 3A"),  # a function the meter refuses: an exception reply
    ):
        answer = front_end.handle_rtu(request)
        if answer:
            _keep(folder, "modbus", answer)


def _chosen(layer: str, entries: list[Path], count: int) -> list[Path]:
    """Three quarters inputs the layer's codec reads cleanly, the rest malformed ones (the
    floods' garbage is plentiful and would crowd out the real frames)."""
    from tests.fuzz.targets import TARGETS

    target = next((t for t in TARGETS.values() if t.layer == layer and t.expected), None)
    if target is None:
        return _diverse(entries, count)
    clean, malformed = [], []
    for entry in entries:
        try:
            target.run(entry.read_bytes())
            clean.append(entry)
        except target.expected:
            malformed.append(entry)
    chosen = _diverse(clean, count * 3 // 4)
    return chosen + _diverse(malformed, count - len(chosen))


def _diverse(entries: list[Path], count: int) -> list[Path]:
    """Up to ``count`` entries, spread over the kinds (leading octets) and the lengths."""
    kinds: dict[bytes, list[Path]] = defaultdict(list)
    for entry in sorted(entries, key=lambda p: (p.stat().st_size, p.name)):
        kinds[entry.read_bytes()[:3]].append(entry)
    chosen: list[Path] = []
    while len(chosen) < count and any(kinds.values()):
        for kind in sorted(kinds):
            group = kinds[kind]
            if group and len(chosen) < count:
                chosen.append(group.pop(len(group) // 2 if len(chosen) % 2 else 0))
    return chosen


def build(*, seed: int, per_layer: int) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="iotroute-harvest-") as scratch:
        harvest = Path(scratch)
        command = [sys.executable, "-m", "pytest", "features", "--seed", str(seed), "-q", "--tb=no"]
        command += ["-p", "no:cacheprovider", "-p", "tests.fuzz.corpus"]
        subprocess.run(command, cwd=ROOT, env={**os.environ, HARVEST: str(harvest)}, check=True)
        _files(harvest)
        _modbus(harvest)
        skstack_lines.harvest(harvest)  # what a Wi-SUN module prints (no feature has one)
        shutil.rmtree(CORPUS, ignore_errors=True)
        counts = {}
        for layer in sorted(p for p in harvest.iterdir() if p.is_dir()):
            (CORPUS / layer.name).mkdir(parents=True)
            chosen = _chosen(layer.name, list(layer.iterdir()), per_layer if layer.name != "pcap" else 6)
            for entry in chosen:
                shutil.copy(entry, CORPUS / layer.name / entry.name)
            counts[layer.name] = len(chosen)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-layer", type=int, default=48)
    args = parser.parse_args(argv)
    for layer, count in build(seed=args.seed, per_layer=args.per_layer).items():
        print(f"{layer:>14}: {count} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
