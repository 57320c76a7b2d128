"""The emulated rig's loopback plumbing (rigs/emulators/endpoints.py), over real sockets
and ptys, pumped by a selector as the emulator's loop pumps it."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from rigs.emulators.endpoints import PtyEndpoint, TcpEndpoint


def _pump(selector: selectors.BaseSelector, until: Callable[[bytes], bool], timeout_s: float = 5.0) -> bytes:
    """Run the selector as ``terminal_rig.serve`` does until ``until(what the callables
    returned so far)``; returns that."""
    returned = b""
    deadline = time.monotonic() + timeout_s
    while not until(returned):
        assert time.monotonic() < deadline, "the endpoint did not get there in time"
        for key, _ in selector.select(timeout=0.01):
            returned += key.data()
    return returned


def _connect(endpoint: TcpEndpoint) -> socket.socket:
    host = socket.create_connection(("127.0.0.1", endpoint.port), timeout=5)
    host.settimeout(5)
    return host


@pytest.fixture
def selector() -> Iterator[selectors.BaseSelector]:
    with selectors.DefaultSelector() as chosen:
        yield chosen


def test_what_the_host_sends_comes_out_of_the_selector_and_writes_go_back(selector):
    endpoint = TcpEndpoint()
    endpoint.register(selector)
    assert endpoint.address == f"socket://127.0.0.1:{endpoint.port}"
    with _connect(endpoint) as host:
        host.sendall(b"SKVER\r\n")
        assert _pump(selector, lambda returned: len(returned) >= 7) == b"SKVER\r\n"
        endpoint.write(b"EVER 1.2.10\r\nOK\r\n")
        assert host.recv(100) == b"EVER 1.2.10\r\nOK\r\n"
    endpoint.close()


def test_a_new_host_replaces_the_old_one_and_output_with_no_host_is_lost(selector):
    hung_up = []
    endpoint = TcpEndpoint(hung_up=lambda: hung_up.append(True))
    endpoint.register(selector)
    endpoint.write(b"nobody hears this\r\n")
    first = _connect(endpoint)
    _pump(selector, lambda _: len(selector.get_map()) == 2)  # the listener and the first host
    second = _connect(endpoint)
    _pump(selector, lambda _: bool(hung_up))
    assert first.recv(100) == b""  # the first host's line was closed
    endpoint.write(b"hello\r\n")
    assert second.recv(100) == b"hello\r\n"
    second.close()
    _pump(selector, lambda _: len(hung_up) == 2)
    first.close()
    endpoint.close()


def test_a_part_that_answers_by_itself_gets_the_bytes_and_the_loop_gets_none(selector):
    got = bytearray()
    endpoint = TcpEndpoint(receive=got.extend)
    endpoint.register(selector)
    with _connect(endpoint) as host:
        host.sendall(b"*IDN?\n")
        assert _pump(selector, lambda _: bytes(got) == b"*IDN?\n") == b""
    endpoint.close()


def test_a_pty_passes_bytes_raw_both_ways(selector):
    endpoint = PtyEndpoint()
    endpoint.register(selector)
    host = os.open(endpoint.address, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(host, b"SKVER\r\n")  # raw: no echo, no CR/LF translation
        assert _pump(selector, lambda returned: len(returned) >= 7) == b"SKVER\r\n"
        endpoint.write(b"OK\r\n")
        assert os.read(host, 100) == b"OK\r\n"
    finally:
        os.close(host)
        endpoint.close()


def test_an_answer_longer_than_the_pty_holds_goes_out_whole_while_the_loop_runs(selector):
    """A log of 1,000 entries is some 60 KiB, far more than a pty holds: the rest goes out
    as the host reads, with no further write to push it (it used to wait for the next
    answer, after the host's timeout, and then spoil that answer)."""
    endpoint = PtyEndpoint()
    endpoint.register(selector)
    host = os.open(endpoint.address, os.O_RDWR | os.O_NOCTTY)
    os.set_blocking(host, False)
    answer = b"".join(b"ENTRY 2026-12-07T12:00:00+09:00 maintenance CLOCK %06d\r\n" % n for n in range(1000))
    received = bytearray()
    try:
        endpoint.write(answer + b"OK 1000\r\n")
        deadline = time.monotonic() + 5
        while not received.endswith(b"OK 1000\r\n"):
            assert time.monotonic() < deadline, f"{len(received)} of {len(answer)} octets arrived"
            for key, _ in selector.select(timeout=0.01):
                assert key.data() == b""  # nothing from the host: only the rest of the answer went out
            with contextlib.suppress(BlockingIOError):
                received += os.read(host, 65536)
        assert bytes(received) == answer + b"OK 1000\r\n"
        assert selector.get_key(endpoint._master).events == selectors.EVENT_READ  # nothing left to send
    finally:
        os.close(host)
        endpoint.close()
