"""The HES twin's store of the metering values terminals upload, in SQLite.

Theory of operation. A terminal uploads its 30-minute values (NAT 2-5 「00分、30分毎に
…積算電力量9桁を取得し、下8桁に変換し蓄積すること」) once a day (THK ch. 7 検針頻度
「1日/回」); the connection server keeps them 70 days (THK ch. 7 「検針データの蓄積場所・
期間 | 無線端末：7日分以上 接続サーバ：70日分」) and finds the slots that never arrived, so
it can ask the terminal for them (NAT 2-5 欠測補完, THK ch. 7 自動欠測補完).

* One upload is one transaction: all of its readings are stored or none is. A kill in
  the middle of an upload leaves the store as it was before that upload.
* A reading is keyed by (terminal, capture time). A completion resends values the HES
  may already hold; the stored one is kept and the resent one is neither written nor
  counted as new.
* ``missing`` walks the terminal's readings on the grid once, in capture-time order
  (the primary key's order), and merges the slots between them into inclusive runs.
  (A window-function query with ``LAG`` that returns only the gaps was tried: SQLite
  sorts for it, and it took about three times as long over 70 days.)

The store is in memory by default (fast scenarios) or in a file the user names. A file
store runs in WAL mode with ``synchronous=FULL``. A killed process loses nothing that
was committed whatever the setting, since its writes are already in the OS; a power
loss or an OS crash is another matter. In WAL mode ``NORMAL`` syncs the WAL only at
checkpoints, so the last commits can roll back after one; ``FULL`` syncs it at every
commit, so an upload whose ``ingest`` returned is on the disk (one that honours fsync).
The price is one fsync per upload; see ``benchmarks/hes_ingest.py``.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from conformance.errors import BenchError

MEMORY = ":memory:"
COUNTER_MAX = 99_999_999  # NAT 2-5: the lower 8 digits of the 9-digit cumulative energy, in Wh
RETENTION_S = 70 * 86_400  # THK ch. 7: the connection server keeps 70 days
SCHEMA_VERSION = 1  # PRAGMA user_version of a store this module created

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS reading (
    terminal_id  TEXT    NOT NULL CHECK (length(terminal_id) > 0),
    capture_time INTEGER NOT NULL CHECK (capture_time >= 0),
    meter_id     TEXT    NOT NULL,
    import_wh    INTEGER NOT NULL CHECK (import_wh BETWEEN 0 AND {COUNTER_MAX}),
    export_wh    INTEGER NOT NULL CHECK (export_wh BETWEEN 0 AND {COUNTER_MAX}),
    received_at  REAL    NOT NULL CHECK (received_at >= 0),
    PRIMARY KEY (terminal_id, capture_time)
) WITHOUT ROWID;
"""

# ON CONFLICT DO NOTHING, not INSERT OR IGNORE: OR IGNORE would also skip rows that break
# a CHECK constraint silently, and only the duplicate key is to be skipped.
_INSERT = """
INSERT INTO reading (terminal_id, capture_time, meter_id, import_wh, export_wh, received_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (terminal_id, capture_time) DO NOTHING
"""

_SELECT = """
SELECT terminal_id, meter_id, capture_time, import_wh, export_wh, received_at FROM reading
WHERE terminal_id = ? AND capture_time BETWEEN ? AND ? ORDER BY capture_time
"""

# The terminal's readings on the grid within [first, last], in capture-time order: the
# primary key's own order, so SQLite walks the index and sorts nothing.
_ON_GRID = """
SELECT capture_time FROM reading
WHERE terminal_id = ? AND capture_time BETWEEN ? AND ? AND capture_time % ? = 0
ORDER BY capture_time
"""

_SPAN = """
SELECT (SELECT capture_time FROM reading WHERE terminal_id = :terminal ORDER BY capture_time LIMIT 1),
       (SELECT capture_time FROM reading WHERE terminal_id = :terminal ORDER BY capture_time DESC LIMIT 1)
"""

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredReading:
    """One metering value as the HES received it.

    The HES twin judges the terminal's values (is the counter the lower 8 digits?) before
    it builds one of these; a value out of range here is a bench bug, hence ``BenchError``.
    """

    terminal_id: str  # the terminal's authentication ID
    meter_id: str  # hex of the metering device ID (ECHONET Lite 0xD1) reported with the value
    capture_time: int  # the value's timestamp, POSIX seconds of the SM system's clock
    import_wh: int  # cumulative energy, AC input (0xE0), lower 8 digits in Wh
    export_wh: int  # cumulative energy, AC output (0xE2), lower 8 digits in Wh
    received_at: float  # the HES's (virtual) time of arrival, seconds

    def __post_init__(self) -> None:
        if not isinstance(self.terminal_id, str) or not self.terminal_id:
            raise BenchError(f"reading: terminal_id {self.terminal_id!r} is not a non-empty string")
        if not _is_hex(self.meter_id):
            raise BenchError(
                f"reading of {self.terminal_id}: meter_id {self.meter_id!r} is not a non-empty hex string"
            )
        if not _is_int(self.capture_time) or self.capture_time < 0:
            raise BenchError(
                f"reading of {self.terminal_id}: capture_time {self.capture_time!r} "
                "is not a non-negative integer of POSIX seconds"
            )
        for name in ("import_wh", "export_wh"):
            value = getattr(self, name)
            if not _is_int(value) or not 0 <= value <= COUNTER_MAX:
                raise BenchError(
                    f"reading of {self.terminal_id} at {self.capture_time}: {name} {value!r} "
                    f"is not an integer within 0..{COUNTER_MAX} (the lower 8 digits, NAT 2-5)"
                )
        received = self.received_at
        if not isinstance(received, int | float) or isinstance(received, bool) or not math.isfinite(received):
            raise BenchError(
                f"reading of {self.terminal_id}: received_at {received!r} is not a finite number"
            )
        if received < 0:
            raise BenchError(f"reading of {self.terminal_id}: received_at {received!r} is negative")


# One compiled pattern instead of a generator over the characters: every reading stored is
# checked, a few thousand per simulated week.
_HEX_OCTETS = re.compile(r"(?:[0-9A-Fa-f]{2})+")


def _is_hex(text: object) -> bool:
    """Whole octets of hex digits, nothing else (``bytes.fromhex`` would also take spaces)."""
    return isinstance(text, str) and _HEX_OCTETS.fullmatch(text) is not None


class ReadingStore:
    """The HES twin's readings, keyed by (terminal, capture time)."""

    def __init__(self, path: str | Path = MEMORY) -> None:
        self.path = path if path == MEMORY else Path(path)
        self._connection: sqlite3.Connection | None = None
        if isinstance(self.path, Path):
            if not self.path.parent.is_dir():
                raise BenchError(
                    f"reading store {self.path}: the directory {self.path.parent} does not exist"
                )
            if self.path.is_dir():
                raise BenchError(f"reading store {self.path} is a directory, not a database file")
        try:
            # isolation_level=None: no implicit transactions; ingest and purge open their own.
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as error:
            raise BenchError(f"reading store {self.path} cannot be opened: {error}") from error
        try:
            self._prepare(connection)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise BenchError(f"reading store {self.path} is not a usable SQLite database: {error}") from error
        except BenchError:
            connection.close()
            raise
        self._connection = connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise BenchError(
                f"reading store {self.path} has schema version {version}; this bench writes {SCHEMA_VERSION}"
            )
        if isinstance(self.path, Path):
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise BenchError(
                    f"reading store {self.path}: SQLite refused WAL mode (journal mode {mode!r})"
                )
            connection.execute("PRAGMA synchronous=FULL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise BenchError(f"reading store {self.path} is closed")
        return self._connection

    def ingest(self, readings: Iterable[StoredReading]) -> int:
        """Store one upload in one transaction; returns how many readings were new.

        A reading already stored for its (terminal_id, capture_time) is kept as it is:
        completions resend values. Any error stores nothing of the upload.
        """
        if isinstance(readings, StoredReading):
            raise BenchError("ingest takes one upload (an iterable of StoredReading), not a single reading")
        db = self._db
        before = db.total_changes
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(_INSERT, _rows(readings))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite rolls back by itself after some errors
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise BenchError(f"reading store {self.path}: the upload was not stored: {error}") from error
        return db.total_changes - before

    def readings(
        self, terminal_id: str, start: int | None = None, end: int | None = None
    ) -> list[StoredReading]:
        """The terminal's readings with start <= capture_time <= end, oldest first."""
        low = _INT64_MIN if start is None else _checked_int("start", start)
        high = _INT64_MAX if end is None else _checked_int("end", end)
        rows = self._db.execute(_SELECT, (terminal_id, low, high))
        return [
            StoredReading(
                terminal_id=terminal,
                meter_id=meter,
                capture_time=capture_time,
                import_wh=import_wh,
                export_wh=export_wh,
                received_at=received_at,
            )
            for terminal, meter, capture_time, import_wh, export_wh, received_at in rows
        ]

    def missing(self, terminal_id: str, start: int, end: int, interval_s: int) -> list[tuple[int, int]]:
        """The grid slots in [start, end] that hold no reading, as inclusive (first, last) runs.

        The grid is the multiples of ``interval_s`` in POSIX seconds; for 15, 30 and 60
        minutes these are the same slots in JST (UTC+9 is whole hours). A reading off the
        grid fills no slot. An empty range (start > end, or no grid slot in it) has nothing
        missing, so "from the slot after the newest reading up to now" needs no special case.
        """
        start, end = _checked_int("start", start), _checked_int("end", end)
        step = _checked_int("interval_s", interval_s)
        if step <= 0:
            raise BenchError(f"missing: interval_s {interval_s} is not a positive number of seconds")
        first = -(-start // step) * step
        last = end // step * step
        runs: list[tuple[int, int]] = []
        expected = first  # the next slot that should hold a reading
        for (present,) in self._db.execute(_ON_GRID, (terminal_id, first, last, step)):
            if present > expected:
                runs.append((expected, present - step))
            expected = present + step
        if expected <= last:
            runs.append((expected, last))
        return runs

    def purge(self, older_than: int) -> int:
        """Delete every reading with capture_time < older_than; returns how many.

        ``purge(now - RETENTION_S)`` keeps the 70 days THK ch. 7 asks of the server.
        """
        limit = _checked_int("older_than", older_than)
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                deleted = db.execute("DELETE FROM reading WHERE capture_time < ?", (limit,)).rowcount
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite rolls back by itself after some errors
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise BenchError(f"reading store {self.path}: purge failed: {error}") from error
        return deleted

    def count(self, terminal_id: str | None = None) -> int:
        if terminal_id is None:
            return self._db.execute("SELECT count(*) FROM reading").fetchone()[0]
        return self._db.execute(
            "SELECT count(*) FROM reading WHERE terminal_id = ?", (terminal_id,)
        ).fetchone()[0]

    def span(self, terminal_id: str) -> tuple[int, int] | None:
        """The oldest and newest capture_time of the terminal, or None when it has none."""
        oldest, newest = self._db.execute(_SPAN, {"terminal": terminal_id}).fetchone()
        return None if oldest is None else (oldest, newest)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> ReadingStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _rows(readings: Iterable[StoredReading]) -> Iterator[tuple[str, int, str, int, int, float]]:
    for n, reading in enumerate(readings):
        if not isinstance(reading, StoredReading):
            raise BenchError(
                f"ingest: item {n} of the upload is a {type(reading).__name__}, not a StoredReading"
            )
        yield (
            reading.terminal_id,
            reading.capture_time,
            reading.meter_id,
            reading.import_wh,
            reading.export_wh,
            reading.received_at,
        )


def _checked_int(name: str, value: object) -> int:
    if not _is_int(value):
        raise BenchError(f"{name} {value!r} is not an integer number of seconds")
    return value  # type: ignore[return-value]
