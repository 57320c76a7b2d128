"""The SVG sequence chart: lifelines, folded repeats, a bounded size for floods, valid XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.observe.renderings import BROADCAST, TERMINAL, Observation
from reports.sequence_chart import KEEP, collapse, lifelines, sequence_svg

SVG = "{http://www.w3.org/2000/svg}"


def frame(time: float, source: str, destination: str, summary: str) -> Observation:
    return Observation(time=time, kind="frame", source=source, destination=destination, summary=summary)


def event(time: float, meter: str, summary: str, detail: str = "") -> Observation:
    return Observation(
        time=time,
        kind="event",
        source=meter,
        destination=None,
        summary=summary,
        detail=detail,
        about=TERMINAL,
    )


def texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{SVG}text")]


SCAN_AND_JOIN = [
    *(
        frame(2.0 + 0.15 * i, TERMINAL, BROADCAST, "Enhanced Beacon Request, Pairing ID 'IOT00901'")
        for i in range(20)
    ),
    frame(4.1, "SM-1", BROADCAST, "Enhanced Beacon, PAN 0x1000, Pairing ID 'IOT00901'"),
    frame(10.42, TERMINAL, "SM-1", "PANA PCI seq 0 (PLAINTEXT)"),
    event(10.424, "SM-1", "PanaStarted"),
    frame(10.5, "SM-1", TERMINAL, "PANA PAR seq 7 (PLAINTEXT)"),
    event(10.516, "SM-1", "TerminalAuthenticated", "terminal_id=00112233"),
    frame(15.5, "bench injector", TERMINAL, "DATA frame (secured, not decrypted)"),
]


def test_the_terminal_comes_first_then_the_meters_then_others_and_broadcast_last() -> None:
    assert lifelines(SCAN_AND_JOIN) == [TERMINAL, "SM-1", "bench injector", BROADCAST]


def test_a_repeated_frame_is_one_row_with_its_count_and_time_span() -> None:
    rows = collapse(SCAN_AND_JOIN)
    assert rows[0].count == 20 and rows[0].span == "2.000–4.850"
    assert len(rows) == len(SCAN_AND_JOIN) - 19
    shown = texts(sequence_svg(SCAN_AND_JOIN, title="join"))
    assert "Enhanced Beacon Request, Pairing ID 'IOT00901' ×20" in shown
    assert "observes TerminalAuthenticated from terminal: terminal_id=00112233" in shown
    assert "join" in shown


def test_interleaved_repeats_fold_into_their_rows_but_distinct_frames_do_not() -> None:
    ping_pong = [
        frame(
            float(i),
            TERMINAL if i % 2 == 0 else "SM-1",
            BROADCAST,
            "beacon request" if i % 2 == 0 else "beacon",
        )
        for i in range(10)
    ]
    assert [r.count for r in collapse(ping_pong)] == [5, 5]
    distinct = [frame(float(i), TERMINAL, "SM-1", f"PANA PAN seq {i}") for i in range(10)]
    assert len(collapse(distinct)) == 10


def test_a_flood_draws_the_first_and_last_rows_and_says_how_many_it_left_out() -> None:
    flood = [
        frame(i * 0.001, "bench injector", TERMINAL, f"ICMPv6 Echo Request {i} (secured)")
        for i in range(50_000)
    ]
    svg = sequence_svg(flood)
    assert len(svg) < 200_000  # a 50 000-frame flood stays a small picture
    shown = texts(svg)
    assert "ICMPv6 Echo Request 0 (secured)" in shown
    assert f"ICMPv6 Echo Request {KEEP - 1} (secured)" in shown
    assert "ICMPv6 Echo Request 49999 (secured)" in shown
    assert "ICMPv6 Echo Request 25000 (secured)" not in shown
    [marker] = [t for t in shown if "not drawn" in t]
    assert f"{50_000 - 2 * KEEP} more observations" in marker


def test_names_and_summaries_are_escaped_into_valid_svg() -> None:
    odd = [frame(1.0, TERMINAL, "<SM & 1>", 'UDP "x" <y> & z')]
    svg = sequence_svg(odd, title="a < b & c")
    root = ET.fromstring(svg)  # raises if the markup is broken
    assert root.tag == f"{SVG}svg"
    assert "<SM & 1>" in texts(svg)
    assert 'UDP "x" <y> & z' in texts(svg)


def test_plaintext_and_undecodable_frames_are_drawn_apart_from_secured_ones() -> None:
    svg = sequence_svg(SCAN_AND_JOIN)
    root = ET.fromstring(svg)
    colour = {"".join(t.itertext()): t.get("fill") for t in root.iter(f"{SVG}text")}
    secured, plaintext, undecodable = (
        colour["Enhanced Beacon, PAN 0x1000, Pairing ID 'IOT00901'"],
        colour["PANA PCI seq 0 (PLAINTEXT)"],
        colour["DATA frame (secured, not decrypted)"],
    )
    assert len({secured, plaintext, undecodable}) == 3


def test_an_empty_scenario_still_gives_a_chart() -> None:
    svg = sequence_svg([], title="nothing on the air")
    assert "nothing on the air" in texts(svg)
    assert ET.fromstring(svg).get("width")
