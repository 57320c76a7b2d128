"""The SKSTACK-IP line parser as a fuzz target, and its corpus of real module lines.

What a Wi-SUN module prints enters the bench through ``SkStackParser`` in the radio's
reader thread (``rigs/drivers/skstackradio.py``). The target reads as that thread does: it
feeds the octets in chunks, takes events until none is complete, goes on after every
malformed line, and finally abandons a partial line as the driver does when the line goes
quiet. A malformed line is the parser's ``SkStackError`` (a ``ProtocolError``), consumed;
anything else, or a parser that stops consuming, is a defect of the bench.

An entry is one octet of mode, then what the module printed: bit 0 ERXUDP data in hex
ASCII (WOPT 01, the C family), bit 1 the host armed for a CR-terminated answer (ROPT,
WOPT), bits 2-7 the chunk size less one in which the octets arrive (a UART hands them over
in pieces).

The corpus (``python -m tests.fuzz.skstack_lines``, also run by ``python -m
tests.fuzz.corpus``) is every answer of the transcript table, which quotes the public
references line by line (``tests/protocols/skstack_transcripts.py``), and the emulator's
output over a session as the HIL bench drives it: set-up, a terminal twin's join, secured
datagrams both ways, a termination; in binary and hex data, on the A1 and the C family.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

from conformance.protocols import skstack as sk

LAYER = "skstack"
HEX_DATA, BARE_CR = 0x01, 0x02
MAX_CHUNK = 64


def mode(*, hex_data: bool = False, bare_cr: bool = False, chunk: int = MAX_CHUNK) -> int:
    return (HEX_DATA if hex_data else 0) | (BARE_CR if bare_cr else 0) | ((chunk - 1) & 0x3F) << 2


def read_lines(data: bytes) -> list[sk.SkStackEvent]:
    """The module's octets through the parser as the radio's reader thread takes them."""
    if not data:
        return []
    flags, printed = data[0], data[1:]
    parser = sk.SkStackParser(hex_data=bool(flags & HEX_DATA))
    parser.expect_bare_cr(bool(flags & BARE_CR))
    chunk = (flags >> 2) + 1
    events: list[sk.SkStackEvent] = []
    for start in range(0, len(printed), chunk):
        parser.feed(printed[start : start + chunk])
        _drain(parser, events)
    # The line went quiet: a partial line is given up and what follows its CRLF read again.
    for _ in range(len(printed) + 1):
        if not parser.buffered:
            break
        parser.abandon_partial()
        _drain(parser, events)
    else:
        raise AssertionError("the parser kept octets it would never read")
    return events


def _drain(parser: sk.SkStackParser, events: list[sk.SkStackEvent]) -> None:
    # Every call consumes a line, or starts skipping one that the next call consumes, or
    # waits for more: two calls per octet buffered bound a parser that stops consuming.
    for _ in range(2 * parser.buffered + 2):
        try:
            event = parser.next_event()
        except sk.SkStackError:
            continue
        if event is None:
            return
        events.append(event)
    raise AssertionError("the parser neither consumed a line nor waited for more")


# -- the corpus -----------------------------------------------------------------------------


def _transcript_entries() -> list[bytes]:
    from tests.protocols.skstack_transcripts import TRANSCRIPTS

    return [
        bytes([mode(hex_data=row.hex_data, bare_cr=row.bare_cr, chunk=1 + n % MAX_CHUNK)]) + row.answer
        for n, row in enumerate(TRANSCRIPTS)
        if row.answer
    ]


def _session(variant: str, hex_data: bool) -> list[bytes]:
    """The module's output over a HIL-like session, cut at line ends into entries of a few
    lines; nothing the host wrote is in it (echo off before the password goes)."""
    from conformance.ics import load_declaration
    from conformance.protocols import dlms
    from conformance.protocols.sixlowpan import link_local_from_eui64
    from conformance.twin.faults import terminal_class
    from rigs.emulators.skstack_module import EmulatedModule, declaration_for_fault

    declaration = load_declaration()
    credentials = declaration.credentials
    module = EmulatedModule(
        seed=3, declaration=declaration_for_fault(declaration, "reference"), dut=terminal_class("reference"),
        variant=variant,
    )  # fmt: skip
    layout = sk.layout_of(variant)
    side = layout.default_side
    terminal = link_local_from_eui64(declaration.identity.eui64)
    get_clock = dlms.GetRequest(invoke_id=1, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2))
    clock = dlms.wrap(dlms.encode(get_clock))
    commands = [sk.sksreg("SFE", False), sk.skver(), sk.skappver(), sk.skinfo()]
    if layout.has_ropt:
        commands += [sk.ropt()] + ([sk.wopt(True)] if hex_data else [])
    if layout.rssi_register:
        commands += [sk.sksreg("SA2", True)]
    commands += [
        sk.sksreg("S02", 60), sk.sksreg("S03", 0x1234),
        sk.sksetpwd(credentials.password.get_secret_value()), sk.sksetrbid(credentials.authentication_id),
        sk.sksreg("S0A", credentials.pairing_id), sk.skudpport(3, dlms.DLMS_PORT), sk.skstart(),
        sk.sksreg("S02"), sk.skll64(declaration.identity.eui64),
    ]  # fmt: skip
    printed = bytearray()
    for command in commands:
        module.receive(command)
        printed += module.take_output()
    for second in range(1, 40):
        module.advance(float(second))
        printed += module.take_output()
        if second in (20, 30):
            module.receive(sk.sksendto(3, terminal, dlms.DLMS_PORT, True, clock, side=side))
    module.receive(sk.skterm())
    for second in range(40, 60):
        module.advance(float(second))
        printed += module.take_output()
    password = credentials.password.get_secret_value().encode()
    assert password not in printed, "the corpus is committed: no secret in it"
    lines = bytes(printed).split(sk.CRLF)
    entries = []
    for start in range(0, len(lines), 3):
        entry = sk.CRLF.join(lines[start : start + 3]) + sk.CRLF
        entries.append(bytes([mode(hex_data=module.hex_data, chunk=1 + start % MAX_CHUNK)]) + entry)
    return entries


def entries() -> list[bytes]:
    """Every corpus entry: the references' answers, then the emulator's sessions."""
    found = _transcript_entries()
    for variant, hex_data in (("bp35a1", False), ("bp35a1", True), ("bp35c2", True)):
        found += _session(variant, hex_data)
    return found


def harvest(folder: Path) -> None:
    """Write every entry into ``folder/skstack`` (``tests.fuzz.corpus`` chooses from it)."""
    target = folder / LAYER
    target.mkdir(parents=True, exist_ok=True)
    for entry in entries():
        (target / hashlib.sha1(entry).hexdigest()[:16]).write_bytes(entry)


def main(argv: list[str] | None = None) -> int:
    """Rewrite only this layer of the committed corpus."""
    import shutil

    from tests.fuzz.corpus import _chosen
    from tests.fuzz.targets import CORPUS

    parser = argparse.ArgumentParser(description="the SKSTACK-IP layer of the fuzz corpus")
    parser.add_argument("--per-layer", type=int, default=48)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iotroute-skstack-") as scratch:
        harvest(Path(scratch))
        chosen = _chosen(LAYER, list((Path(scratch) / LAYER).iterdir()), args.per_layer)
        shutil.rmtree(CORPUS / LAYER, ignore_errors=True)
        (CORPUS / LAYER).mkdir(parents=True)
        for entry in chosen:
            shutil.copy(entry, CORPUS / LAYER / entry.name)
    print(f"{LAYER:>14}: {len(chosen)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
