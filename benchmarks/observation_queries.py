"""What two queries the steps repeat cost, per query, as the scenario grows.

1. A wait for an echo reply asks the air log for the terminal's frames after every event
   (``AirLog.sent_by``, through ``AirLog.echo_replies``): the cost of one query after
   each new frame, on an air of a few thousand frames (a few days of metering), should
   not grow with the air's length.
2. A flood sends each frame and waits its period (``Scheduler.run_until``, through the
   twin's clock): the cost of one paced wait with one event due in it.

    python -m benchmarks.observation_queries [--frames N]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.figures import LOWER, keep
from conformance.observe.air import AirLog
from conformance.protocols import sixlowpan, wpan
from conformance.sim.radio import AirRecord
from conformance.sim.scheduler import Scheduler

TERMINAL = bytes.fromhex("02123400000000AA")
METER = bytes.fromhex("0212340000000001")
PACED_WAITS = 20_000


def _frame(n: int, src: bytes, dst: bytes) -> bytes:
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(src),
        dst=sixlowpan.mac_to_link_local(dst),
        src_port=4059,
        dst_port=4059,
        payload=n.to_bytes(4, "big") * 8,
    )
    payload = sixlowpan.encode_udp(datagram, src_mac=src, dst_mac=dst)
    frame = wpan.data_frame(sequence_number=n % 256, pan_id=1, src_addr=src, dst_addr=dst, payload=payload)
    return wpan.encode(frame)


def sent_by_per_query(frames: int) -> tuple[float, float]:
    """Seconds a query takes over the first and the last tenth of a growing air."""
    log = AirLog(lambda: ())
    times = []
    for n in range(frames):
        src, dst = (TERMINAL, METER) if n % 2 else (METER, TERMINAL)
        log.record(AirRecord(float(n), 33, -50.0, _frame(n, src, dst)))
        started = time.perf_counter()
        log.sent_by(TERMINAL)
        times.append(time.perf_counter() - started)
    tenth = max(1, frames // 10)
    return sum(times[:tenth]) / tenth, sum(times[-tenth:]) / tenth


def paced_wait() -> float:
    """Seconds one ``run_until`` takes with one event due in its period."""
    scheduler = Scheduler()
    started = time.perf_counter()
    for _ in range(PACED_WAITS):
        scheduler.call_later(0.01, int)
        scheduler.run_until(scheduler.now + 0.02)
    return (time.perf_counter() - started) / PACED_WAITS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6_000)
    args, _ = parser.parse_known_args()
    first, last = sent_by_per_query(args.frames)
    print(f"air log, the terminal's frames asked after every new frame, {args.frames:,} frames:")
    print(f"  {first * 1e6:.1f} µs a query over the first tenth, {last * 1e6:.1f} µs over the last")
    keep("air log: sent_by after each new frame, last tenth of 6,000", last * 1e6, "µs", better=LOWER)
    wait = paced_wait()
    print(f"scheduler, a paced wait with one event due: {wait * 1e6:.2f} µs")
    keep("scheduler: paced wait (run_until, one event)", wait * 1e6, "µs", better=LOWER)


if __name__ == "__main__":
    main()
