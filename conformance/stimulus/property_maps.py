"""Writes to every property the terminal's ECHONET Lite objects expose, read from the terminal.

The rogue's fixed repertoire (``rogue_requests``) writes a few properties of each object; a
terminal that guards those and leaves the rest writable passes it. Here the rogue first asks
each whitelisted object for its property maps (0x9D status announcement, 0x9E Set, 0x9F Get;
ECHONET Lite Part II §6.10.2 and Appendix 1), then tries every property those maps and the
declaration name with SetC, SetI and SetGet, each write between two reads so a write that
took effect shows even where the terminal stays silent (NAT-3.1-T2 「ECHONET Liteのコマンドを
限定」). The terminal's own answers choose the properties: what it exposes is what is tried.
"""

from __future__ import annotations

from conformance.ics import EchonetObject
from conformance.protocols import echonet
from conformance.protocols.errors import DecodeError
from conformance.stimulus.rogue_requests import RequestBuilder, whitelisted_eoj

PROPERTY_MAPS = (0x9D, 0x9E, 0x9F)
BITMAP_FROM = 16  # Part II Appendix 1: 16 properties or more are listed as a 16-octet bitmap
# Starting after the fixed repertoire's transaction IDs, so answers never mix.
FIRST_TID = 0xA800


def property_map_epcs(edt: bytes) -> list[int]:
    """The EPCs of a property map (Part II Appendix 1): a count, then the EPCs when fewer than
    16, else a 16-octet bitmap in which bit ``b`` of octet ``i`` stands for 0x80 + 0x10*b + i."""
    if not edt:
        raise DecodeError("a property map has at least its count octet")
    count = edt[0]
    if count < BITMAP_FROM:
        if len(edt) != 1 + count:
            raise DecodeError(f"a property map of {count} EPCs has {len(edt) - 1} octets after its count")
        listed = edt[1:]
        twice = sorted({epc for epc in listed if listed.count(epc) > 1})
        if twice:
            # The count is of properties: one listed twice makes it count one too many.
            raise DecodeError(f"a property map lists EPC 0x{twice[0]:02X} twice")
        return sorted(listed)
    if len(edt) != 1 + 16:
        raise DecodeError(
            f"a property map of {count} EPCs needs a 16-octet bitmap, not {len(edt) - 1} octets"
        )
    return sorted(
        0x80 + 0x10 * bit + index
        for index, octet in enumerate(edt[1:])
        for bit in range(8)
        if octet >> bit & 1
    )


def map_requests(whitelist: list[EchonetObject]) -> list[bytes]:
    """A Get of the three property maps from every whitelisted object."""
    builder = RequestBuilder(FIRST_TID)
    return [builder.get(whitelisted_eoj(entry), list(PROPERTY_MAPS)) for entry in whitelist]


def exposed(whitelist: list[EchonetObject], answers: list[echonet.Frame]) -> dict[echonet.Eoj, list[int]]:
    """Every EPC each whitelisted object names: in its declaration and in the property maps it
    answered with (a map that does not decode names nothing: the step judging the answers
    says why)."""
    found = {whitelisted_eoj(entry): {*entry.get, *entry.set} for entry in whitelist}
    for answer in answers:
        eoj = next(
            (
                e
                for e in found
                if (e.class_group, e.class_code) == (answer.seoj.class_group, answer.seoj.class_code)
            ),
            None,
        )
        if eoj is None or answer.esv not in (echonet.Esv.GET_RES, echonet.Esv.GET_SNA):
            continue
        for prop in answer.properties:
            if prop.epc in PROPERTY_MAPS and prop.edt:
                try:
                    found[eoj].update(property_map_epcs(prop.edt))
                except DecodeError:
                    continue
    return {eoj: sorted(epcs) for eoj, epcs in found.items()}


# The value each write carries: operation status OFF (0x80), installation location "living
# room" (0x81), and 0x01 elsewhere: a one-octet value any property's range check may refuse,
# but no guard may accept where the declaration allows no write.
_VALUES = {0x80: echonet.OPERATION_STATUS_OFF, 0x81: b"\x08"}


def writes_to_every_property(properties: dict[echonet.Eoj, list[int]]) -> list[bytes]:
    """For every object and property: Get, SetC, Get, SetI, Get, then SetGet (write and read)."""
    builder = RequestBuilder(FIRST_TID + 0x100)
    frames = []
    for eoj, epcs in properties.items():
        for epc in epcs:
            write = [echonet.Property(epc=epc, edt=_VALUES.get(epc, b"\x01"))]
            read = [epc]
            frames += [
                builder.get(eoj, read),
                builder.frame(eoj, echonet.Esv.SETC, write),
                builder.get(eoj, read),
                builder.frame(eoj, echonet.Esv.SETI, write),
                builder.get(eoj, read),
                builder.frame(eoj, echonet.Esv.SETGET, write, (echonet.Property(epc=epc),)),
            ]
    return frames
