"""Readable renderings of what the bench observed, for the report.

Only observations go in: frames as decoded from the air, the smart meter's events, what
the port mirror saw on the home side (and the analyser on the meter bus), and what the
HES received. Secrets never do: payloads are summarised, keys and passwords are not
printed.

``observations(bench)`` is the one list both renderings draw from: the text sequence
below and the sequence chart (``reports.sequence_chart``). Each entry names who sent
(``source``) and who it was for (``destination``: a node, ``BROADCAST``, or ``None`` for
something a node observed rather than received over the air).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conformance.interfaces import Bench, if_provided
from conformance.observe.hes_events import HesEvent
from conformance.observe.route_events import DatagramReceived, RouteEvent
from conformance.protocols import echonet
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram

BROADCAST = "broadcast"
TERMINAL = "terminal"
METER = "metering device"
HES = "HES"


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One thing the bench saw: a frame on the air, or an event at a smart meter."""

    time: float  # seconds from the start of the scenario (virtual on the twin)
    kind: Literal["frame", "event"]
    source: str  # the sender of a frame, the observing meter of an event
    destination: str | None  # a node or BROADCAST for frames; None for events
    summary: str  # what it was, in a few words: the frame's layers, the event's kind
    detail: str = ""  # events: their fields
    where: str = ""  # frames: channel and RSSI as the sniffer heard them
    about: str = ""  # events: the terminal the meter observed


def address_book(bench: Bench) -> dict[bytes, str]:
    names = {bench.declaration.identity.eui64: TERMINAL}
    names.update(bench.route.address_book())
    return names


def _name(names: dict[bytes, str], address: bytes | None) -> str:
    if address is None:
        return "?"
    return names.get(address, address.hex().upper())


def _event_detail(event: RouteEvent | HesEvent) -> str:
    if isinstance(event, DatagramReceived):
        lock = "secured" if event.secured else "PLAINTEXT"
        return f"UDP {event.src_port}->{event.dst_port} ({lock})"
    fields = {k: getattr(event, k) for k in getattr(event, "__dataclass_fields__", {})}
    extra = {k: v for k, v in fields.items() if k not in ("time", "meter", "terminal", "terminal_id")}
    # Long fields (an upload's values, a response's data) are counted, not printed.
    return ", ".join(
        f"{k}={len(v)} items" if isinstance(v, tuple | list) else f"{k}={v}"
        for k, v in extra.items()
        if not (k == "data" and v is not None)
    )


def _echonet_summary(payload: bytes) -> str:
    try:
        frame = echonet.decode(payload)
    except ProtocolError as exc:
        return f"ECHONET Lite, undecodable ({exc})"
    epcs = ",".join(f"0x{p.epc:02X}" for p in (*frame.properties, *frame.get_properties))
    return f"ECHONET Lite {frame.esv.spec_name} {frame.seoj}->{frame.deoj} TID {frame.tid} [{epcs}]"


def _home_observations(bench: Bench) -> list[Observation]:
    home = bench.home

    def node(address: str) -> str:
        """The bench's meter by name; any other node by its address (the terminal's home
        address is not the bench's to know)."""
        return METER if address == home.meter_address else f"[{address}]"

    def summary(d: HomeDatagram) -> str:
        return _echonet_summary(d.payload) if echonet.ECHONET_PORT in (d.src_port, d.dst_port) else "UDP"

    found = [
        Observation(
            time=d.time,
            kind="frame",
            source=node(d.src),
            destination=BROADCAST if d.dst.startswith("ff02:") else node(d.dst),
            summary=summary(d),
            where=f"home UDP {d.src_port}->{d.dst_port}",
        )
        for d in home.traffic
    ]
    found += [
        Observation(
            time=r.time,
            kind="frame",
            source=METER if r.sender == "meter" else r.sender,
            destination=METER if r.sender != "meter" else TERMINAL,
            summary=f"Modbus RTU, {len(r.frame)} octets",
            where="RS-485",
        )
        for r in if_provided(lambda: home.bus_traffic) or []
    ]
    return found


def _hes_observations(bench: Bench) -> list[Observation]:
    return [
        Observation(
            time=e.time,
            kind="event",
            source=HES,
            destination=None,
            summary=e.kind,
            detail=_event_detail(e),
            about=TERMINAL,
        )
        for e in bench.hes.events
    ]


def observations(bench: Bench) -> list[Observation]:
    """Air frames, smart-meter events, home-side traffic and HES events, merged in time
    order (frames first on a tie)."""
    names = address_book(bench)
    found: list[Observation] = []
    air = if_provided(lambda: bench.route.air)
    if air is not None:
        for frame in air.frames():
            dst = frame.frame.dst_addr if frame.frame is not None else None
            found.append(
                Observation(
                    time=frame.time,
                    kind="frame",
                    source=_name(names, frame.src),
                    destination=_name(names, dst) if isinstance(dst, bytes) else BROADCAST,
                    summary=frame.summary(),
                    where=f"ch{frame.channel} {frame.rssi_dbm:6.1f} dBm",
                )
            )
    for event in bench.route.events:
        found.append(
            Observation(
                time=event.time,
                kind="event",
                source=event.meter,
                destination=None,
                summary=event.kind,
                detail=_event_detail(event),
                about=_name(names, event.terminal),
            )
        )
    found += _home_observations(bench) + _hes_observations(bench)
    found.sort(key=lambda o: (o.time, o.kind != "frame"))
    return found


def _line(o: Observation) -> str:
    if o.kind == "frame":
        return f"{o.where}  {o.source} -> {o.destination}: {o.summary}"
    detail = f": {o.detail}" if o.detail else ""
    return f"{'':22}{o.source} observes {o.summary} from {o.about}{detail}"


def sequence_text(bench: Bench, found: list[Observation] | None = None) -> str:
    """Air frames and smart-meter events, merged in time order, one per line."""
    found = observations(bench) if found is None else found
    header = [f"profile={bench.profile} seed={bench.seed} (times in seconds from the start of the scenario)"]
    # A rig has no sniffer (NotApplicable): its sequence is the module's events alone.
    air = if_provided(lambda: bench.route.air)
    # Every record below is a ring buffer that counts what it let go (issue 15).
    if air is not None and air.dropped:  # conformance.observe.air
        header.append(
            f"the air log keeps the newest {air.limit} frames: {air.dropped} earlier ones were dropped"
        )
    traffic = bench.home.traffic  # conformance.sim.home_network
    if traffic.dropped:
        header.append(
            f"the home-side record keeps the newest {traffic.limit} datagrams: "
            f"{traffic.dropped} earlier ones were dropped"
        )
    hes_events = bench.hes.events  # conformance.observe.hes_events
    if hes_events.dropped:
        header.append(
            f"the HES event log keeps the newest {hes_events.limit} events: "
            f"{hes_events.dropped} earlier ones were dropped"
        )
    return "\n".join([*header, *(f"{o.time:10.4f}  {_line(o)}" for o in found)]) + "\n"
