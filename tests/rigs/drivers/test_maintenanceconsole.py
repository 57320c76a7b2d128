"""The maintenance-port driver bounds what a babbling terminal can make it keep: a line
has at most MAX_LINE_OCTETS octets, and the transcript says how many were cut."""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.errors import TerminalFailure
from conformance.ics import load_declaration
from conformance.protocols import maintenance
from rigs.drivers.maintenanceconsole import MAX_LINE_OCTETS, MaintenanceConsole

FIVE_MB = 5 * 1024 * 1024


@contextmanager
def pty_terminal(answer: bytes) -> Iterator[str]:
    """A terminal on a pty that answers the first command with ``answer``."""
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def serve() -> None:
        received = b""
        while b"\n" not in received and not stop.is_set():
            if select.select([master], [], [], 0.05)[0]:
                received += os.read(master, 4096)
        view = memoryview(answer)
        while view and not stop.is_set():
            if select.select([], [master], [], 0.05)[1]:
                view = view[os.write(master, view[:65536]) :]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join(5)
        os.close(master)
        os.close(slave)


def test_a_5_mb_line_without_a_newline_is_one_short_line_in_the_transcript() -> None:
    # Before: it became one 2.7 MB "line" in the transcript attachment.
    with pty_terminal(b"A" * FIVE_MB) as port, MaintenanceConsole(port, timeout_s=3.0) as console:
        answer = console.command("CLOCK?")
    assert len(answer) == 1
    assert answer[0].startswith("A" * MAX_LINE_OCTETS) and "line cut:" in answer[0]
    assert len(answer[0]) < MAX_LINE_OCTETS + 100
    assert max(len(line) for line in console.transcript) < MAX_LINE_OCTETS + 100
    with pytest.raises(TerminalFailure, match="without a status line"):
        maintenance.status(answer)


def test_the_status_line_after_an_overlong_line_is_still_read() -> None:
    answer_bytes = b"B" * 100_000 + b"\r\nOK 2026-04-01T09:00:00+09:00\r\n"
    with pty_terminal(answer_bytes) as port, MaintenanceConsole(port, timeout_s=3.0) as console:
        answer = console.command("CLOCK?")
    assert answer[-1] == "OK 2026-04-01T09:00:00+09:00"
    assert (
        answer[0]
        == "B" * MAX_LINE_OCTETS + f" [line cut: {100_000 - MAX_LINE_OCTETS} more octets than the 4096 kept]"
    )


# -- hypothesis: the maintenance answers a terminal gives are parsed or its failure ------

_LINE = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda when, a, b: f"VALUE {when} {a} {b}",
        st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=20)),
        st.one_of(st.integers(), st.text(max_size=8), st.just("9" * 5000)),
        st.integers(),
    ),
    st.builds(
        lambda when, kind, detail: f"ENTRY {when} {kind} {detail}",
        st.text(max_size=30),
        st.text(max_size=10),
        st.text(max_size=30),
    ),
    st.sampled_from(["OK", "OK 1", "OK 2", "ERR SYNTAX x", "OK 2026-04-01T09:00:00+09:00"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=st.lists(_LINE, max_size=6))
def test_any_maintenance_answer_is_parsed_or_the_terminals_failure(answer: list[str]) -> None:
    for parse in (maintenance.status, maintenance.parse_values, maintenance.parse_log):
        with suppress(TerminalFailure):
            parse(answer)


def test_a_terminal_that_prints_the_password_does_not_put_it_in_the_transcript() -> None:
    password = load_declaration().credentials.password.get_secret_value()  # a secret of the run now
    with pty_terminal(f"DEBUG pw={password}\r\nOK\r\n".encode()) as port, MaintenanceConsole(port) as console:
        answer = console.command("CLOCK?")
    assert answer[-1] == "OK"
    assert not any(password in line for line in console.transcript)
    assert "< DEBUG pw=********" in console.transcript
