"""The fuzz targets: every place where bytes from a terminal, a rig or a file enter the
bench, each with the one family of errors it may answer with (DESIGN.md rule 7).

A target takes arbitrary octets and either decodes them or raises its *expected* error:
``ProtocolError`` for a codec (a finding about the terminal), ``TerminalFailure`` for the
maintenance answers, ``DocumentError`` for the file loaders. Anything else is a defect of
the bench. The HES uplink, the air log and the metering path take anything and report a
finding, so for them every exception is a defect.

Used by the property tests (``tests/fuzz/test_targets.py``, hypothesis, mutating the
corpus of real frames in ``tests/fuzz/corpus/``) and by the coverage-guided run behind
``make fuzz`` (``tests/fuzz/run.py``, atheris). The SKSTACK-IP line parser's target and
corpus are in ``tests/fuzz/skstack_lines.py``.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import TerminalFailure
from conformance.ics import load_declaration
from conformance.observe.air import AirFrame
from conformance.observe.hes_events import HesEventLog
from conformance.protocols import (
    dlms,
    eap,
    eap_psk,
    echonet,
    firmware_image,
    maintenance,
    modbus_register_map,
    pana,
    pcap,
    sixlowpan,
    wpan,
)
from conformance.protocols.dlms import events as dlms_events
from conformance.protocols.errors import ProtocolError
from conformance.sim.scheduler import Scheduler
from conformance.twin.hes.metering import HesMetering
from conformance.twin.hes.reading_store import ReadingStore
from conformance.yamlfile import DocumentError
from rigs.rigfile import load_rig
from tests.fuzz import skstack_lines

CORPUS = Path(__file__).with_name("corpus")
FUZZ_KEY = bytes(range(16))  # the corpus's secured frames are re-secured under this key
# 802.15.4 entries are MPDUs without their FCS: the target appends a good one, so a mutation
# reaches the fields behind the FCS check instead of failing it (7.2.10).


@dataclass(frozen=True)
class Target:
    name: str
    layer: str  # the corpus folder its seeds come from
    run: Callable[[bytes], object]
    expected: tuple[type[BaseException], ...]  # what the input may legitimately raise

    def __call__(self, data: bytes) -> None:
        with contextlib.suppress(*self.expected):
            self.run(data)


# -- layouts of the corpus entries that carry more than one field ---------------------------


def split_addressed(data: bytes) -> tuple[bytes | int, bytes | int, bytes]:
    """A 6LoWPAN entry: one octet of address kinds (bit 0: source short, bit 1: destination
    short), the source and destination MAC addresses (2 or 8 octets), then the payload."""
    kinds = data[0] if data else 0
    rest = data[1:]
    addresses: list[bytes | int] = []
    for short in (kinds & 1, kinds & 2):
        size = 2 if short else 8
        field, rest = rest[:size], rest[size:]
        field = field.ljust(size, b"\0")
        addresses.append(int.from_bytes(field, "big") if short else field)
    return addresses[0], addresses[1], rest


def join_addressed(src: bytes | int, dst: bytes | int, payload: bytes) -> bytes:
    kinds = (isinstance(src, int) and 1) | (isinstance(dst, int) and 2)
    fields = [a.to_bytes(2, "big") if isinstance(a, int) else a for a in (src, dst)]
    return bytes([kinds]) + b"".join(fields) + payload


# -- the targets ------------------------------------------------------------------------


def _sixlowpan(data: bytes) -> None:
    src, dst, payload = split_addressed(data)
    sixlowpan.decode_ipv6(payload, src_mac=src, dst_mac=dst)


def _dlms(data: bytes) -> None:
    apdu = dlms.decode(dlms.unwrap(data).apdu)
    if isinstance(apdu, dlms.DataNotification):
        if dlms_events.is_event_body(apdu.body):
            dlms_events.parse_event(apdu.body)
        else:
            dlms.parse_report(apdu.body)
    elif isinstance(apdu, dlms.GetResponse) and apdu.data is not None:
        dlms.parse_profile_buffer(apdu.data)


def _eap(data: bytes) -> None:
    packet = eap.decode(data)
    if packet.type == eap.EAP_TYPE_PSK:
        eap_psk.decode_message(packet.type_data)


def _pana(data: bytes) -> None:
    message = pana.decode(data)
    for avp in message.avps:
        if avp.code == pana.AvpCode.EAP_PAYLOAD:
            _eap_quietly(avp.value)


def _eap_quietly(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        _eap(data)


def _maintenance(data: bytes) -> None:
    answer = data.decode("ascii", "replace").splitlines()
    for parse in (maintenance.status, maintenance.parse_values, maintenance.parse_log):
        with contextlib.suppress(TerminalFailure):
            parse(answer)


def _modbus(data: bytes) -> None:
    modbus_register_map.parse_reading(data)


_HES: dict[str, object] = {}


def _hes_uplink(data: bytes) -> None:
    """What a terminal pushes up to the HES: a finding at most, never an exception."""
    if "metering" not in _HES:
        hes = HesMetering(
            scheduler=Scheduler(), store=ReadingStore(), events=HesEventLog(), send=lambda *a: True
        )
        hes.commission("FUZZ", bytes(8), 1800)
        _HES["metering"] = hes
    _HES["metering"].receive("FUZZ", data)  # type: ignore[attr-defined]


def _air(data: bytes) -> None:
    """A frame on the twin's air, as the steps, monitors and sequence attachment read it."""
    frame = AirFrame(0.0, 33, -50.0, with_fcs(data), (FUZZ_KEY,))
    frame.summary()
    for name in ("packet", "packet_error", "pana", "is_application", "src"):
        getattr(frame, name)


_FILES: dict[str, Path] = {}


def _declaration(data: bytes) -> None:
    if "folder" not in _FILES:
        _FILES["folder"] = Path(tempfile.mkdtemp(prefix="iotroute-fuzz-"))
    path = _FILES["folder"] / "terminal.yaml"
    path.write_bytes(data)
    load_declaration(path)


def _rig(data: bytes) -> None:
    if "folder" not in _FILES:
        _FILES["folder"] = Path(tempfile.mkdtemp(prefix="iotroute-fuzz-"))
    path = _FILES["folder"] / "rig.yaml"
    path.write_bytes(data)
    load_rig(path)


def with_fcs(body: bytes) -> bytes:
    return body + wpan.compute_fcs(body)


def _wpan(data: bytes) -> None:
    wpan.decode(with_fcs(data))


def _unsecure(data: bytes) -> None:
    wpan.unsecure(with_fcs(data), FUZZ_KEY)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("wpan", "wpan", _wpan, (ProtocolError,)),
        Target("wpan-unsecure", "wpan-secured", _unsecure, (ProtocolError,)),
        Target("sixlowpan", "sixlowpan", _sixlowpan, (ProtocolError,)),
        Target("pana", "pana", _pana, (ProtocolError,)),
        Target("pana-avps", "pana", lambda data: pana.decode_avps(data[16:]), (ProtocolError,)),
        Target("eap", "eap", _eap, (ProtocolError,)),
        Target("dlms", "dlms", _dlms, (ProtocolError,)),
        Target("dlms-data", "dlms-data", dlms.decode_data, (ProtocolError,)),
        Target("echonet", "echonet", echonet.decode, (ProtocolError,)),
        Target("modbus", "modbus", _modbus, (ProtocolError,)),
        Target("firmware", "firmware", firmware_image.parse, (ProtocolError,)),
        Target("pcap", "pcap", pcap.read_pcap, (ProtocolError,)),
        Target("maintenance", "maintenance", _maintenance, ()),
        Target("hes-uplink", "dlms", _hes_uplink, ()),
        Target("air-frame", "wpan", _air, ()),
        Target("air-frame-secured", "wpan-secured", _air, ()),
        Target("declaration", "declaration", _declaration, (DocumentError,)),
        Target("rig-file", "rig", _rig, (DocumentError,)),
        # Malformed lines are consumed inside, as the radio's reader thread does.
        Target("skstack-lines", skstack_lines.LAYER, skstack_lines.read_lines, ()),
    )
}


def seeds(layer: str) -> list[bytes]:
    """The corpus entries of one layer, in a stable order."""
    folder = CORPUS / layer
    return [path.read_bytes() for path in sorted(folder.iterdir())] if folder.is_dir() else []
