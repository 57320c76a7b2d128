"""ECHONET Lite frames (ECHONET Lite Specification Part II, chapter 3) and the 0x028E values.

Theory of operation. The home side of the terminal speaks ECHONET Lite over UDP 3610 to
the metering device (特例計量器). A :class:`Frame` is one format-1 message as Part II 3.2
draws it, all multi-octet fields big-endian::

    EHD1=0x10 EHD2=0x81 TID(2) SEOJ(3) DEOJ(3) ESV(1) OPC(1) {EPC(1) PDC(1) EDT(PDC)} x OPC

For the write-and-read services SetGet (0x6E), SetGet_Res (0x7E) and SetGet_SNA (0x5E)
(4.2.3.4) the property part is two lists, ``OPCSet {EPC PDC EDT} OPCGet {EPC PDC EDT}``:
:attr:`Frame.properties` holds the Set list and :attr:`Frame.get_properties` the Get list.
PDC is never given by the caller: it is ``len(edt)``. :func:`encode` and :func:`decode`
are exact inverses. Format 2 (EHD2=0x82, arbitrary message format, 3.2.1.2) is rejected
with an error that says so; the bench has no use for it.

What the codec rejects as malformed, besides truncation and wrong headers (the reading of
Part II that the bench applies, collected here so a reviewer can check it in one place):

* an ESV that is not one of the sixteen codes of 3.2.5 (0x5F, say, is in the
  "not possible" range but unassigned): the frame cannot be interpreted;
* octets after the last property: a format-1 message ends with its last EDT;
* OPC = 0 for every ESV outside the SetGet family: a service on no property is no
  service. For SetGet and SetGet_Res, OPCSet and OPCGet must each be at least 1 (a
  request with an empty half is a Set or a Get, and the response mirrors the request);
  SetGet_SNA may carry 0 in either or both, since a device that cannot process the
  request at all has nothing to echo.

The second half of the module decodes the property values the bench needs from the
distributed generator's electric energy meter class 0x028E (分散型電源電力量メータ, APPENDIX
Detailed Requirements for ECHONET Device Objects, Release Q and later) and from the device
object super class (APPENDIX chapter 2). The EPC list follows the ECHONET Consortium's
Machine Readable Appendix (MRA v1.3.1, ``devices/0x028E.json`` and
``superClass/0x0000.json``), which pychonet's smaller table agrees with where they overlap.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import ClassVar

from conformance.protocols.errors import BenchUsageError, DecodeError

ECHONET_PORT = 3610  # the UDP (and TCP) port of ECHONET Lite
MULTICAST_V4 = "224.0.23.0"
MULTICAST_V6 = "ff02::1"

EHD1_ECHONET_LITE = 0x10  # 3.2.1.1
EHD2_FORMAT_1 = 0x81  # 3.2.1.2: specified message format
EHD2_FORMAT_2 = 0x82  # 3.2.1.2: arbitrary message format (not supported)

HEADER_LENGTH = 12  # EHD1 EHD2 TID(2) SEOJ(3) DEOJ(3) ESV OPC
MAX_PDC = 0xFF
MAX_OPC = 0xFF


class EchonetError(DecodeError):
    """Octets from the peer that are not a well-formed ECHONET Lite frame or property value."""


class Esv(IntEnum):
    """ECHONET Lite service codes (Part II 3.2.5); the comment is the spec's symbol."""

    # Requests (0x6*)
    SETI = 0x60  # SetI: write request, no response required
    SETC = 0x61  # SetC: write request, response required
    GET = 0x62  # Get: read request
    INF_REQ = 0x63  # INF_REQ: notification request
    SETGET = 0x6E  # SetGet: write and read request
    # Responses and notifications (0x7*)
    SET_RES = 0x71  # Set_Res
    GET_RES = 0x72  # Get_Res
    INF = 0x73  # INF: notification
    INFC = 0x74  # INFC: notification, response required
    INFC_RES = 0x7A  # INFC_Res
    SETGET_RES = 0x7E  # SetGet_Res
    # Responses "not possible" (0x5*)
    SETI_SNA = 0x50  # SetI_SNA
    SETC_SNA = 0x51  # SetC_SNA
    GET_SNA = 0x52  # Get_SNA
    INF_SNA = 0x53  # INF_SNA
    SETGET_SNA = 0x5E  # SetGet_SNA

    @property
    def is_request(self) -> bool:
        """One of the request codes 0x60-0x6F (INFC, though answered, is a notification)."""
        return 0x60 <= self <= 0x6F

    @property
    def is_not_possible(self) -> bool:
        """One of the "response not possible" codes 0x50-0x5F."""
        return 0x50 <= self <= 0x5F

    @property
    def is_set_get(self) -> bool:
        """SetGet, SetGet_Res or SetGet_SNA: the frame carries a Set list and a Get list."""
        return self in _SET_GET_FAMILY

    @property
    def spec_name(self) -> str:
        """The symbol the specification uses, e.g. ``"Get_Res"``."""
        return _SPEC_NAMES[self]

    def __str__(self) -> str:
        return f"{self.spec_name} (0x{self.value:02X})"


_SET_GET_FAMILY = frozenset({Esv.SETGET, Esv.SETGET_RES, Esv.SETGET_SNA})

_SPEC_NAMES = {
    Esv.SETI: "SetI",
    Esv.SETC: "SetC",
    Esv.GET: "Get",
    Esv.INF_REQ: "INF_REQ",
    Esv.SETGET: "SetGet",
    Esv.SET_RES: "Set_Res",
    Esv.GET_RES: "Get_Res",
    Esv.INF: "INF",
    Esv.INFC: "INFC",
    Esv.INFC_RES: "INFC_Res",
    Esv.SETGET_RES: "SetGet_Res",
    Esv.SETI_SNA: "SetI_SNA",
    Esv.SETC_SNA: "SetC_SNA",
    Esv.GET_SNA: "Get_SNA",
    Esv.INF_SNA: "INF_SNA",
    Esv.SETGET_SNA: "SetGet_SNA",
}

# Part II 4.2.3: the answer each service calls for when it succeeds. SetI is answered only
# when it fails (4.2.3.1), so it maps to None; INFC is a notification answered by INFC_Res.
_RESPONSES: dict[Esv, Esv | None] = {
    Esv.SETI: None,
    Esv.SETC: Esv.SET_RES,
    Esv.GET: Esv.GET_RES,
    Esv.INF_REQ: Esv.INF,
    Esv.SETGET: Esv.SETGET_RES,
    Esv.INFC: Esv.INFC_RES,
}

_NOT_POSSIBLE = {
    Esv.SETI: Esv.SETI_SNA,
    Esv.SETC: Esv.SETC_SNA,
    Esv.GET: Esv.GET_SNA,
    Esv.INF_REQ: Esv.INF_SNA,
    Esv.SETGET: Esv.SETGET_SNA,
}


# Esv(value) goes through EnumType.__call__, a few microseconds; every frame built and every
# frame decoded looks its ESV up, so a dict built once stands in for it there.
_ESV_OF = {member.value: member for member in Esv}


def _esv(value: object) -> Esv | None:
    try:
        return _ESV_OF.get(value)  # type: ignore[call-overload]
    except TypeError:  # unhashable: no ESV either
        return None


def response_esv(request: Esv) -> Esv | None:
    """The ESV of the success answer to ``request``; ``None`` for SetI, which gets none.

    Raises:
        BenchUsageError: ``request`` is itself an answer or an unanswered notification.
    """
    try:
        return _RESPONSES[Esv(request)]
    except (KeyError, ValueError):
        raise BenchUsageError(f"ESV {request!s} calls for no response") from None


def not_possible_esv(request: Esv) -> Esv:
    """The "not possible" ESV (0x5*) that refuses ``request`` (0x6*).

    Raises:
        BenchUsageError: ``request`` is not one of the five requests that have one.
    """
    try:
        return _NOT_POSSIBLE[Esv(request)]
    except (KeyError, ValueError):
        raise BenchUsageError(f"ESV {request!s} has no 'not possible' response") from None


def _check_octet(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise BenchUsageError(f"{name} {value!r} is not an octet (0..255)")


@dataclass(frozen=True, slots=True)
class Eoj:
    """ECHONET Lite object: class group code, class code, instance code (Part II 3.2.4)."""

    class_group: int
    class_code: int
    instance: int

    NODE_PROFILE: ClassVar[Eoj]
    CONTROLLER: ClassVar[Eoj]
    DG_METER: ClassVar[Eoj]
    LV_SMART_METER: ClassVar[Eoj]

    def __post_init__(self) -> None:
        _check_octet("class group code", self.class_group)
        _check_octet("class code", self.class_code)
        _check_octet("instance code", self.instance)

    @classmethod
    def from_bytes(cls, data: bytes) -> Eoj:
        """The object named by three octets."""
        if len(data) != 3:
            raise BenchUsageError(f"an EOJ is 3 octets, got {len(data)}")
        # Every frame decoded names two objects, and a home side has a handful: each is built
        # and validated once. Bounded; object codes are public, nothing secret is kept.
        key = bytes(data)
        found = _EOJ_OF.get(key) if cls is Eoj else None
        if found is None:
            found = cls(data[0], data[1], data[2])
            if cls is Eoj:
                if len(_EOJ_OF) >= _EOJ_MEMO:
                    _EOJ_OF.clear()
                _EOJ_OF[key] = found
        return found

    def __bytes__(self) -> bytes:
        return bytes((self.class_group, self.class_code, self.instance))

    def __str__(self) -> str:
        return f"{self.class_group:02X}{self.class_code:02X}{self.instance:02X}"


_EOJ_MEMO = 256
_EOJ_OF: dict[bytes, Eoj] = {}  # three octets -> the object they name (see Eoj.from_bytes)

Eoj.NODE_PROFILE = Eoj(0x0E, 0xF0, 0x01)  # node profile (Part II 6.11)
Eoj.CONTROLLER = Eoj(0x05, 0xFF, 0x01)  # controller class
Eoj.DG_METER = Eoj(0x02, 0x8E, 0x01)  # distributed generator's electric energy meter
Eoj.LV_SMART_METER = Eoj(0x02, 0x88, 0x01)  # low-voltage smart electric energy meter (B route)

NODE_PROFILE = Eoj.NODE_PROFILE
CONTROLLER = Eoj.CONTROLLER
DG_METER = Eoj.DG_METER
LV_SMART_METER = Eoj.LV_SMART_METER


@dataclass(frozen=True, slots=True, kw_only=True)
class Property:
    """One EPC with its EDT; PDC is ``len(edt)`` (Part II 3.2.7-3.2.9)."""

    epc: int
    edt: bytes = b""

    def __post_init__(self) -> None:
        _check_octet("EPC", self.epc)
        if not isinstance(self.edt, bytes):
            if not isinstance(self.edt, bytearray | memoryview):
                raise BenchUsageError(f"EDT must be bytes, got {type(self.edt).__name__}")
            object.__setattr__(self, "edt", bytes(self.edt))
        if len(self.edt) > MAX_PDC:
            raise BenchUsageError(f"EDT of EPC 0x{self.epc:02X} is {len(self.edt)} octets; PDC allows 255")

    @property
    def pdc(self) -> int:
        return len(self.edt)


def _property_tuple(name: str, value: Iterable[Property]) -> tuple[Property, ...]:
    if isinstance(value, bytes | str):
        raise BenchUsageError(f"{name} must be Property objects, got {type(value).__name__}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, Property):
            raise BenchUsageError(f"{name} must be Property objects, got {type(item).__name__}")
    if len(items) > MAX_OPC:
        raise BenchUsageError(f"{len(items)} {name}; OPC allows 255")
    return items


def _opc_rule_violation(esv: Esv, opc_set: int, opc_get: int) -> str | None:
    """Why these counts are not allowed with ``esv`` (see the module docstring), or None."""
    if not esv.is_set_get:
        return None if opc_set else f"OPC 0: {esv.spec_name} needs at least one property"
    if esv is Esv.SETGET_SNA:
        return None
    if not opc_set:
        return f"OPCSet 0: {esv.spec_name} needs at least one property to set"
    if not opc_get:
        return f"OPCGet 0: {esv.spec_name} needs at least one property to get"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """A format-1 ECHONET Lite frame (EHD 0x1081), validated when built.

    ``properties`` is the OPC list, or the Set list for the SetGet family; ``get_properties``
    is the Get list of the SetGet family and must be empty for every other ESV.
    """

    tid: int
    seoj: Eoj
    deoj: Eoj
    esv: Esv
    properties: tuple[Property, ...] = ()
    get_properties: tuple[Property, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tid, int) or isinstance(self.tid, bool) or not 0 <= self.tid <= 0xFFFF:
            raise BenchUsageError(f"TID {self.tid!r} does not fit 2 octets")
        for name in ("seoj", "deoj"):
            if not isinstance(getattr(self, name), Eoj):
                raise BenchUsageError(f"{name.upper()} must be an Eoj, got {getattr(self, name)!r}")
        esv = _esv(self.esv)
        if esv is None:
            raise BenchUsageError(f"unknown ESV {self.esv!r}")
        object.__setattr__(self, "esv", esv)
        object.__setattr__(self, "properties", _property_tuple("properties", self.properties))
        object.__setattr__(self, "get_properties", _property_tuple("get_properties", self.get_properties))
        if self.get_properties and not self.esv.is_set_get:
            raise BenchUsageError(f"get_properties are only for the SetGet family, not {self.esv}")
        problem = _opc_rule_violation(self.esv, len(self.properties), len(self.get_properties))
        if problem:
            raise BenchUsageError(problem)

    @property
    def opc(self) -> int:
        """OPC, or OPCSet for the SetGet family."""
        return len(self.properties)

    def find(self, epc: int) -> Property | None:
        """The first property (of the OPC or Set list) with this EPC."""
        return next((p for p in self.properties if p.epc == epc), None)

    def find_get(self, epc: int) -> Property | None:
        """The first property of the Get list (SetGet family) with this EPC."""
        return next((p for p in self.get_properties if p.epc == epc), None)


def _encode_properties(properties: tuple[Property, ...]) -> bytes:
    out = bytearray((len(properties),))
    for prop in properties:
        out += bytes((prop.epc, len(prop.edt)))
        out += prop.edt
    return bytes(out)


def encode(frame: Frame) -> bytes:
    """The octets of ``frame`` (Part II 3.2)."""
    out = bytearray((EHD1_ECHONET_LITE, EHD2_FORMAT_1))
    out += frame.tid.to_bytes(2, "big")
    out += bytes(frame.seoj) + bytes(frame.deoj)
    out.append(frame.esv)
    out += _encode_properties(frame.properties)
    if frame.esv.is_set_get:
        out += _encode_properties(frame.get_properties)
    return bytes(out)


def _decode_properties(data: bytes, offset: int, counter: str) -> tuple[tuple[Property, ...], int]:
    """The list whose count octet (``counter``: OPC, OPCSet, OPCGet) is at ``offset``."""
    if offset >= len(data):
        raise EchonetError(f"frame ends before {counter}")
    count = data[offset]
    offset += 1
    items = []
    for index in range(1, count + 1):
        if offset + 2 > len(data):
            raise EchonetError(f"frame ends before EPC and PDC of property {index} of {count} ({counter})")
        epc, pdc = data[offset], data[offset + 1]
        offset += 2
        if offset + pdc > len(data):
            raise EchonetError(
                f"PDC {pdc} of EPC 0x{epc:02X} (property {index} of {count}, {counter}) runs past the "
                f"end of the frame ({len(data) - offset} octets left)"
            )
        items.append(Property(epc=epc, edt=data[offset : offset + pdc]))
        offset += pdc
    return tuple(items), offset


def decode(data: bytes) -> Frame:
    """The frame in ``data``, which must hold exactly one format-1 message.

    Raises:
        EchonetError: the octets are not a well-formed frame; the message says where.
    """
    data = bytes(data)
    if len(data) < HEADER_LENGTH:
        raise EchonetError(f"{len(data)} octets is shorter than the {HEADER_LENGTH}-octet frame header")
    if data[0] != EHD1_ECHONET_LITE:
        raise EchonetError(f"EHD1 0x{data[0]:02X} is not ECHONET Lite (0x10)")
    if data[1] == EHD2_FORMAT_2:
        raise EchonetError("EHD2 0x82: format 2 (arbitrary message format) is not supported")
    if data[1] != EHD2_FORMAT_1:
        raise EchonetError(f"EHD2 0x{data[1]:02X} is neither format 1 (0x81) nor format 2 (0x82)")
    esv = _esv(data[10])
    if esv is None:
        raise EchonetError(f"unknown ESV 0x{data[10]:02X}")
    first = "OPCSet" if esv.is_set_get else "OPC"
    properties, offset = _decode_properties(data, 11, first)
    get_properties: tuple[Property, ...] = ()
    if esv.is_set_get:
        get_properties, offset = _decode_properties(data, offset, "OPCGet")
    if offset != len(data):
        extra = len(data) - offset
        raise EchonetError(f"{extra} trailing octet{'s' if extra > 1 else ''} after the last property")
    problem = _opc_rule_violation(esv, len(properties), len(get_properties))
    if problem:
        raise EchonetError(problem)
    return Frame(
        tid=int.from_bytes(data[2:4], "big"),
        seoj=Eoj.from_bytes(data[4:7]),
        deoj=Eoj.from_bytes(data[7:10]),
        esv=esv,
        properties=properties,
        get_properties=get_properties,
    )


def request(tid: int, seoj: Eoj, deoj: Eoj, esv: Esv, *epcs_or_properties: int | Property) -> Frame:
    """A request (or notification) frame; a bare EPC stands for a property with an empty EDT.

    ``request(1, Eoj.CONTROLLER, Eoj.DG_METER, Esv.GET, 0xE0, 0xE2)`` is a Get of both
    cumulative energies. The SetGet family has two lists: build its :class:`Frame` directly.
    """
    try:
        esv = Esv(esv)
    except ValueError:
        raise BenchUsageError(f"unknown ESV {esv!r}") from None
    if esv.is_set_get:
        raise BenchUsageError("request() builds single-list frames; give SetGet its two lists in Frame")
    properties = tuple(p if isinstance(p, Property) else Property(epc=p) for p in epcs_or_properties)
    return Frame(tid=tid, seoj=seoj, deoj=deoj, esv=esv, properties=properties)


def reply(
    to: Frame, esv: Esv, properties: Iterable[Property] = (), get_properties: Iterable[Property] = ()
) -> Frame:
    """The answer to ``to``: same TID, SEOJ and DEOJ swapped (Part II 4.2.3)."""
    return Frame(
        tid=to.tid,
        seoj=to.deoj,
        deoj=to.seoj,
        esv=esv,
        properties=tuple(properties),
        get_properties=tuple(get_properties),
    )


# --- Property values: super class and distributed generator's electric energy meter 0x028E ---


class DgMeterEpc(IntEnum):
    """The EPCs of class 0x028E the bench reads or writes (APPENDIX, Release Q+; MRA v1.3.1)."""

    OPERATION_STATUS = 0x80  # super class
    CURRENT_TIME_SETTING = 0x97  # super class
    CURRENT_DATE_SETTING = 0x98  # super class
    DEVICE_ID = 0xD1
    CUMULATIVE_ENERGY_UNIT = 0xD4
    HISTORY_DAY = 0xD5
    CURRENT_TIME_HMS_SETTING = 0xDA
    TIME_SYNC_STATUS = 0xDB
    CUMULATIVE_ENERGY_AC_INPUT = 0xE0
    CUMULATIVE_ENERGY_HISTORY_AC_INPUT = 0xE1
    CUMULATIVE_ENERGY_AC_OUTPUT = 0xE2
    CUMULATIVE_ENERGY_HISTORY_AC_OUTPUT = 0xE3


# The specification's property names (ja, en) as the MRA gives them.
DG_METER_PROPERTY_NAMES: dict[DgMeterEpc, tuple[str, str]] = {
    DgMeterEpc.OPERATION_STATUS: ("動作状態", "Operation status"),
    DgMeterEpc.CURRENT_TIME_SETTING: ("現在時刻設定", "Current time setting"),
    DgMeterEpc.CURRENT_DATE_SETTING: ("現在年月日設定", "Current date setting"),
    DgMeterEpc.DEVICE_ID: ("機器ID", "Device ID"),
    DgMeterEpc.CUMULATIVE_ENERGY_UNIT: ("積算電力量単位", "Unit for cumulative amounts of electric energy"),
    DgMeterEpc.HISTORY_DAY: (
        "積算履歴収集日",
        "Day on which the historical data of measured cumulative amounts of electric energy is to be "
        "retrieved",
    ),
    DgMeterEpc.CURRENT_TIME_HMS_SETTING: ("現在時分秒設定", "Current hour, minute, and second setting"),
    DgMeterEpc.TIME_SYNC_STATUS: ("時刻同期状態", "Time synchronization status"),
    DgMeterEpc.CUMULATIVE_ENERGY_AC_INPUT: (
        "積算電力量計測値(交流入力)",
        "Measured cumulative amounts of electric energy (AC input)",
    ),
    DgMeterEpc.CUMULATIVE_ENERGY_HISTORY_AC_INPUT: (
        "積算電力量計測値履歴(交流入力)",
        "Historical data of measured cumulative amounts of electric energy (AC input)",
    ),
    DgMeterEpc.CUMULATIVE_ENERGY_AC_OUTPUT: (
        "積算電力量計測値(交流出力)",
        "Measured cumulative amounts of electric energy (AC output)",
    ),
    DgMeterEpc.CUMULATIVE_ENERGY_HISTORY_AC_OUTPUT: (
        "積算電力量計測値履歴(交流出力)",
        "Historical data of measured cumulative amounts of electric energy (AC output)",
    ),
}

OPERATION_STATUS_ON = b"\x30"  # super class 0x80
OPERATION_STATUS_OFF = b"\x31"

DEVICE_ID_LENGTH = 7  # 0xD1: MAC address of the node (6) + number of the meter in the node (1)

# 0xD4: the multiplier, in kWh, of 0xE0/0xE2 (and their histories).
CUMULATIVE_ENERGY_UNITS: dict[int, Decimal] = {
    0x00: Decimal("1"),
    0x01: Decimal("0.1"),
    0x02: Decimal("0.01"),
    0x03: Decimal("0.001"),
    0x04: Decimal("0.0001"),
    0x0A: Decimal("10"),
    0x0B: Decimal("100"),
    0x0C: Decimal("1000"),
    0x0D: Decimal("10000"),
}

MAX_CUMULATIVE_ENERGY = 999_999_999  # 0xE0/0xE2: "9 digits in decimal"


class TimeSyncStatus(IntEnum):
    """0xDB time synchronization status (時刻同期状態)."""

    NO_SYNC = 0x00
    SUCCESS = 0x01
    FAILED = 0x02
    NOT_IMPLEMENTED = 0xFF


def _expect_length(what: str, edt: bytes, length: int) -> None:
    if len(edt) != length:
        raise EchonetError(f"{what} EDT is {len(edt)} octets, expected {length}")


def cumulative_energy(edt: bytes) -> int:
    """The count in 0xE0 or 0xE2 (unsigned long, 0..999,999,999, times the 0xD4 unit)."""
    _expect_length("cumulative energy", edt, 4)
    value = int.from_bytes(edt, "big")
    if value > MAX_CUMULATIVE_ENERGY:
        raise EchonetError(f"cumulative energy 0x{value:08X} ({value}) exceeds 9 digits (999999999)")
    return value


def cumulative_energy_edt(value: int) -> bytes:
    """The EDT of 0xE0 or 0xE2 for ``value`` (0..999,999,999)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CUMULATIVE_ENERGY:
        raise BenchUsageError(f"cumulative energy {value!r} is outside 0..999999999")
    return value.to_bytes(4, "big")


def cumulative_energy_unit(edt: bytes) -> Decimal:
    """The kWh multiplier that 0xD4 announces."""
    _expect_length("cumulative energy unit", edt, 1)
    try:
        return CUMULATIVE_ENERGY_UNITS[edt[0]]
    except KeyError:
        raise EchonetError(f"cumulative energy unit code 0x{edt[0]:02X} is not defined") from None


def cumulative_energy_unit_edt(unit: Decimal | str) -> bytes:
    """The EDT of 0xD4 for a multiplier such as ``Decimal("0.001")``."""
    for code, known in CUMULATIVE_ENERGY_UNITS.items():
        if known == Decimal(unit):
            return bytes((code,))
    raise BenchUsageError(f"{unit} kWh is not a unit 0xD4 can express")


def current_time(edt: bytes) -> _dt.time:
    """0x97 current time setting: hour, minute (one octet each)."""
    _expect_length("current time setting", edt, 2)
    try:
        return _dt.time(edt[0], edt[1])
    except ValueError:
        raise EchonetError(f"current time setting {edt.hex()} is not a time of day") from None


def current_time_edt(value: _dt.time | _dt.datetime) -> bytes:
    """The EDT of 0x97 (seconds are dropped)."""
    if isinstance(value, _dt.datetime):
        value = value.time()
    if not isinstance(value, _dt.time):
        raise BenchUsageError(f"current time setting needs a time, got {value!r}")
    return bytes((value.hour, value.minute))


def current_date(edt: bytes) -> _dt.date:
    """0x98 current date setting: year (2 octets), month, day."""
    _expect_length("current date setting", edt, 4)
    try:
        return _dt.date(int.from_bytes(edt[0:2], "big"), edt[2], edt[3])
    except ValueError:
        raise EchonetError(f"current date setting {edt.hex()} is not a calendar date") from None


def current_date_edt(value: _dt.date) -> bytes:
    """The EDT of 0x98 (a datetime gives its date)."""
    if not isinstance(value, _dt.date):
        raise BenchUsageError(f"current date setting needs a date, got {value!r}")
    return value.year.to_bytes(2, "big") + bytes((value.month, value.day))


def current_time_hms(edt: bytes) -> _dt.time:
    """0x028E 0xDA current hour, minute and second setting (one octet each)."""
    _expect_length("current hour, minute and second setting", edt, 3)
    try:
        return _dt.time(edt[0], edt[1], edt[2])
    except ValueError:
        raise EchonetError(f"current hour, minute and second setting {edt.hex()} is not a time") from None


def current_time_hms_edt(value: _dt.time | _dt.datetime) -> bytes:
    """The EDT of 0xDA (fractions of a second are dropped)."""
    if isinstance(value, _dt.datetime):
        value = value.time()
    if not isinstance(value, _dt.time):
        raise BenchUsageError(f"current hour, minute and second setting needs a time, got {value!r}")
    return bytes((value.hour, value.minute, value.second))


# Short names the twin uses for the 0x97/0x98 helpers.
time_edt = current_time_edt
date_edt = current_date_edt
parse_date = current_date


def parse_time(edt: bytes) -> tuple[int, int]:
    """0x97 as (hour, minute); see :func:`current_time`."""
    value = current_time(edt)
    return value.hour, value.minute
