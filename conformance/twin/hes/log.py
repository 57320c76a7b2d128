"""The HES twin's own operation log, tamper-evident (NAT-3.2-LOG: 「ログについては、改ざん
行為及び認可されていないアクセスから保護する」).

Theory of operation: every entry carries an HMAC-SHA-256 (RFC 2104) under the HES's log
key over its own fields and the previous entry's MAC, so the entries form a chain. Who
lacks the key cannot change, drop or move an entry without breaking the chain from there
on, and cannot recompute it. Entries cut off the end leave the chain intact, so the log
also keeps a sealed head (the count and the last MAC) apart from the entries, the way a
real system keeps a write-once counter or a periodic signed checkpoint. ``verify`` walks
the chain and names the first entry that is not what was written.

The log is bounded (issue 15: a terminal that joins without end must not exhaust the
bench): beyond ``MAX_LOG_ENTRIES`` the oldest entries are archived, in blocks of
``ARCHIVE_BLOCK``. The archive point is sealed like the head (how many entries went and the
MAC of the last one), so the entries kept still verify as a chain from it, and ``archived``
says how many are no longer held, for the report.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from conformance.protocols.errors import BenchUsageError

MIN_KEY_LENGTH = 16
GENESIS = bytes(32)  # the "previous MAC" of the first entry
_FIXED = struct.Struct("!Qd")  # sequence, time
MAX_LOG_ENTRIES = 100_000  # the busiest scenario writes a few dozen
ARCHIVE_BLOCK = 10_000  # archived at once, so a long log is not shifted entry by entry


@dataclass(frozen=True, slots=True, kw_only=True)
class LogEntry:
    sequence: int  # 0, 1, 2 ... in the order written
    time: float  # virtual seconds of the bench's clock
    kind: str
    detail: str
    mac: bytes = field(repr=False)

    def line(self) -> str:
        return f"{self.sequence} t={self.time:.3f} {self.kind} {self.detail}"


class Tampering(StrEnum):
    MODIFIED = "modified"
    REMOVED = "removed"
    REORDERED = "reordered"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class TamperFinding:
    """The first entry (by the sequence it was written with) that is not as written."""

    sequence: int
    how: Tampering

    def describe(self) -> str:
        if self.how is Tampering.TRUNCATED:
            return f"the HES log ends before entry {self.sequence}: entries were cut off the end"
        return f"entry {self.sequence} of the HES log was {self.how}"


def _field(text: str) -> bytes:
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


class HesLog:
    """Append-only operation log of the HES; ``entries`` is the stored form a tamperer sees."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise BenchUsageError(f"the HES log key needs at least {MIN_KEY_LENGTH} octets")
        self._key = key
        self.entries: list[LogEntry] = []
        self._head: tuple[int, bytes] = (0, GENESIS)  # sealed: count and last MAC
        self._archive: tuple[int, bytes] = (0, GENESIS)  # sealed: entries archived, last MAC
        self._archived_finding: TamperFinding | None = None  # tampering seen as a block went

    @property
    def archived(self) -> int:
        """How many of the oldest entries were archived (no longer held)."""
        return self._archive[0]

    def _mac(self, previous: bytes, sequence: int, time: float, kind: str, detail: str) -> bytes:
        mac = crypto_hmac.HMAC(self._key, hashes.SHA256())
        mac.update(previous + _FIXED.pack(sequence, time) + _field(kind) + _field(detail))
        return mac.finalize()

    def append(self, time: float, kind: str, detail: str) -> LogEntry:
        count, previous = self._head
        entry = LogEntry(
            sequence=count,
            time=time,
            kind=kind,
            detail=detail,
            mac=self._mac(previous, count, time, kind, detail),
        )
        self.entries.append(entry)
        self._head = (count + 1, entry.mac)
        if len(self.entries) > MAX_LOG_ENTRIES:
            self._archive_block()
        return entry

    def _archive_block(self) -> None:
        """Seal the oldest block away; one that does not verify first stays a finding."""
        if self._archived_finding is None:
            self._archived_finding = self._walk(self.entries[:ARCHIVE_BLOCK])
        archived, _ = self._archive
        block = self.entries[:ARCHIVE_BLOCK]
        del self.entries[:ARCHIVE_BLOCK]
        self._archive = (archived + len(block), block[-1].mac)

    def of(self, kind: str) -> list[LogEntry]:
        return [e for e in self.entries if e.kind == kind]

    def lines(self) -> list[str]:
        return [e.line() for e in self.entries]

    def verify(self) -> TamperFinding | None:
        """None when the log is exactly what was written, else the first entry that is not."""
        if self._archived_finding is not None:
            return self._archived_finding
        found = self._walk(self.entries)
        if found is not None:
            return found
        start, previous = self._archive
        if self.entries:
            previous = self.entries[-1].mac
        count, last = self._head
        if start + len(self.entries) < count:
            return TamperFinding(start + len(self.entries), Tampering.TRUNCATED)
        if start + len(self.entries) > count or not hmac.compare_digest(previous, last):
            return TamperFinding(count, Tampering.MODIFIED)  # entries the HES never wrote
        return None

    def _walk(self, entries: list[LogEntry]) -> TamperFinding | None:
        """The first of ``entries`` (which follow the archive point) that breaks the chain."""
        start, previous = self._archive
        for position, entry in enumerate(entries, start):
            if entry.sequence != position:
                later = any(e.sequence == position for e in entries[position - start + 1 :])
                if later or entry.sequence < position:
                    return TamperFinding(min(position, entry.sequence), Tampering.REORDERED)
                return TamperFinding(position, Tampering.REMOVED)
            expected = self._mac(previous, entry.sequence, entry.time, entry.kind, entry.detail)
            if not hmac.compare_digest(expected, entry.mac):
                return TamperFinding(entry.sequence, Tampering.MODIFIED)
            previous = entry.mac
        return None
