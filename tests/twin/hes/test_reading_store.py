"""The HES twin's reading store: ingest, range reads, gap detection for missing-data
completion (NAT 2-5, THK ch. 7), 70-day retention, bench-misuse errors, and a store that
keeps every committed upload when its writer is killed."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.errors import BenchError
from conformance.twin.hes.reading_store import RETENTION_S, ReadingStore, StoredReading
from tests.twin.hes import store_writer

ROOT = Path(__file__).resolve().parents[3]
WRITER = Path(store_writer.__file__)
T1, T2 = "IOT-TERMINAL-1", "IOT-TERMINAL-2"
METER = "0A1B2C3D"
HALF_HOUR = 1800
DAY = 86_400
BASE = 1_767_225_600  # 2026-01-01 00:00 UTC, a multiple of 3600 and of 86 400


def reading(t: int, import_wh: int = 100, *, terminal: str = T1, received_at: float = 0.0) -> StoredReading:
    return StoredReading(
        terminal_id=terminal,
        meter_id=METER,
        capture_time=t,
        import_wh=import_wh,
        export_wh=import_wh // 2,
        received_at=received_at,
    )


def slots(*offsets: int, step: int = HALF_HOUR) -> list[int]:
    return [BASE + k * step for k in offsets]


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    with ReadingStore(":memory:" if request.param == "memory" else tmp_path / "hes.sqlite") as opened:
        yield opened


# --- ingest -------------------------------------------------------------------------------------------------

# (case, stored before, upload, new, stored after): readings as (slot, import_wh); the
# stored ones came at time 1, the upload at time 2, so "after" shows which one was kept.
# fmt: off
INGEST_CASES = [
    ("new readings are counted", [], [(0, 10), (1, 11)], 2, [(0, 10, 2.0), (1, 11, 2.0)]),
    ("a resent reading is kept, not overwritten", [(0, 10)], [(0, 99), (1, 11)], 1,
     [(0, 10, 1.0), (1, 11, 2.0)]),
    ("an upload of resends only stores nothing", [(0, 10), (1, 11)], [(1, 77), (0, 66)], 0,
     [(0, 10, 1.0), (1, 11, 1.0)]),
    ("a duplicate inside one upload keeps the first", [], [(3, 30), (3, 31), (2, 20)], 2,
     [(2, 20, 2.0), (3, 30, 2.0)]),
    ("an empty upload", [(0, 10)], [], 0, [(0, 10, 1.0)]),
]
# fmt: on


@pytest.mark.parametrize(
    ("before", "upload", "new", "after"), [c[1:] for c in INGEST_CASES], ids=[c[0] for c in INGEST_CASES]
)
def test_ingest_keeps_what_is_stored(store, before, upload, new, after) -> None:
    store.ingest(reading(BASE + k * HALF_HOUR, wh, received_at=1.0) for k, wh in before)
    assert store.ingest([reading(BASE + k * HALF_HOUR, wh, received_at=2.0) for k, wh in upload]) == new
    stored = [((r.capture_time - BASE) // HALF_HOUR, r.import_wh, r.received_at) for r in store.readings(T1)]
    assert stored == after


def test_readings_round_trip_every_field(store) -> None:
    original = StoredReading(
        terminal_id=T1,
        meter_id="FE00ab",
        capture_time=BASE,
        import_wh=99_999_999,
        export_wh=0,
        received_at=12.5,
    )
    store.ingest([original])
    assert store.readings(T1) == [original]


def test_terminals_are_kept_apart(store) -> None:
    assert store.ingest([reading(BASE, 1, terminal=T1), reading(BASE, 2, terminal=T2)]) == 2
    assert [r.import_wh for r in store.readings(T1)] == [1]
    assert [r.import_wh for r in store.readings(T2)] == [2]
    assert (store.count(), store.count(T1), store.count(T2), store.count("nobody")) == (2, 1, 1, 0)


def test_a_failing_upload_stores_nothing(store) -> None:
    store.ingest([reading(t) for t in slots(0, 1)])
    good = [reading(t) for t in slots(2, 3, 4)]
    with pytest.raises(BenchError, match=r"item 3 of the upload is a str"):
        store.ingest([*good, "not a reading"])  # type: ignore[list-item]
    # A reading that slipped past validation: the schema's CHECK refuses it after the
    # three before it were inserted, and the transaction takes them back.
    smuggled = reading(slots(5)[0])
    object.__setattr__(smuggled, "import_wh", -5)
    with pytest.raises(BenchError, match="the upload was not stored"):
        store.ingest([*good, smuggled])
    assert [r.capture_time for r in store.readings(T1)] == slots(0, 1)
    assert store.ingest(good) == 3  # the store still takes uploads


# --- readings, count, span ----------------------------------------------------------------------------------

READING_RANGES = [
    ("everything", None, None, [0, 1, 2, 3, 4]),
    ("from a start", BASE + 2 * HALF_HOUR, None, [2, 3, 4]),
    ("up to an end", None, BASE + HALF_HOUR, [0, 1]),
    ("both bounds inclusive", BASE + HALF_HOUR, BASE + 3 * HALF_HOUR, [1, 2, 3]),
    ("bounds between slots", BASE + 1, BASE + 3 * HALF_HOUR - 1, [1, 2]),
    ("one slot", BASE + 4 * HALF_HOUR, BASE + 4 * HALF_HOUR, [4]),
    ("nothing in range", BASE + 5 * HALF_HOUR, None, []),
    ("start after end", BASE + 3 * HALF_HOUR, BASE, []),
]


@pytest.mark.parametrize(
    ("start", "end", "expected"), [c[1:] for c in READING_RANGES], ids=[c[0] for c in READING_RANGES]
)
def test_readings_in_order_within_bounds(store, start, end, expected) -> None:
    store.ingest([reading(t) for t in slots(3, 0, 4, 1, 2)])  # out of order on purpose
    store.ingest([reading(BASE + HALF_HOUR, terminal=T2)])
    assert [r.capture_time for r in store.readings(T1, start, end)] == slots(*expected)


def test_span_and_count(store) -> None:
    assert store.span(T1) is None
    assert store.count() == 0
    store.ingest([reading(t) for t in slots(7, 2, 5)])
    store.ingest([reading(BASE, terminal=T2)])
    assert store.span(T1) == (BASE + 2 * HALF_HOUR, BASE + 7 * HALF_HOUR)
    assert store.span(T2) == (BASE, BASE)
    assert store.count(T1) == 3


# --- missing ------------------------------------------------------------------------------------------------

S, Q, H = HALF_HOUR, 900, 3600
# (case, stored capture times, start, end, interval_s, expected runs), in seconds after BASE
# fmt: off
MISSING_CASES = [
    ("empty store: the whole range", [], 0, 4 * S, S, [(0, 4 * S)]),
    ("nothing missing", [0, S, 2 * S, 3 * S], 0, 3 * S, S, []),
    ("a gap in the middle, merged", [0, S, 5 * S], 0, 5 * S, S, [(2 * S, 4 * S)]),
    ("several runs", [S, 2 * S, 4 * S, 7 * S], 0, 9 * S, S,
     [(0, 0), (3 * S, 3 * S), (5 * S, 6 * S), (8 * S, 9 * S)]),
    ("gaps at both ends", [2 * S, 3 * S], 0, 5 * S, S, [(0, S), (4 * S, 5 * S)]),
    ("bounds off the grid round inwards", [2 * S], 1, 4 * S - 1, S, [(S, S), (3 * S, 3 * S)]),
    ("one slot, present", [3 * S], 3 * S, 3 * S, S, []),
    ("one slot, absent", [2 * S, 4 * S], 3 * S, 3 * S, S, [(3 * S, 3 * S)]),
    ("no grid slot in the range", [], 1, S - 1, S, []),
    ("start after end: an empty range", [], 2 * S, S, S, []),
    ("a reading off the grid fills no slot", [S + 1], 0, 2 * S, S, [(0, 2 * S)]),
    ("readings outside the range are ignored", [0, 5 * S], S, 4 * S, S, [(S, 4 * S)]),
    ("15-minute grid over 30-minute values", [0, S, 2 * S], 0, 2 * S, Q, [(Q, Q), (3 * Q, 3 * Q)]),
    ("15-minute grid, a gap", [0, Q, 2 * Q, 3 * Q, 7 * Q], 0, 8 * Q, Q, [(4 * Q, 6 * Q), (8 * Q, 8 * Q)]),
    ("hourly grid over 30-minute values", [0, S, 2 * S, 3 * S, 5 * S, 6 * S], 0, 3 * H, H, [(2 * H, 2 * H)]),
    ("hourly grid, half hours do not count", [S, 3 * S, 5 * S], 0, 2 * H, H, [(0, 2 * H)]),
]
# fmt: on


@pytest.mark.parametrize(
    ("stored", "start", "end", "interval_s", "expected"),
    [c[1:] for c in MISSING_CASES],
    ids=[c[0] for c in MISSING_CASES],
)
def test_missing_runs(store, stored, start, end, interval_s, expected) -> None:
    store.ingest([reading(BASE + t) for t in stored])
    store.ingest([reading(t, terminal=T2) for t in range(BASE - DAY, BASE + DAY, Q)])  # another terminal's
    runs = store.missing(T1, BASE + start, BASE + end, interval_s)
    assert runs == [(BASE + first, BASE + last) for first, last in expected]


def test_missing_from_capture_time_zero(store) -> None:
    store.ingest([reading(0), reading(2 * S)])
    assert store.missing(T1, 0, 3 * S, S) == [(S, S), (3 * S, 3 * S)]


def naive_missing(present: set[int], start: int, end: int, step: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for t in range(-(-start // step) * step, end + 1, step):
        if t in present:
            continue
        if runs and runs[-1][1] == t - step:
            runs[-1] = (runs[-1][0], t)
        else:
            runs.append((t, t))
    return runs


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.sets(st.integers(0, 200)),
    bounds=st.tuples(st.integers(-10 * HALF_HOUR, 210 * Q), st.integers(-10 * HALF_HOUR, 210 * Q)),
    step=st.sampled_from([Q, HALF_HOUR, H]),
)
def test_missing_matches_a_slot_by_slot_walk(offsets: set[int], bounds: tuple[int, int], step: int) -> None:
    present = {BASE + k * Q for k in offsets}  # on the 15-minute grid, some on the coarser ones
    start, end = BASE + min(bounds), BASE + max(bounds)
    with ReadingStore() as store:
        store.ingest([reading(t) for t in present])
        assert store.missing(T1, start, end, step) == naive_missing(present, start, end, step)


# --- purge: THK ch. 7, the connection server keeps 70 days -----


def test_purge_keeps_exactly_the_last_70_days(store) -> None:
    days = 80
    for day in range(days):
        day_start = BASE + day * DAY
        upload = [
            reading(t, received_at=float(day_start + DAY))
            for t in range(day_start, day_start + DAY, HALF_HOUR)
        ]
        assert store.ingest(upload) == 48
    assert store.count(T1) == 3840
    now = BASE + days * DAY
    assert store.purge(now - RETENTION_S) == 480
    assert store.count(T1) == 3360
    assert store.span(T1) == (now - 70 * DAY, now - HALF_HOUR)
    assert store.missing(T1, now - 70 * DAY, now - HALF_HOUR, HALF_HOUR) == []
    assert store.purge(now - RETENTION_S) == 0


def test_purge_spans_terminals(store) -> None:
    store.ingest([reading(t, terminal=T1) for t in slots(0, 1, 2)])
    store.ingest([reading(t, terminal=T2) for t in slots(1, 3)])
    assert store.purge(BASE + 2 * HALF_HOUR) == 3  # T1's slots 0 and 1, T2's slot 1
    assert [r.capture_time for r in store.readings(T1)] == slots(2)
    assert [r.capture_time for r in store.readings(T2)] == slots(3)


# --- the file store ----------------------------------------------------------------------------------------


def test_file_store_is_wal_with_full_sync_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "hes.sqlite"
    with ReadingStore(path) as store:
        store.ingest([reading(t) for t in slots(0, 1)])
        # synchronous is a setting of the connection, so only the store's own shows it: 2 is FULL
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with ReadingStore(str(path)) as again:
        assert [r.capture_time for r in again.readings(T1)] == slots(0, 1)
        assert again.ingest([reading(t) for t in slots(1, 2)]) == 1


# --- bench misuse -------------------------------------------------------------------------------------------

GOOD = {
    "terminal_id": T1,
    "meter_id": METER,
    "capture_time": BASE,
    "import_wh": 1,
    "export_wh": 2,
    "received_at": 0.0,
}
BAD_READINGS = [
    ("negative import counter", {"import_wh": -1}, "import_wh -1"),
    ("nine-digit export counter", {"export_wh": 100_000_000}, "export_wh 100000000"),
    ("counter as float", {"import_wh": 1.0}, "import_wh 1.0"),
    ("negative capture time", {"capture_time": -1800}, "capture_time -1800"),
    ("capture time as float", {"capture_time": BASE + 0.5}, f"capture_time {BASE + 0.5}"),
    ("capture time as bool", {"capture_time": True}, "capture_time True"),
    ("empty terminal id", {"terminal_id": ""}, "terminal_id ''"),
    ("terminal id as bytes", {"terminal_id": b"T1"}, "terminal_id b'T1'"),
    ("meter id not hex", {"meter_id": "XYZ0"}, "meter_id 'XYZ0'"),
    ("meter id with spaces", {"meter_id": "0a 0b"}, "meter_id '0a 0b'"),
    ("meter id of odd length", {"meter_id": "abc"}, "meter_id 'abc'"),
    ("received at NaN", {"received_at": float("nan")}, "received_at nan"),
    ("received before time 0", {"received_at": -1.0}, "received_at -1.0"),
]


@pytest.mark.parametrize(("fields", "named"), [c[1:] for c in BAD_READINGS], ids=[c[0] for c in BAD_READINGS])
def test_a_bad_reading_is_bench_misuse(fields, named) -> None:
    with pytest.raises(BenchError, match=re.escape(named)):
        StoredReading(**{**GOOD, **fields})


BAD_CALLS = [
    ("ingest of a single reading", lambda s: s.ingest(StoredReading(**GOOD)), "not a single reading"),
    ("missing on a zero grid", lambda s: s.missing(T1, BASE, BASE + DAY, 0), "interval_s 0"),
    ("missing on a negative grid", lambda s: s.missing(T1, BASE, BASE + DAY, -1800), "interval_s -1800"),
    ("missing with a float bound", lambda s: s.missing(T1, 0.5, BASE, 1800), "start 0.5"),
    ("readings with a text bound", lambda s: s.readings(T1, "0"), "start '0'"),
    ("purge with a float", lambda s: s.purge(1.5), "older_than 1.5"),
]


@pytest.mark.parametrize(("call", "named"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_a_bad_call_is_bench_misuse(store, call, named) -> None:
    with pytest.raises(BenchError, match=re.escape(named)):
        call(store)


def test_bad_store_paths_are_bench_misuse(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no such dir" / "hes.sqlite"
    with pytest.raises(BenchError, match=re.escape(f"the directory {missing_dir.parent} does not exist")):
        ReadingStore(missing_dir)
    with pytest.raises(BenchError, match=re.escape(f"reading store {tmp_path} is a directory")):
        ReadingStore(tmp_path)
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("not SQLite at all, but long enough to be read as a header " * 4)
    with pytest.raises(
        BenchError, match=re.escape(f"reading store {not_a_db} is not a usable SQLite database")
    ):
        ReadingStore(not_a_db)
    other_version = tmp_path / "other.sqlite"
    with sqlite3.connect(other_version) as raw:
        raw.execute("PRAGMA user_version = 7")
    with pytest.raises(BenchError, match="has schema version 7"):
        ReadingStore(other_version)


def test_a_closed_store_is_bench_misuse() -> None:
    store = ReadingStore()
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(BenchError, match="reading store :memory: is closed"):
        store.count()


# --- the kill test: a committed upload survives SIGKILL, a partial one leaves nothing -----


def start_writer(db: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def read_line(writer: subprocess.Popen[str]) -> str:
    line = writer.stdout.readline()  # type: ignore[union-attr]
    if not line:
        writer.wait(5)
        raise AssertionError(f"the writer ended (status {writer.returncode}): {writer.stderr.read()}")  # type: ignore[union-attr]
    return line.strip()


def kill_and_collect(writer: subprocess.Popen[str], seen: list[str]) -> int:
    """SIGKILL the writer; the uploads it reported committed, counting lines still in the pipe."""
    writer.send_signal(signal.SIGKILL)
    writer.wait(5)
    rest = writer.stdout.read().split("\n")[:-1]  # type: ignore[union-attr]  # a cut last line is dropped
    assert writer.returncode == -signal.SIGKILL, writer.stderr.read()  # type: ignore[union-attr]
    committed = [int(line.split()[1]) for line in [*seen, *rest] if line.startswith("committed ")]
    assert committed == list(range(1, len(committed) + 1))
    return len(committed)


def check_survivors(db: Path, committed: int) -> int:
    """Asserts the store is sound, whole-upload and holds every committed reading; returns its uploads."""
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with ReadingStore(db) as store:
        count = store.count()
        assert count % store_writer.PER_UPLOAD == 0, f"a partial upload survived: {count} readings"
        uploads = count // store_writer.PER_UPLOAD
        # the writer may have committed one more upload than it lived to report
        assert committed <= uploads <= committed + 1, (committed, uploads)
        expected = [r for n in range(1, uploads + 1) for r in store_writer.upload(n)]
        assert store.readings(store_writer.TERMINAL) == expected
    return uploads


@pytest.mark.parametrize(
    ("moment", "seed"), [("right after a line", 1), ("after a random sleep", 2), ("after a random sleep", 3)]
)
def test_a_killed_writer_loses_no_committed_upload(tmp_path: Path, moment: str, seed: int) -> None:
    rng = random.Random(seed)
    db = tmp_path / "hes.sqlite"
    writer = start_writer(db)
    watchdog = threading.Timer(30, writer.kill)
    watchdog.start()
    try:
        seen = [read_line(writer) for _ in range(rng.randint(3, 12))]
        if moment == "after a random sleep":
            time.sleep(rng.uniform(0.0, 0.02))
        committed = kill_and_collect(writer, seen)
    finally:
        watchdog.cancel()
        writer.kill()
        writer.wait(5)
    assert committed >= len(seen)
    check_survivors(db, committed)


def test_a_writer_killed_inside_an_upload_leaves_none_of_it(tmp_path: Path) -> None:
    db = tmp_path / "hes.sqlite"
    stall_at = 4
    writer = start_writer(db, "--stall-in-upload", str(stall_at))
    watchdog = threading.Timer(30, writer.kill)
    watchdog.start()
    try:
        seen = []
        while not (line := read_line(writer)).startswith("inside"):
            seen.append(line)
        assert line == f"inside {stall_at}"  # half of upload 4 is in the open transaction now
        committed = kill_and_collect(writer, seen)
    finally:
        watchdog.cancel()
        writer.kill()
        writer.wait(5)
    assert committed == stall_at - 1
    assert check_survivors(db, committed) == stall_at - 1


def test_an_open_upload_is_invisible_to_another_connection(tmp_path: Path) -> None:
    """What the kill test relies on, in process: until it commits, an upload is not in the file."""
    db = tmp_path / "hes.sqlite"
    with ReadingStore(db) as store, sqlite3.connect(db) as other:
        store.ingest(store_writer.upload(1))
        seen_inside: list[int] = []

        def half_then_look():
            yield from store_writer.upload(2)[:24]
            seen_inside.append(other.execute("SELECT count(*) FROM reading").fetchone()[0])
            yield from store_writer.upload(2)[24:]

        assert store.ingest(half_then_look()) == 48
        assert seen_inside == [48]
        assert other.execute("SELECT count(*) FROM reading").fetchone()[0] == 96
