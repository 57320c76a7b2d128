"""Readable renderings of what the bench observed, for the report.

Only observations go in: frames as decoded from the air and the smart meter's events.
Secrets never do: payloads are summarised, keys and passwords are not printed.
"""

from __future__ import annotations

from conformance.interfaces import Bench
from conformance.route_events import DatagramReceived, RouteEvent


def address_book(bench: Bench) -> dict[bytes, str]:
    names = {bench.declaration.identity.eui64: "terminal"}
    names.update(bench.route.address_book())
    return names


def _name(names: dict[bytes, str], address: bytes | None) -> str:
    if address is None:
        return "?"
    return names.get(address, address.hex().upper())


def _event_line(event: RouteEvent, names: dict[bytes, str]) -> str:
    if isinstance(event, DatagramReceived):
        lock = "secured" if event.secured else "PLAINTEXT"
        detail = f"UDP {event.src_port}->{event.dst_port} ({lock})"
    else:
        fields = {k: getattr(event, k) for k in getattr(event, "__dataclass_fields__", {})}
        extra = {k: v for k, v in fields.items() if k not in ("time", "meter", "terminal")}
        detail = ", ".join(f"{k}={v}" for k, v in extra.items())
    return f"{event.meter} observes {event.kind} from {_name(names, event.terminal)}" + (
        f": {detail}" if detail else ""
    )


def sequence_text(bench: Bench) -> str:
    """Air frames and smart-meter events, merged in time order, one per line."""
    names = address_book(bench)
    lines: list[tuple[float, int, str]] = []
    air = bench.route.air
    if air is not None:
        for frame in air.frames():
            where = f"ch{frame.channel} {frame.rssi_dbm:6.1f} dBm"
            dst = frame.frame.dst_addr if frame.frame is not None else None
            to = _name(names, dst) if isinstance(dst, bytes) else "broadcast"
            lines.append((frame.time, 0, f"{where}  {_name(names, frame.src)} -> {to}: {frame.summary()}"))
    for event in bench.route.events:
        lines.append((event.time, 1, f"{'':22}{_event_line(event, names)}"))
    lines.sort(key=lambda entry: (entry[0], entry[1]))
    header = f"profile={bench.profile} seed={bench.seed} (times in seconds from the start of the scenario)"
    return "\n".join([header, *(f"{t:10.4f}  {text}" for t, _, text in lines)]) + "\n"
