"""Passive resources: what a rig file says about a port or an instrument, nothing more.

As in labgrid, a resource only describes (a serial port and its baud rate, a VISA
address and backend, a Modbus unit, a network interface); drivers bind to it and do the
I/O. The models are validated when the rig file is loaded, so a mistake is reported with
its file, line and field before anything is driven (DESIGN.md rule 7).

Addresses may name an environment variable, ``${NAME}``: CI starts its emulators on
ports and ptys it only knows at run time and passes them in that way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pyvisa import rname

# ${NAME}, or ${NAME:-default} as POSIX sh expands it (XCU 2.6.2): the default when NAME is unset or empty.
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# pyserial's serial_for_url takes a device path, a Windows COM port or a URL
# (socket://host:port, rfc2217://host:port, loop://).
_SERIAL_PORT = re.compile(r"^(/.+|COM\d+|[a-z][a-z0-9+]*://.*)$")
# pyvisa's backend argument: "@py" (pyvisa-py), "@ivi" (the vendor's VISA library),
# "@sim" (pyvisa-sim's bundled devices) or "devices.yaml@sim" (pyvisa-sim, our devices).
_VISA_BACKEND = re.compile(r"^(?:(?P<devices>.+\.ya?ml)@sim|@(?:py|ivi|sim))$")


def expand_environment(value: Any) -> Any:
    """Replace ``${NAME}`` in a string by the environment variable; an unset one is an error,
    unless a default follows (``${NAME:-default}``)."""
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name, default = match.group(1, 2)
        if default is not None and not os.environ.get(name):
            return default
        if name not in os.environ:
            raise PydanticCustomError(
                "unset_variable", "environment variable {name} is not set", {"name": name}
            )
        return os.environ[name]

    return _VARIABLE.sub(lookup, value)


FromEnvironment = BeforeValidator(expand_environment)


Refine = Callable[[str, dict], None]


def tagged(tag: str, models: Mapping[str, type[BaseModel]], refine: Refine | None = None) -> Callable:
    """A validator choosing the model by the value of ``tag`` (``transport``, ``role``).

    Unlike pydantic's discriminated unions it keeps the tag out of error locations, so a
    mistake is reported at ``resources.psu.voltage_v``, the path a reader finds in the file.
    ``refine`` may reject a mapping before the chosen model sees it.
    """
    choice = Literal[tuple(models)]  # type: ignore[valid-type]
    only_the_tag = create_model("Tag", __config__=ConfigDict(extra="allow"), **{tag: (choice, ...)})

    def validate(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value
        if not isinstance(value, dict):
            raise PydanticCustomError("dict_type", "must be a mapping of fields")
        if value.get(tag) not in models:
            only_the_tag.model_validate(value)  # raises the missing or unknown tag at its field
        if refine is not None:
            refine(value[tag], value)
        try:
            return models[value[tag]].model_validate(value)
        except ValidationError as exc:
            raise _misspelt_first(exc) from None

    return validate


def _misspelt_first(exc: ValidationError) -> ValidationError:
    # A misspelt field is both unknown and missing; the unknown one points at the typo's line.
    errors = sorted(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
    line_errors = [
        {"type": PydanticCustomError(e["type"], e["msg"]), "loc": e["loc"], "input": e["input"]}
        for e in errors
    ]
    return ValidationError.from_exception_data(exc.title, line_errors)


def field_error(title: str, loc: tuple[str, ...], value: Any, kind: str, message: str) -> ValidationError:
    """A validation error at ``loc`` inside the mapping being validated (pydantic prefixes
    the location of that mapping, so the error names the field in the whole document)."""
    error = PydanticCustomError(kind, message)
    return ValidationError.from_exception_data(title, [{"type": error, "loc": loc, "input": value}])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_serial_port(port: str) -> str:
    if not _SERIAL_PORT.match(port):
        message = "must be a device path (/dev/ttyUSB0), COMn or a URL such as socket://host:port"
        raise PydanticCustomError("serial_port", message)
    return port


SerialPortName = Annotated[str, FromEnvironment, AfterValidator(_check_serial_port)]


class SerialPort(_Strict):
    """A serial line: a device (``/dev/ttyUSB0``, a pty) or a pyserial URL (``socket://h:p``)."""

    port: SerialPortName
    baudrate: Annotated[int, Field(gt=0, le=4_000_000)]
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 2.0

    def describe(self) -> str:
        return f"{self.port} {self.baudrate} Bd"


class VisaInstrument(_Strict):
    """An instrument reached through VISA (SCPI over LAN, USB-TMC, GPIB or serial)."""

    address: Annotated[str, FromEnvironment]
    # A relative devices file is resolved against the rig file's folder when it is loaded.
    backend: str
    timeout_ms: Annotated[int, Field(gt=0, le=60_000)] = 2000
    read_termination: str = "\n"
    write_termination: str = "\n"

    @field_validator("address")
    @classmethod
    def _visa_address(cls, address: str) -> str:
        try:
            rname.parse_resource_name(address)
        except rname.InvalidResourceName as exc:
            message = "is not a VISA resource name: {problem}"
            raise PydanticCustomError("visa_address", message, {"problem": str(exc)}) from None
        return address

    @field_validator("backend")
    @classmethod
    def _visa_backend(cls, backend: str) -> str:
        if not _VISA_BACKEND.match(backend):
            raise PydanticCustomError("visa_backend", 'must be "@py", "@ivi", "@sim" or "DEVICES.yaml@sim"')
        return backend

    @property
    def devices_file(self) -> str | None:
        """The pyvisa-sim devices file of a ``DEVICES.yaml@sim`` backend."""
        match = _VISA_BACKEND.match(self.backend)
        return match.group("devices") if match else None

    def describe(self) -> str:
        devices = self.devices_file
        return f"{self.address} ({Path(devices).name + '@sim' if devices else self.backend})"


class ModbusTcp(_Strict):
    """A Modbus TCP unit (Modbus Messaging on TCP/IP Implementation Guide V1.0b)."""

    transport: Literal["tcp"]
    host: Annotated[str, FromEnvironment, Field(min_length=1)]
    port: Annotated[int, FromEnvironment, Field(ge=1, le=65535)] = 502
    # The MBAP unit identifier; 0 and 255 address the gateway itself.
    device_id: Annotated[int, Field(ge=0, le=255)]
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0

    def describe(self) -> str:
        return f"tcp {self.host}:{self.port} unit {self.device_id}"


class ModbusRtu(_Strict):
    """A Modbus RTU unit on a serial line (Modbus over Serial Line V1.02)."""

    transport: Literal["rtu"]
    serial_port: SerialPortName
    baudrate: Annotated[int, Field(gt=0, le=1_000_000)]
    # Modbus over Serial Line V1.02 §2.5.1: even parity is the default of the standard.
    parity: Literal["N", "E", "O"] = "E"
    stopbits: Literal[1, 2] = 1
    # §2.2: 1-247 address a unit, 0 is the broadcast address.
    device_id: Annotated[int, Field(ge=1, le=247)]
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0

    def describe(self) -> str:
        line = f"{self.baudrate} Bd 8{self.parity}{self.stopbits}"
        return f"rtu {self.serial_port} {line} unit {self.device_id}"


_TRANSPORTS = {"tcp": ModbusTcp, "rtu": ModbusRtu}
ModbusUnit = Annotated[ModbusTcp | ModbusRtu, BeforeValidator(tagged("transport", _TRANSPORTS))]


class NetworkInterface(_Strict):
    """A host interface and the bench's own address on it (the home LAN, ECHONET Lite)."""

    interface: Annotated[str, Field(min_length=1, max_length=15)]  # IFNAMSIZ - 1 on Linux
    address: Annotated[IPv4Address | IPv6Address, FromEnvironment]

    def describe(self) -> str:
        return f"{self.interface} {self.address}"


# -- the air: a sniffer's feed and an injector's bridge (issue 13) ------------------------------


class PcapFeed(_Strict):
    """A pcap or pcapng stream the sniffer writes: a named pipe (Wireshark's extcap
    sniffers, TI's packet sniffer) or a file that grows (dumpcap -w)."""

    transport: Literal["pcap"]
    path: Annotated[str, FromEnvironment, Field(min_length=1)]

    def describe(self) -> str:
        return f"pcap {self.path}"


class ZepFeed(_Strict):
    """ZEP v2 datagrams the sniffer sends to the bench, which listens at ``host``:``port``
    (Wireshark's ``zep`` dissector's port 17754 by default)."""

    transport: Literal["zep"]
    host: Annotated[str, FromEnvironment, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, FromEnvironment, Field(ge=1, le=65535)] = 17754

    def describe(self) -> str:
        return f"zep udp {self.host}:{self.port}"


_FEEDS = {"pcap": PcapFeed, "zep": ZepFeed}
CaptureFeed = Annotated[PcapFeed | ZepFeed, BeforeValidator(tagged("transport", _FEEDS))]


class UdpPeer(_Strict):
    """A UDP peer the bench sends to: the injector's radio bridge (ZEP v2)."""

    host: Annotated[str, FromEnvironment, Field(min_length=1)]
    port: Annotated[int, FromEnvironment, Field(ge=1, le=65535)] = 17754

    def describe(self) -> str:
        return f"udp {self.host}:{self.port}"
