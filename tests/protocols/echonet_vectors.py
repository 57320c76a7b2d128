"""ECHONET Lite golden frames, written by hand from the layout of Part II 3.2 and 4.2.3.4.

Each entry is (name, octets, frame): the frame is the hand decoding of the octets, field by
field, and the tests check both directions plus pychonet's reading of the same octets. The
traffic is the home side of the bench: a controller (05FF01, the terminal) and the
distributed generator's electric energy meter (028E01, the metering device).
"""

from __future__ import annotations

from conformance.protocols.echonet import Eoj, Esv, Frame, Property

CONTROLLER = Eoj(0x05, 0xFF, 0x01)
METER = Eoj(0x02, 0x8E, 0x01)
NODE_PROFILE = Eoj(0x0E, 0xF0, 0x01)


def h(text: str) -> bytes:
    """Hex with spaces and # comments."""
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


def p(epc: int, edt: str = "") -> Property:
    return Property(epc=epc, edt=bytes.fromhex(edt))


MAX_EDT = bytes(range(255))

VECTORS: list[tuple[str, bytes, Frame]] = [
    (
        "Get of 0xE0",
        h("1081 0001  # EHD, TID 1\n 05FF01 028E01  # SEOJ, DEOJ\n 62 01  # Get, OPC 1\n E0 00"),
        Frame(tid=1, seoj=CONTROLLER, deoj=METER, esv=Esv.GET, properties=(p(0xE0),)),
    ),
    (
        "Get of the guideline's three readings 0xE0 0xE2 0xD1",
        h("1081 0002 05FF01 028E01 62 03  E0 00  E2 00  D1 00"),
        Frame(tid=2, seoj=CONTROLLER, deoj=METER, esv=Esv.GET, properties=(p(0xE0), p(0xE2), p(0xD1))),
    ),
    (
        "Get_Res with 123456789, 999999999 and a device ID",
        h(
            "1081 0002 028E01 05FF01 72 03\n"
            " E0 04 075BCD15  # 123456789\n"
            " E2 04 3B9AC9FF  # 999999999, the 9-digit maximum\n"
            " D1 07 001D129F35C1 01  # MAC address + meter number"
        ),
        Frame(
            tid=2,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.GET_RES,
            properties=(p(0xE0, "075BCD15"), p(0xE2, "3B9AC9FF"), p(0xD1, "001D129F35C101")),
        ),
    ),
    (
        "Get_SNA: 0xE2 not available",
        h("1081 0003 028E01 05FF01 52 02  E0 04 00000001  E2 00"),
        Frame(tid=3, seoj=METER, deoj=CONTROLLER, esv=Esv.GET_SNA, properties=(p(0xE0, "00000001"), p(0xE2))),
    ),
    (
        "SetI of 0x97 current time 12:34",
        h("1081 0004 05FF01 028E01 60 01  97 02 0C22"),
        Frame(tid=4, seoj=CONTROLLER, deoj=METER, esv=Esv.SETI, properties=(p(0x97, "0C22"),)),
    ),
    (
        "SetI_SNA echoing the refused value",
        h("1081 0004 028E01 05FF01 50 01  97 02 0C22"),
        Frame(tid=4, seoj=METER, deoj=CONTROLLER, esv=Esv.SETI_SNA, properties=(p(0x97, "0C22"),)),
    ),
    (
        "SetC of 0x98 2026-03-31 and 0x97 23:59",
        h("1081 0005 05FF01 028E01 61 02  98 04 07EA031F  97 02 173B"),
        Frame(
            tid=5,
            seoj=CONTROLLER,
            deoj=METER,
            esv=Esv.SETC,
            properties=(p(0x98, "07EA031F"), p(0x97, "173B")),
        ),
    ),
    (
        "Set_Res: both accepted (PDC 0)",
        h("1081 0005 028E01 05FF01 71 02  98 00  97 00"),
        Frame(tid=5, seoj=METER, deoj=CONTROLLER, esv=Esv.SET_RES, properties=(p(0x98), p(0x97))),
    ),
    (
        "SetC_SNA: date refused, time accepted",
        h("1081 0005 028E01 05FF01 51 02  98 04 07EA031F  97 00"),
        Frame(
            tid=5,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.SETC_SNA,
            properties=(p(0x98, "07EA031F"), p(0x97)),
        ),
    ),
    (
        "INF_REQ of 0x80",
        h("1081 0006 05FF01 028E01 63 01  80 00"),
        Frame(tid=6, seoj=CONTROLLER, deoj=METER, esv=Esv.INF_REQ, properties=(p(0x80),)),
    ),
    (
        "INF answering INF_REQ: operation status ON",
        h("1081 0006 028E01 05FF01 73 01  80 01 30"),
        Frame(tid=6, seoj=METER, deoj=CONTROLLER, esv=Esv.INF, properties=(p(0x80, "30"),)),
    ),
    (
        "INF instance list notification of the node profile",
        h("1081 0000 0EF001 0EF001 73 01  D5 04 01 028E01"),
        Frame(tid=0, seoj=NODE_PROFILE, deoj=NODE_PROFILE, esv=Esv.INF, properties=(p(0xD5, "01028E01"),)),
    ),
    (
        "INF_SNA",
        h("1081 0007 028E01 05FF01 53 01  80 00"),
        Frame(tid=7, seoj=METER, deoj=CONTROLLER, esv=Esv.INF_SNA, properties=(p(0x80),)),
    ),
    (
        "INFC of 0xE0 = 1000",
        h("1081 0008 028E01 05FF01 74 01  E0 04 000003E8"),
        Frame(tid=8, seoj=METER, deoj=CONTROLLER, esv=Esv.INFC, properties=(p(0xE0, "000003E8"),)),
    ),
    (
        "INFC_Res",
        h("1081 0008 05FF01 028E01 7A 01  E0 00"),
        Frame(tid=8, seoj=CONTROLLER, deoj=METER, esv=Esv.INFC_RES, properties=(p(0xE0),)),
    ),
    (
        "SetGet: set 0x97, get 0xE0 0xE2",
        h("1081 0009 05FF01 028E01 6E\n 01 97 02 0C22  # OPCSet 1\n 02 E0 00 E2 00  # OPCGet 2"),
        Frame(
            tid=9,
            seoj=CONTROLLER,
            deoj=METER,
            esv=Esv.SETGET,
            properties=(p(0x97, "0C22"),),
            get_properties=(p(0xE0), p(0xE2)),
        ),
    ),
    (
        "SetGet_Res: set accepted, both values read",
        h("1081 0009 028E01 05FF01 7E\n 01 97 00\n 02 E0 04 075BCD15 E2 04 00000000"),
        Frame(
            tid=9,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.SETGET_RES,
            properties=(p(0x97),),
            get_properties=(p(0xE0, "075BCD15"), p(0xE2, "00000000")),
        ),
    ),
    (
        "SetGet_SNA: set refused, 0xE2 not available",
        h("1081 000A 028E01 05FF01 5E\n 01 97 02 0C22\n 02 E0 04 075BCD15 E2 00"),
        Frame(
            tid=10,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.SETGET_SNA,
            properties=(p(0x97, "0C22"),),
            get_properties=(p(0xE0, "075BCD15"), p(0xE2)),
        ),
    ),
    (
        "SetGet_SNA with OPCSet 0 and OPCGet 0",
        h("1081 000B 028E01 05FF01 5E 00 00"),
        Frame(tid=11, seoj=METER, deoj=CONTROLLER, esv=Esv.SETGET_SNA),
    ),
    (
        "Get to every instance (028E00) of 0xDA and 0xDB",
        h("1081 0100 05FF01 028E00 62 02  DA 00  DB 00"),
        Frame(
            tid=0x0100,
            seoj=CONTROLLER,
            deoj=Eoj(0x02, 0x8E, 0x00),
            esv=Esv.GET,
            properties=(p(0xDA), p(0xDB)),
        ),
    ),
    (
        "Get_Res of 0xDA 23:59:59 and 0xDB synchronized",
        h("1081 0100 028E01 05FF01 72 02  DA 03 173B3B  DB 01 01"),
        Frame(
            tid=0x0100,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.GET_RES,
            properties=(p(0xDA, "173B3B"), p(0xDB, "01")),
        ),
    ),
    (
        "Get_Res with PDC 255 and TID 0xFFFF",
        h("1081 FFFF 028E01 05FF01 72 01  F0 FF") + MAX_EDT,
        Frame(
            tid=0xFFFF,
            seoj=METER,
            deoj=CONTROLLER,
            esv=Esv.GET_RES,
            properties=(Property(epc=0xF0, edt=MAX_EDT),),
        ),
    ),
]

# Octets that are not a well-formed frame, with a fragment the error message must contain.
MALFORMED: list[tuple[str, bytes, str]] = [
    ("empty", b"", "0 octets is shorter than the 12-octet frame header"),
    ("11 octets", h("1081 0001 05FF01 028E01 62"), "11 octets is shorter"),
    ("EHD1 of conventional ECHONET", h("8081 0001 05FF01 028E01 62 01 E000"), "EHD1 0x80"),
    ("EHD2 format 2", h("1082 0001 05FF01 028E01 62 01 E000"), "format 2 (arbitrary message format)"),
    ("EHD2 0x80", h("1080 0001 05FF01 028E01 62 01 E000"), "EHD2 0x80 is neither"),
    ("ESV 0x99", h("1081 0001 05FF01 028E01 99 01 E000"), "unknown ESV 0x99"),
    ("ESV 0x5F, unassigned in the SNA range", h("1081 0001 05FF01 028E01 5F 01 E000"), "unknown ESV 0x5F"),
    ("ESV 0x00", h("1081 0001 05FF01 028E01 00 01 E000"), "unknown ESV 0x00"),
    ("Get with OPC 0", h("1081 0001 05FF01 028E01 62 00"), "OPC 0: Get needs"),
    ("INF with OPC 0", h("1081 0001 028E01 05FF01 73 00"), "OPC 0: INF needs"),
    ("Get_SNA with OPC 0", h("1081 0001 028E01 05FF01 52 00"), "OPC 0: Get_SNA needs"),
    ("EPC without PDC", h("1081 0001 05FF01 028E01 62 01 E0"), "before EPC and PDC of property 1 of 1 (OPC)"),
    (
        "OPC 2 with one property",
        h("1081 0001 028E01 05FF01 72 02 E0 04 00000001"),
        "before EPC and PDC of property 2 of 2 (OPC)",
    ),
    (
        "PDC past the end",
        h("1081 0001 028E01 05FF01 72 01 E0 04 000001"),
        "PDC 4 of EPC 0xE0 (property 1 of 1, OPC) runs past the end of the frame (3 octets left)",
    ),
    ("one trailing octet", h("1081 0001 05FF01 028E01 62 01 E000 FF"), "1 trailing octet after"),
    ("two trailing octets", h("1081 0001 05FF01 028E01 62 01 E000 FFFF"), "2 trailing octets after"),
    ("SetGet without OPCGet", h("1081 0009 05FF01 028E01 6E 01 97020C22"), "frame ends before OPCGet"),
    ("SetGet with OPCSet 0", h("1081 0009 05FF01 028E01 6E 00 01 E000"), "OPCSet 0: SetGet needs"),
    ("SetGet with OPCGet 0", h("1081 0009 05FF01 028E01 6E 01 97020C22 00"), "OPCGet 0: SetGet needs"),
    ("SetGet_Res with OPCGet 0", h("1081 0009 028E01 05FF01 7E 01 9700 00"), "OPCGet 0: SetGet_Res"),
    (
        "SetGet with a Get PDC past the end",
        h("1081 0009 05FF01 028E01 6E 01 97020C22 01 E0 05 00"),
        "PDC 5 of EPC 0xE0 (property 1 of 1, OPCGet)",
    ),
    (
        "SetGet with a trailing octet",
        h("1081 0009 05FF01 028E01 6E 01 97020C22 01 E000 00"),
        "1 trailing octet after",
    ),
    ("SetGet with no OPCSet", h("1081 0009 05FF01 028E01 6E"), "11 octets is shorter"),
]
