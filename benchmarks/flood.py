"""How long the twin bench takes to absorb a flood of injected frames.

The reference terminal joins SM-1; then the bench injector puts 100,000 frames on the
meter's channel at 200 frames per second of virtual time (about what a 100 kb/s channel
carries): plaintext data frames to the terminal, frames secured under a wrong key, frames
with a bad FCS and truncated frames, shuffled. The clock then runs until every frame has
been delivered. The meter grants a PANA session shorter than the flood, so the terminal
has to re-authenticate through it, which shows it still talks, not only that nothing
ended its session. Printed: wall seconds and frames absorbed per wall second, the simulated
seconds covered, whether the terminal kept its session, and the peak memory of the flood
(tracemalloc, in a second run: tracing slows Python down).

    python -m benchmarks.flood [--frames N] [--rate FPS] [--seed N] [--session-lifetime S] [--no-memory]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import random
import time
import tracemalloc
from collections import Counter

from benchmarks.figures import HIGHER, LOWER, keep
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe.route_events import (
    FrameDiscarded,
    SessionEnded,
    TerminalAuthenticated,
    TerminalReauthenticated,
)
from conformance.protocols import sixlowpan, wpan
from conformance.protocols.dlms import DLMS_PORT
from conformance.twin.bench import INJECTOR_ADDRESS, TwinBench
from conformance.twin.faults import terminal_class

METER = "SM-1"
KINDS = ("plaintext", "wrong key", "bad FCS", "truncated")
PAYLOAD_SIZES = (20, 60, 90)  # UDP payload octets


def joined_bench(seed: int, session_lifetime_s: int) -> TwinBench:
    """A twin bench whose reference terminal is authenticated on SM-1."""
    declaration = load_declaration()
    bench = TwinBench(seed=seed, declaration=declaration, dut_factory=terminal_class("reference"))
    bench.route.add_meter(
        MeterSetup(
            name=METER,
            pairing_id=declaration.credentials.pairing_id,
            session_lifetime_s=session_lifetime_s,
        )
    )
    bench.terminal.power_on()
    if not bench.clock.wait_until(lambda: bench.route.events.first(TerminalAuthenticated) is not None, 600):
        raise RuntimeError(f"seed {seed}: the reference twin did not join")
    return bench


def flood_frames(bench: TwinBench, count: int, seed: int) -> list[tuple[str, bytes]]:
    """``count`` distinct frames of the four kinds in a shuffled order, with their kind."""
    rng = random.Random(seed)
    terminal = bench.declaration.identity.eui64
    meter = bench.route.meters[METER]
    wrong_key = rng.randbytes(16)
    while wrong_key in bench.route.issued_keys():
        wrong_key = rng.randbytes(16)

    def data_frame(n: int) -> wpan.Frame:
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(INJECTOR_ADDRESS),
            dst=sixlowpan.mac_to_link_local(terminal),
            src_port=DLMS_PORT,  # not PANA: a plaintext datagram the terminal takes in and ignores
            dst_port=DLMS_PORT,
            payload=rng.randbytes(PAYLOAD_SIZES[n % len(PAYLOAD_SIZES)]),
        )
        return wpan.data_frame(
            sequence_number=n % 256,
            pan_id=meter.config.pan_id,
            src_addr=INJECTOR_ADDRESS,
            dst_addr=terminal,
            payload=sixlowpan.encode_udp(datagram, src_mac=INJECTOR_ADDRESS, dst_mac=terminal),
        )

    def make(kind: str, n: int) -> bytes:
        frame = data_frame(n)
        if kind == "plaintext":
            return wpan.encode(frame)
        if kind == "wrong key":
            # The key index the terminal knows, so it runs the MIC check and fails it.
            security = wpan.AuxSecurityHeader(frame_counter=n, key_index=meter.group_key_index)
            return wpan.secure(dataclasses.replace(frame, security=security), wrong_key)
        raw = wpan.encode(frame)
        if kind == "bad FCS":
            return raw[:-2] + bytes([raw[-2] ^ 0xFF, raw[-1]])
        body = raw[: rng.randrange(1, 21)]  # ends inside the 21-octet MHR; a good FCS, so it is parsed
        return body + wpan.compute_fcs(body)

    kinds = [KINDS[n % len(KINDS)] for n in range(count)]
    rng.shuffle(kinds)
    return [(kind, make(kind, n)) for n, kind in enumerate(kinds)]


@dataclasses.dataclass(frozen=True, slots=True)
class FloodRun:
    wall_s: float
    simulated_s: float
    events_run: int
    discards: int
    reauthentications: int
    sessions_ended: int
    still_authenticated: bool


def flood(bench: TwinBench, frames: list[tuple[str, bytes]], rate: float) -> FloodRun:
    """Schedule the frames ``1 / rate`` apart, run the clock until they are absorbed."""
    start = bench.clock.now() + 1.0
    inject = functools.partial(bench.route.inject, meter=METER)
    for n, (_, raw) in enumerate(frames):
        bench.scheduler.call_at(start + n / rate, inject, raw)
    # The fixed-size tail lets the last frames' airtime, the ACK waits and retries elapse.
    end = start + len(frames) / rate + 1.0
    events_before = bench.scheduler.events_run
    discards_before = len(bench.route.events.of(FrameDiscarded))
    started = time.perf_counter()
    bench.clock.wait(end - bench.clock.now())
    wall = time.perf_counter() - started
    terminal = bench.declaration.identity.eui64
    return FloodRun(
        wall_s=wall,
        simulated_s=end - start,
        events_run=bench.scheduler.events_run - events_before,
        discards=len(bench.route.events.of(FrameDiscarded)) - discards_before,
        reauthentications=len(bench.route.events.of(TerminalReauthenticated, terminal=terminal)),
        sessions_ended=len(bench.route.events.of(SessionEnded, terminal=terminal)),
        still_authenticated=terminal in bench.route.meters[METER].authenticated,
    )


def peak_memory(seed: int, session_lifetime_s: int, count: int, rate: float) -> int:
    """Peak traced octets of a second flood: its frames, timers, air log and events."""
    bench = joined_bench(seed, session_lifetime_s)
    tracemalloc.start()
    try:
        flood(bench, flood_frames(bench, count, seed), rate)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0, help="injected frames per simulated second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--session-lifetime", type=int, default=120, help="PANA Session-Lifetime in seconds (default 120)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args, _ = parser.parse_known_args()

    bench = joined_bench(args.seed, args.session_lifetime)
    joined_at = bench.clock.now()
    started = time.perf_counter()
    frames = flood_frames(bench, args.frames, args.seed)
    built = time.perf_counter() - started
    mix = Counter(kind for kind, _ in frames)
    run = flood(bench, frames, args.rate)
    del bench, frames

    print(
        f"flood: {args.frames:,} injected frames at {args.rate:.0f} frames/s of simulated time on "
        f"{METER}'s channel, reference terminal joined at t={joined_at:.1f} s"
    )
    print("  mix: " + ", ".join(f"{mix[kind]:,} {kind}" for kind in KINDS) + f" (built in {built:.2f} s)")
    print(
        f"  absorbed in {run.wall_s:.2f} s wall: {args.frames / run.wall_s:,.0f} frames/s, "
        f"{run.events_run:,} scheduler events; simulated {run.simulated_s:.0f} s, "
        f"simulated/wall {run.simulated_s / run.wall_s:.0f}x"
    )
    print(f"  smart meter logged {run.discards:,} FrameDiscarded events during the flood")
    keep("flood, frames absorbed per second", args.frames / run.wall_s, "frames/s", better=HIGHER)
    kept = run.still_authenticated and not run.sessions_ended
    print(
        f"  terminal {'still authenticated' if kept else 'LOST ITS SESSION'}: "
        f"{run.sessions_ended} SessionEnded events, {run.reauthentications} re-authentications "
        f"({args.session_lifetime} s sessions), "
        f"{'in' if run.still_authenticated else 'not in'} {METER}'s authenticated terminals"
    )
    if not args.no_memory:
        peak = peak_memory(args.seed, args.session_lifetime, args.frames, args.rate)
        print(f"  peak memory (tracemalloc, second run): {peak / 2**20:.1f} MiB")
        keep("flood, peak memory", peak / 2**20, "MiB", better=LOWER)


if __name__ == "__main__":
    main()
