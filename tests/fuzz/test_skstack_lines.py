"""The SKSTACK-IP line parser's fuzz target (tests/fuzz/skstack_lines.py): its corpus is
real module lines that decode, and it catches a parser that stops consuming, which is how
a malformed line would hang the radio's reader thread."""

from __future__ import annotations

import pytest

from conformance.protocols import skstack as sk
from tests.fuzz import skstack_lines
from tests.fuzz.targets import seeds


def test_the_corpus_is_real_lines_that_decode() -> None:
    corpus = seeds(skstack_lines.LAYER)
    decoded = [skstack_lines.read_lines(entry) for entry in corpus]
    assert sum(1 for events in decoded if events) >= len(corpus) * 3 // 4
    kinds = {type(event) for events in decoded for event in events}
    assert {sk.Event, sk.UdpReceived, sk.Ok, sk.InfoReply, sk.VersionReply} <= kinds


def test_every_chunking_reads_the_same_lines() -> None:
    line = b"EVENT 25 FE80:0000:0000:0000:021D:129F:3500:0A01\r\nOK\r\n"
    whole = skstack_lines.read_lines(bytes([skstack_lines.mode(chunk=64)]) + line)
    for chunk in (1, 2, 7):
        assert skstack_lines.read_lines(bytes([skstack_lines.mode(chunk=chunk)]) + line) == whole


def test_a_parser_that_stops_consuming_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(self: sk.SkStackParser) -> sk.SkStackEvent | None:
        raise sk.SkStackError("malformed", b"")  # and consumes nothing

    monkeypatch.setattr(sk.SkStackParser, "next_event", stuck)
    with pytest.raises(AssertionError, match="neither consumed a line nor waited"):
        skstack_lines.read_lines(b"\xfcEVENT 21\r\n")
