"""The NAT-2.2 protocol stack, layer by layer, for everything the terminal sends.

NAT seed 2-2 (Wi-SUN Enhanced HAN): IEEE 802.15.4 / 6LoWPAN / IPv6 and ICMPv6 / UDP /
DLMS/COSEM, with PANA (RFC 5191) for authentication. Each of the terminal's frames must
decode at every layer with the bench's own codecs; the first layer that does not is named.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.observe.decoded_apdus import DecodedApdus
from conformance.observe.monitors.core import Monitor, Outcome, TerminalFrame, Violation, Watched, no_sniffer
from conformance.observe.route_events import DatagramReceived
from conformance.protocols import dlms, pana, sixlowpan, wpan
from conformance.protocols.errors import ProtocolError

PANA_PORT = 716  # RFC 5191 §6.1
DLMS_PORT = 4059  # IEC 62056-47 (IANA "DLMS/COSEM")


def application_error(
    src_port: int, dst_port: int, payload: bytes, hes_apdus: DecodedApdus | None = None
) -> str | None:
    """Why a UDP payload is not the stack's application layer, or None when it decodes.
    ``hes_apdus``: the APDUs the HES already decoded; identical octets are not decoded again."""
    try:
        if PANA_PORT in (src_port, dst_port):
            pana.decode(payload)
        elif DLMS_PORT in (src_port, dst_port):
            if hes_apdus is None or hes_apdus.decoded(payload) is None:
                dlms.decode(dlms.unwrap(payload).apdu)
        else:
            return f"UDP {src_port}->{dst_port} carries neither PANA nor DLMS/COSEM"
    except ProtocolError as exc:
        layer = "PANA" if PANA_PORT in (src_port, dst_port) else "DLMS/COSEM (IEC 62056-47 wrapper, APDU)"
        return f"UDP {src_port}->{dst_port} does not decode as {layer}: {exc}"
    return None


class StackDecodes(Monitor):
    id = "stack"
    requirement = "NAT-2.2"
    title = "every frame decodes as 802.15.4 / 6LoWPAN / IPv6 / ICMPv6 or UDP / DLMS/COSEM or PANA"

    def judge(self, watched: Watched) -> Outcome:
        hes_apdus = watched.hes.events.apdus if watched.hes is not None else None
        if watched.air is not None:
            frames = [f for f in watched.terminal_frames if not f.retransmission]
            return self.outcome(
                f"{len(frames)} frames of the terminal on the air", self._on_air(frames, hes_apdus)
            )
        events = watched.route_events(DatagramReceived)
        return self.outcome(
            f"{len(events)} datagrams at the smart-meter side, from UDP up ({no_sniffer(watched)}; the "
            "radio module decoded the layers below)",
            (
                Violation(time=e.time, what=f"{e.meter} received: {problem}")
                for e in events
                if (problem := application_error(e.src_port, e.dst_port, e.payload, hes_apdus)) is not None
            ),
        )

    def _on_air(self, frames: list[TerminalFrame], hes_apdus: DecodedApdus | None) -> Iterator[Violation]:
        for frame in frames:
            problem = _problem(frame, hes_apdus)
            if problem is not None:
                yield Violation(time=frame.time, what=f"frame {frame.number} in the air capture: {problem}")


def _problem(frame: TerminalFrame, hes_apdus: DecodedApdus | None) -> str | None:
    decoded = frame.air.frame
    if decoded is None:
        return f"IEEE 802.15.4: {frame.air.error}"
    if decoded.frame_type is not wpan.FrameType.DATA:
        return None  # beacon requests and acknowledgements: the MAC layer is the whole frame
    if decoded.security is not None and not frame.air.decrypted:
        return "IEEE 802.15.4 security: no key the smart meters issued verifies its MIC"
    packet = frame.air.packet
    if packet is None:
        try:
            sixlowpan.decode_ipv6(decoded.payload, src_mac=decoded.src_addr, dst_mac=decoded.dst_addr)
        except ProtocolError as exc:
            return f"6LoWPAN/IPv6 (RFC 6282): {exc}"
        return "6LoWPAN/IPv6 (RFC 6282): does not decode"
    if isinstance(packet, sixlowpan.UdpDatagram):
        if frame.air.pana is not None:
            # The air log decoded these very octets with the same PANA codec: they decode,
            # and decoding them again was a fifth of this monitor's cost.
            return None
        return application_error(packet.src_port, packet.dst_port, packet.payload, hes_apdus)
    return None  # ICMPv6 (RFC 4443)
