"""The transcript table (``skstack_transcripts.py``, from the public references) drives the
codec both ways and the emulator: tests from the references, not from the emulator."""

from __future__ import annotations

import pytest

from conformance.ics import load_declaration
from conformance.protocols import skstack as sk
from conformance.twin.faults import terminal_class
from rigs.emulators.skstack_module import EmulatedModule
from tests.protocols.skstack_transcripts import TRANSCRIPTS, Transcript

ROWS = [pytest.param(row, id=row.id) for row in TRANSCRIPTS]
COMMAND_ROWS = [pytest.param(row, id=row.id) for row in TRANSCRIPTS if row.encode is not None]
EMULATED = [
    pytest.param(row, id=row.id)
    for row in TRANSCRIPTS
    if row.emulator is not None and row.family in ("A1", "C")
]


def parse(data: bytes, *, hex_data: bool, bare_cr: bool) -> list[sk.SkStackEvent]:
    parser = sk.SkStackParser(hex_data=hex_data)
    parser.expect_bare_cr(bare_cr)
    parser.feed(data)
    return parser.events()


@pytest.mark.parametrize("row", COMMAND_ROWS)
def test_the_bench_writes_each_command_as_the_source_shows_it(row: Transcript) -> None:
    assert row.encode is not None
    assert row.encode() == row.command


@pytest.mark.parametrize("row", ROWS)
def test_the_codec_reads_each_answer_as_the_source_means_it(row: Transcript) -> None:
    assert parse(row.answer, hex_data=row.hex_data, bare_cr=row.bare_cr) == list(row.events)


@pytest.mark.parametrize("row", ROWS)
def test_the_codec_prints_each_answer_octet_for_octet(row: Transcript) -> None:
    eol = sk.CR if row.bare_cr and not row.answer.endswith(sk.CRLF) else sk.CRLF
    printed = b"".join(sk.encode_event(e, hex_data=row.hex_data, eol=eol) for e in row.events)
    assert printed == row.answer


def test_every_command_and_event_the_driver_uses_has_a_row_per_family() -> None:
    used = {"SKVER", "SKAPPVER", "SKINFO", "SKSREG", "SKSETPWD", "SKSETRBID", "SKUDPPORT", "SKSTART",
            "SKLL64", "SKSENDTO", "SKTERM", "SKRESET", "ROPT", "WOPT"}  # fmt: skip
    events = {"EVENT 21", "EVENT 24", "EVENT 25", "EVENT 26", "EVENT 27", "EVENT 28", "EVENT 29", "EVENT C0",
              "ERXUDP"}  # fmt: skip
    a1 = {row.command.split(b" ")[0].rstrip(b"\r\n").decode() for row in TRANSCRIPTS if row.family == "A1"}
    assert used <= a1
    printed = {_kind(e) for row in TRANSCRIPTS for e in row.events}
    assert events <= printed
    c_family = {row.name for row in TRANSCRIPTS if row.family == "C"}
    for differs in (
        "SKINFO",
        "SKSENDTO",
        "SKTERM",
        "EVENT 25",
        "ERXUDP SA2 1",
        "ERXUDP SA2 0",
        "ROPT refused",
    ):
        assert differs in c_family
    assert all(row.source for row in TRANSCRIPTS)


def _kind(event: sk.SkStackEvent) -> str:
    if isinstance(event, sk.Event):
        return f"EVENT {event.number:02X}"
    return "ERXUDP" if isinstance(event, sk.UdpReceived) else type(event).__name__


def _signature(event: sk.SkStackEvent) -> tuple:
    """What a layout decides about a line: its kind and which optional fields it carries."""
    match event:
        case sk.Event():
            return ("Event", event.number, event.sender is None, event.side is None, event.param is None)
        case sk.InfoReply():
            return ("InfoReply", event.addr16 is None, event.side is None)
        case sk.UdpReceived():
            return ("UdpReceived", event.rssi is None, event.side is None)
        case sk.Ok():
            return ("Ok", bool(event.detail))
    return (type(event).__name__,)


@pytest.mark.parametrize("row", EMULATED)
def test_the_emulator_prints_the_lines_of_the_model_it_plays(row: Transcript) -> None:
    declaration = load_declaration()
    variant = "bp35a1" if row.family == "A1" else "bp35c2"
    module = EmulatedModule(
        seed=1,
        declaration=declaration,
        dut=terminal_class("reference"),
        variant=variant,
        power_on_delay_s=None,
    )
    assert row.emulator is not None
    for command in row.emulator:
        module.receive(command)
    module.take_output()
    module.receive(row.command)
    module.advance(1.0)
    printed = module.take_output()
    got = parse(printed, hex_data=module.hex_data, bare_cr=row.bare_cr)
    assert [_signature(e) for e in got] == [_signature(e) for e in row.events], printed
    assert printed.endswith(sk.CRLF) == row.answer.endswith(sk.CRLF), printed  # ROPT/WOPT: CR alone
