"""NAT-3.1-T2 「接続条件（ポート番号等）を極小化するなど、必要な通信のみを許可」: the terminal
speaks only from the UDP ports it declared, on the IoT route and on the home side.

The port probes of ``features/security/home_side.feature`` ask which ports answer; this
monitor watches what the terminal does unasked, in every scenario: a datagram of the
terminal's from an undeclared port shows a port open that the declaration does not list.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.observe.monitors.core import Monitor, Outcome, Violation, Watched, no_sniffer
from conformance.observe.route_events import DatagramReceived


class DeclaredPortsOnly(Monitor):
    id = "ports"
    requirement = "NAT-3.1-T2"
    title = "the terminal uses only its declared UDP ports, on either side"

    def judge(self, watched: Watched) -> Outcome:
        declared = watched.declaration.home_side
        iot, home = set(declared.iot_route_open_udp_ports), set(declared.open_udp_ports)
        violations = list(self._iot_route(watched, iot))
        seen = "the IoT route on the air" if watched.air is not None else "the IoT route at the smart meter"
        if watched.home is not None:
            violations += self._home_side(watched, home)
            seen += " and the home side's port mirror"
        return self.outcome(seen, sorted(violations, key=lambda v: v.time))

    def _iot_route(self, watched: Watched, declared: set[int]) -> Iterator[Violation]:
        allowed = ", ".join(map(str, sorted(declared)))
        if watched.air is not None:
            for frame in watched.terminal_frames:
                datagram = frame.air.datagram
                if datagram is not None and not frame.retransmission and datagram.src_port not in declared:
                    yield Violation(
                        time=frame.time,
                        what=f"IoT route: sent from UDP {datagram.src_port}, not declared ({allowed}): "
                        f"{frame.label()}",
                    )
            return
        for event in watched.route_events(DatagramReceived):
            if event.src_port not in declared:
                yield Violation(
                    time=event.time,
                    what=f"IoT route: {event.meter} received UDP from port {event.src_port}, not declared "
                    f"({allowed}) [{no_sniffer(watched)}]",
                )

    @staticmethod
    def _home_side(watched: Watched, declared: set[int]) -> list[Violation]:
        home = watched.home
        assert home is not None
        traffic = home.traffic
        meter = home.meter_address
        # The bench's metering device is the only meter there: whoever reads it is the terminal.
        terminal = {d.src for d in traffic if d.dst == meter and d.src != meter}
        allowed = ", ".join(map(str, sorted(declared)))
        return [
            Violation(
                time=d.time,
                what=f"home side: {d.src} sent from UDP {d.src_port} to {d.dst} port {d.dst_port}, "
                f"not a declared port ({allowed})",
            )
            for d in traffic
            if d.src in terminal and d.src_port not in declared
        ]
