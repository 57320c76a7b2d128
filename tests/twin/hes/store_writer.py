"""Child process of the reading store's kill test: uploads into a file store until killed.

    python tests/twin/hes/store_writer.py DBPATH [--stall-in-upload N]

Each upload is one terminal-day, 48 readings of 30-minute values (NAT 2-5), in
consecutive slots, so upload n always holds the same readings (``upload(n)``). After
each ``ingest`` returns, the writer prints ``committed N`` (N uploads so far), flushed.
With ``--stall-in-upload N`` upload N is fed to ``ingest`` lazily; after half of its
readings the writer prints ``inside N`` and sleeps with the transaction open, so the
parent can kill it there for certain.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator

from conformance.twin.hes.reading_store import ReadingStore, StoredReading

TERMINAL = "IOTKILLTEST0001"
METER = "FE00000000000000000000000000000001"
PER_UPLOAD = 48  # one day of 30-minute values
SLOT_S = 1800
BASE = 1_767_225_600  # 2026-01-01 00:00 UTC, on the 30-minute grid
MAX_UPLOADS = 20_000  # an orphaned writer stops by itself


def upload(n: int) -> list[StoredReading]:
    """The readings of upload ``n`` (1-based): day n's 48 slots, values derived from the slot."""
    first = (n - 1) * PER_UPLOAD
    return [
        StoredReading(
            terminal_id=TERMINAL,
            meter_id=METER,
            capture_time=BASE + slot * SLOT_S,
            import_wh=(slot * 1_234) % 100_000_000,
            export_wh=(slot * 7) % 100_000_000,
            received_at=float(n * 86_400),
        )
        for slot in range(first, first + PER_UPLOAD)
    ]


def stalled(readings: list[StoredReading], n: int) -> Iterator[StoredReading]:
    """Yields half the upload, then announces it is inside the transaction and hangs."""
    yield from readings[: PER_UPLOAD // 2]
    print(f"inside {n}", flush=True)
    time.sleep(60)
    yield from readings[PER_UPLOAD // 2 :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--stall-in-upload", type=int, default=0)
    args = parser.parse_args()
    store = ReadingStore(args.db)
    for n in range(1, MAX_UPLOADS + 1):
        readings = upload(n)
        new = store.ingest(stalled(readings, n) if n == args.stall_in_upload else readings)
        if new != PER_UPLOAD:
            print(f"upload {n} stored {new} new readings, not {PER_UPLOAD}", file=sys.stderr)
            return 1
        try:
            print(f"committed {n}", flush=True)
        except BrokenPipeError:  # the parent went away
            return 0
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
