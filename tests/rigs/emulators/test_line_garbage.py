"""The emulated module's malformed lines (rigs/emulators/line_garbage.py): each kind is
refused by the host's parser or is an event the bench has no use for, and costs only its
own line; noise cuts a real event short; the same seed prints the same lines."""

from __future__ import annotations

import random

import pytest

from conformance.ics import load_declaration
from conformance.protocols import skstack as sk
from conformance.sim.randomness import stream
from conformance.twin.faults import terminal_class
from rigs.emulators.line_garbage import KINDS, LineGarbage
from rigs.emulators.skstack_module import EmulatedModule, declaration_for_fault

EVENT_25 = b"EVENT 25 FE80:0000:0000:0000:021D:129F:3500:0A01\r\n"


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("hex_data", [False, True])
def test_each_kind_costs_its_own_line_only(kind: str, hex_data: bool) -> None:
    rng = random.Random(kind)
    for _ in range(20):
        parser = sk.SkStackParser(hex_data=hex_data)
        parser.feed(KINDS[kind](rng, "SKSETPWD C 0123456789AB") + sk.CRLF + EVENT_25)
        seen: list[object] = []
        while True:
            try:
                event = parser.next_event()
            except sk.SkStackError as exc:
                seen.append(exc)
                continue
            if event is None:
                break
            seen.append(event)
        assert seen[-1] == sk.Event(number=0x25, sender=sk.parse_ipaddr(EVENT_25[9:-2].decode()))
        for before in seen[:-1]:
            unknown = isinstance(before, sk.Event) and before.number not in set(sk.EventNumber)
            assert isinstance(before, sk.SkStackError | sk.CommandEcho) or unknown, (kind, before)


def test_the_same_seed_prints_the_same_lines() -> None:
    def lines(seed: int) -> list[bytes]:
        garbage = LineGarbage(stream(seed, "garbage"), 10.0)
        return [line for _ in range(50) if (line := garbage.line("SKVER")) is not None]

    assert lines(1) == lines(1) and lines(1) != lines(2)
    assert {line.endswith(sk.CRLF) for line in lines(1)} == {True}


def test_the_module_prints_them_between_its_own_lines_at_the_mean_interval() -> None:
    module = EmulatedModule(
        seed=1,
        declaration=declaration_for_fault(load_declaration(), "reference"),
        dut=terminal_class("reference"),
        power_on_delay_s=None,
        garbage_every_s=10.0,
    )
    module.advance(1000.0)  # the terminal is off: no event of the module's own to cut
    assert module.garbage is not None and 45 <= len(module.garbage.printed) <= 110  # 3 in 4 are lines
    assert module.take_output() == b"".join(module.garbage.printed)


def test_noise_cuts_the_modules_next_event_short_and_the_parser_refuses_it() -> None:
    module = EmulatedModule(
        seed=1,
        declaration=declaration_for_fault(load_declaration(), "reference"),
        dut=terminal_class("reference"),
        power_on_delay_s=0.0,
        garbage_every_s=0.5,
    )
    credentials = load_declaration().credentials
    for command in (
        sk.sksreg("SFE", False),
        sk.sksreg("S03", 0x1234),
        sk.sksetpwd(credentials.password.get_secret_value()),
        sk.sksetrbid(credentials.authentication_id),
        sk.sksreg("S0A", credentials.pairing_id),
        sk.skstart(),
    ):
        module.receive(command)
    for second in range(1, 120):  # the terminal joins: PANA as ERXUDP, then EVENT 25
        module.advance(float(second))
    assert module.garbage is not None
    cut = [line for line in module.garbage.printed if line.endswith(b"\x7f" + sk.CRLF)]
    assert cut and all(line.startswith((b"EVENT", b"ERXUDP")) for line in cut)
    parser = sk.SkStackParser(hex_data=module.hex_data)
    for line in cut:
        parser.feed(line)
        with pytest.raises(sk.SkStackError):
            parser.next_event()
