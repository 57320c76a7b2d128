"""The HES twin's tamper-evident operation log (NAT-3.2-LOG): what was written verifies,
and every kind of tampering is found at the first entry it touched."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import BenchError
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.protocols.errors import BenchUsageError
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class
from conformance.twin.hes.log import HesLog, TamperFinding, Tampering

KEY = bytes(range(32))


def _log(count: int = 6) -> HesLog:
    log = HesLog(KEY)
    for i in range(count):
        log.append(10.0 * i, "setting", f"terminal T{i % 2} granularity 1800")
    return log


def test_an_untouched_log_verifies() -> None:
    assert _log().verify() is None
    assert HesLog(KEY).verify() is None


def test_a_modified_detail_is_found_at_its_entry() -> None:
    log = _log()
    log.entries[3] = dataclasses.replace(log.entries[3], detail="terminal T1 granularity 900")
    assert log.verify() == TamperFinding(3, Tampering.MODIFIED)


def test_a_modified_time_is_found_at_its_entry() -> None:
    log = _log()
    log.entries[0] = dataclasses.replace(log.entries[0], time=1.0)
    assert log.verify() == TamperFinding(0, Tampering.MODIFIED)


def test_a_removed_entry_is_named() -> None:
    log = _log()
    del log.entries[2]
    assert log.verify() == TamperFinding(2, Tampering.REMOVED)


def test_swapped_entries_are_found_as_reordered() -> None:
    log = _log()
    log.entries[1], log.entries[4] = log.entries[4], log.entries[1]
    assert log.verify() == TamperFinding(1, Tampering.REORDERED)


def test_entries_cut_off_the_end_are_found_against_the_sealed_head() -> None:
    log = _log()
    del log.entries[4:]
    assert log.verify() == TamperFinding(4, Tampering.TRUNCATED)


def test_a_removal_renumbered_to_hide_it_still_breaks_the_chain() -> None:
    log = _log()
    del log.entries[2]
    log.entries[2:] = [dataclasses.replace(e, sequence=e.sequence - 1) for e in log.entries[2:]]
    assert log.verify() == TamperFinding(2, Tampering.MODIFIED)


def test_a_chain_rebuilt_with_another_key_does_not_verify() -> None:
    log = _log()
    forger = HesLog(b"not the HES's key, 32 octets ...")
    for entry in log.entries:
        forger.append(entry.time, entry.kind, entry.detail.replace("1800", "900"))
    log.entries[:] = forger.entries
    assert log.verify() == TamperFinding(0, Tampering.MODIFIED)


def test_an_entry_appended_without_the_key_is_found() -> None:
    log = _log()
    forger = HesLog(b"not the HES's key, 32 octets ...")
    forged = forger.append(99.0, "join", "terminal T9")
    log.entries.append(dataclasses.replace(forged, sequence=len(log.entries)))
    assert log.verify() == TamperFinding(6, Tampering.MODIFIED)


def test_the_findings_read_well() -> None:
    assert TamperFinding(3, Tampering.MODIFIED).describe() == "entry 3 of the HES log was modified"
    assert "cut off the end" in TamperFinding(4, Tampering.TRUNCATED).describe()


def test_a_short_key_is_a_bench_error() -> None:
    with pytest.raises(BenchUsageError):
        HesLog(b"short")


@given(st.integers(min_value=0, max_value=7), st.text(max_size=20))
def test_any_change_of_any_detail_is_found_there(index: int, detail: str) -> None:
    log = _log(8)
    if log.entries[index].detail == detail:
        return
    log.entries[index] = dataclasses.replace(log.entries[index], detail=detail)
    assert log.verify() == TamperFinding(index, Tampering.MODIFIED)


def test_the_twin_hes_logs_joins_and_settings_without_secrets() -> None:
    declaration = load_declaration()
    bench = TwinBench(seed=5, declaration=declaration, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=declaration.credentials.pairing_id))
    terminal_id = declaration.credentials.authentication_id
    bench.hes.commission(terminal_id, bytes.fromhex("FE0011223344AA01"), 1800)
    bench.terminal.power_on()
    bench.clock.wait(120)
    bench.hes.set_password(terminal_id, "a-new-secret-password")
    bench.hes.set_credentials_enabled(terminal_id, enabled=False)
    log = bench.hes.log
    assert [e.kind for e in log.entries] == ["commission", "join", "setting", "credentials"]
    assert terminal_id in log.entries[1].detail
    assert "a-new-secret-password" not in "\n".join(log.lines())
    assert log.verify() is None
    assert bench.hes.operation_log() == log.lines()
    log.entries[1] = dataclasses.replace(log.entries[1], detail="someone else joined")
    assert log.verify() == TamperFinding(1, Tampering.MODIFIED)
    with pytest.raises(BenchError, match="entry 1 of the HES log was modified"):
        bench.hes.operation_log()
