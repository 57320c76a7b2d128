"""Driver of an SKSTACK-IP Wi-SUN module (ROHM BP35A1/BP35C0/BP35C2, Tessera RL7023) on a
serial line: the smart meter's side of a rig, run as PAN coordinator and PANA
authentication agent (SKSTART), whose EVENT and ERXUDP lines are what the bench observes
of the terminal on the air.

The port is opened with pyserial's ``serial_for_url``, so a device (``/dev/ttyUSB0``, a pty)
and a URL (``socket://127.0.0.1:PORT``) both work. A reader thread feeds the sans-IO parser
(:mod:`conformance.protocols.skstack`); replies go to the command waiting for them, events
are recorded with the monotonic time they arrived. Every command is bounded by the
resource's timeout. A part that fails raises :class:`rigs.RigError` naming the radio, its
port and the command: no answer, ``FAIL ERxx``, or the port gone (the module unplugged, the
emulator killed). A malformed line is recorded in ``protocol_errors`` and the driver goes on.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import serial

from conformance.protocols import skstack as sk
from rigs import RigError
from rigs.resources import SerialPort

_T = TypeVar("_T")
DEFAULT_BAUDRATE = 115200  # the modules' factory setting (command reference ch. 1)
READ_SLICE_S = 0.05  # the reader thread's read timeout: how fast close() and a lost port are seen
# Command reference ch. 7: what each FAIL code means, for messages a rig's user can act on.
FAIL_MEANINGS = {
    "ER04": "command not supported",
    "ER05": "wrong number of arguments",
    "ER06": "argument out of range or malformed",
    "ER09": "UART input error",
    "ER10": "command accepted but failed",
}
_REPLIES = (sk.CommandEcho, sk.Ok, sk.Fail, sk.VersionReply, sk.AppVersionReply, sk.InfoReply,
            sk.RegisterValue, sk.Ipv6Address)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Observation:
    """An asynchronous line from the module (EVENT, ERXUDP, EPANDESC) and when it arrived
    (``time.monotonic()``)."""

    time: float
    event: sk.Event | sk.UdpReceived | sk.PanDescriptor


class _Pending:
    def __init__(self, label: str, final: tuple[type, ...]) -> None:
        self.label = label
        self.final = final
        self.replies: list[sk.SkStackEvent] = []
        self.done = False


class SkStackRadio:
    """One module on one serial line; thread-safe for one caller issuing commands."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        timeout_s: float = 2.0,
        name: str = "wisun-radio",
        hex_data: bool | None = None,
    ) -> None:
        """Open the port and bring the module to a known state (echo off, data format read).

        ``hex_data`` None asks the module (ROPT); True/False states the ERXUDP data format.
        """
        self.port = port
        self.name = name
        self.timeout_s = timeout_s
        self.resource = f"{name} on {port}"
        self.protocol_errors: list[sk.SkStackError] = []
        self._parser = sk.SkStackParser(hex_data=bool(hex_data))
        self._observations: list[Observation] = []
        self._cond = threading.Condition()
        self._command_lock = threading.Lock()
        self._pending: _Pending | None = None
        self._lost: str | None = None
        self._closing = False
        self._pairing_id: str | None = None
        try:
            self._serial = serial.serial_for_url(
                port, baudrate=baudrate, timeout=READ_SLICE_S, write_timeout=timeout_s
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise RigError(self.resource, "open", str(exc)) from exc
        self._serial.reset_input_buffer()
        self._reader = threading.Thread(target=self._read_loop, name=f"{name} reader", daemon=True)
        self._reader.start()
        try:
            self._command(sk.sksreg("SFE", False), "SKSREG SFE 0")  # echo off: replies only
            if hex_data is None:
                self._detect_data_format()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_resource(cls, name: str, resource: SerialPort) -> SkStackRadio:
        return cls(resource.port, baudrate=resource.baudrate, timeout_s=resource.timeout_s, name=name)

    def __enter__(self) -> SkStackRadio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing = True
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=1.0)
        with contextlib.suppress(serial.SerialException, OSError):
            self._serial.close()

    # -- what the bench asks of the module ----------------------------------------------

    def identify(self) -> str:
        """The firmware version (SKVER, command reference 3.23)."""
        return self._reply(self._command(sk.skver(), "SKVER"), sk.VersionReply, "SKVER").version

    def application_version(self) -> str:
        """The application version (SKAPPVER, 3.24)."""
        return self._reply(self._command(sk.skappver(), "SKAPPVER"), sk.AppVersionReply, "SKAPPVER").version

    def info(self) -> sk.InfoReply:
        """The module's own addresses, channel and PAN ID (SKINFO, 3.2)."""
        return self._reply(self._command(sk.skinfo(), "SKINFO"), sk.InfoReply, "SKINFO")

    def read_register(self, register: str) -> int | bool | str:
        """A register's value (SKSREG Sxx, 3.1)."""
        label = f"SKSREG {sk.canonical_register(register)}"
        reply = self._reply(self._command(sk.sksreg(register), label), sk.RegisterValue, label)
        try:
            return sk.register_value(register, reply)
        except sk.SkStackError as exc:
            raise RigError(self.resource, label, str(exc)) from exc

    def write_register(self, register: str, value: int | bool | str) -> None:
        self._command(sk.sksreg(register, value), f"SKSREG {sk.canonical_register(register)}")

    def configure_coordinator(
        self, channel: int, pan_id: int, pairing_id: str, *, session_lifetime_s: int | None = None
    ) -> None:
        """Channel (S02, 33..60), PAN ID (S03), Pairing ID (S0A) and, when given, the PANA
        session lifetime the PAA grants (S16, at least 60 s)."""
        self.write_register("S02", channel)
        self.write_register("S03", pan_id)
        self.write_register("S0A", pairing_id)
        self._pairing_id = pairing_id
        if session_lifetime_s is not None:
            self.write_register("S16", session_lifetime_s)

    def register_terminal(self, rbid: str, password: str) -> None:
        """The terminal's authentication ID and password (SKSETRBID 3.17, SKSETPWD 3.16).

        SKSETRBID also overwrites S0A with the ID's last 8 characters, so a Pairing ID set by
        :meth:`configure_coordinator` is written again afterwards.
        """
        self._command(sk.sksetpwd(password), "SKSETPWD")
        self._command(sk.sksetrbid(rbid), "SKSETRBID")
        if self._pairing_id is not None:
            self.write_register("S0A", self._pairing_id)

    def open_udp_port(self, handle: int, port: int) -> None:
        """Listen on UDP ``port`` (SKUDPPORT, 3.19): only open ports are reported by ERXUDP."""
        self._command(sk.skudpport(handle, port), "SKUDPPORT")

    def start(self) -> None:
        """Become PAN coordinator and PANA authentication agent (SKSTART, 3.3)."""
        self._command(sk.skstart(), "SKSTART")

    def link_local(self, mac: bytes) -> bytes:
        """The link-local IPv6 address of an EUI-64 (SKLL64, 3.29)."""
        replies = self._command(sk.skll64(mac), "SKLL64", final=(sk.Ipv6Address, sk.Fail))
        return self._reply(replies, sk.Ipv6Address, "SKLL64").address

    def send_udp(self, addr: bytes, port: int, data: bytes, secured: bool, *, handle: int = 1) -> bool:
        """Send a datagram from the handle's port (SKSENDTO, 3.7); whether the module reports
        it sent (EVENT 21 PARAM 00) rather than failed (01)."""
        since = self.mark()
        self._command(sk.sksendto(handle, addr, port, secured, data), "SKSENDTO")

        def sent(event: sk.SkStackEvent) -> bool:
            return (
                isinstance(event, sk.Event)
                and event.number == sk.EventNumber.UDP_SENT
                and event.sender == addr
                and event.param != sk.UDP_SENT_NEIGHBOUR_SOLICITATION
            )

        observed = self.wait_for(sent, self.timeout_s, since=since)
        if observed is None:
            raise RigError(self.resource, "SKSENDTO", f"no EVENT 21 within {self.timeout_s} s")
        assert isinstance(observed.event, sk.Event)
        return observed.event.param == sk.UDP_SENT_OK

    def terminate(self, peer: bytes | None = None) -> None:
        """End a PANA session (SKTERM, 3.6); EVENT 27 (done) or 28 (timed out) follows."""
        self._command(sk.skterm(peer), "SKTERM")

    def reset(self) -> None:
        """SKRESET (3.25), then echo off again."""
        self._command(sk.skreset(), "SKRESET")
        self._command(sk.sksreg("SFE", False), "SKSREG SFE 0")

    # -- what the module reported ---------------------------------------------------------

    def mark(self) -> int:
        """A position in the record: pass it as ``since`` to wait only for what comes after."""
        with self._cond:
            return len(self._observations)

    def observations(self, since: int = 0) -> list[Observation]:
        with self._cond:
            return self._observations[since:]

    def events(self, since: int = 0) -> list[sk.Event | sk.UdpReceived | sk.PanDescriptor]:
        return [o.event for o in self.observations(since)]

    def wait_for(
        self, predicate: Callable[[sk.SkStackEvent], bool], timeout: float, *, since: int = 0
    ) -> Observation | None:
        """The first observation from ``since`` on that satisfies ``predicate``, waiting up to
        ``timeout`` seconds of wall-clock time for it; None when it did not come.

        Raises RigError when the port is lost: nothing more can come.
        """
        deadline = time.monotonic() + timeout
        seen = since
        with self._cond:
            while True:
                for observation in self._observations[seen:]:
                    if predicate(observation.event):
                        return observation
                seen = len(self._observations)
                if self._lost is not None:
                    raise RigError(self.resource, "wait for an event", self._lost)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    # -- the line -----------------------------------------------------------------------

    def _detect_data_format(self) -> None:
        """ROPT: ``OK 01`` means ERXUDP data comes as hex ASCII, ``OK 00`` binary. A module
        without ROPT (FAIL ER04, e.g. BP35C2) is taken to print hex ASCII, as nbtk/momonga
        does; pass ``hex_data`` to the constructor where that is not so."""
        try:
            replies = self._command(sk.ropt(), "ROPT")
        except RigError as exc:
            if exc.problem.startswith("FAIL ER04"):
                self._parser.hex_data = True
                return
            raise
        ok = next(r for r in replies if isinstance(r, sk.Ok))
        self._parser.hex_data = ok.detail == "01"

    def _command(
        self, octets: bytes, label: str, *, final: tuple[type, ...] = (sk.Ok, sk.Fail)
    ) -> list[sk.SkStackEvent]:
        with self._command_lock:
            pending = _Pending(label, final)
            with self._cond:
                if self._lost is not None:
                    raise RigError(self.resource, label, self._lost)
                self._pending = pending
            try:
                self._serial.write(octets)
                self._serial.flush()
            except (serial.SerialException, OSError) as exc:
                with self._cond:
                    self._pending = None
                raise RigError(self.resource, label, f"write failed: {exc}") from exc
            deadline = time.monotonic() + self.timeout_s
            with self._cond:
                while not pending.done and self._lost is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                self._pending = None
                if not pending.done:
                    raise RigError(self.resource, label, self._lost or self._silence())
            failure = next((r for r in pending.replies if isinstance(r, sk.Fail)), None)
            if failure is not None:
                meaning = FAIL_MEANINGS.get(failure.code, "unknown error code")
                raise RigError(self.resource, label, f"FAIL {failure.code} ({meaning})")
            return pending.replies

    def _silence(self) -> str:
        message = f"no answer within {self.timeout_s} s"
        if self.protocol_errors:
            message += f"; {len(self.protocol_errors)} malformed lines, last: {self.protocol_errors[-1]}"
        return message

    def _reply(self, replies: list[sk.SkStackEvent], kind: type[_T], label: str) -> _T:
        found = next((r for r in replies if isinstance(r, kind)), None)
        if found is None:
            raise RigError(self.resource, label, f"answered without the {kind.__name__} line")
        return found

    def _read_loop(self) -> None:
        while not self._closing:
            try:
                data = self._serial.read(max(1, self._serial.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's own state after the port vanished.
                if not self._closing:
                    self._port_lost(exc)
                return
            if data:
                self._parser.feed(data)
                self._drain()

    def _drain(self) -> None:
        while True:
            try:
                event = self._parser.next_event()
            except sk.SkStackError as exc:
                with self._cond:
                    self.protocol_errors.append(exc)
                continue
            if event is None:
                return
            self._dispatch(event)

    def _dispatch(self, event: sk.SkStackEvent) -> None:
        with self._cond:
            pending = self._pending
            if isinstance(event, _REPLIES):
                if pending is None or pending.done:
                    if not isinstance(event, sk.CommandEcho):
                        stray = sk.SkStackError("reply without a command", repr(event).encode())
                        self.protocol_errors.append(stray)
                    return
                pending.replies.append(event)
                if isinstance(event, pending.final):
                    pending.done = True
            else:
                self._observations.append(Observation(time.monotonic(), event))
            self._cond.notify_all()

    def _port_lost(self, exc: BaseException) -> None:
        with self._cond:
            self._lost = f"port {self.port} lost: {exc}"
            self._cond.notify_all()


def probe(name: str, port: serial.SerialBase, timeout_s: float) -> str:
    """A ``rigs.check`` probe through this codec: ``SKVER`` -> the firmware version.

    Tolerates the echo and asynchronous lines a running module may print meanwhile.
    """
    parser = sk.SkStackParser()
    port.reset_input_buffer()
    port.write(sk.skver())
    deadline = time.monotonic() + timeout_s
    version: str | None = None
    while time.monotonic() < deadline:
        parser.feed(port.read(max(1, port.in_waiting)))
        while True:
            try:
                event = parser.next_event()
            except sk.SkStackError:
                continue
            if event is None:
                break
            if isinstance(event, sk.VersionReply):
                version = event.version
            elif isinstance(event, sk.Fail):
                raise RigError(name, "SKVER", f"FAIL {event.code}")
            elif isinstance(event, sk.Ok) and version is not None:
                return f"SKSTACK-IP {version}"
    raise RigError(name, "SKVER", f"no EVER answer within {timeout_s} s")
