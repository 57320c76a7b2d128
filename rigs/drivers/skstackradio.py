"""Driver of an SKSTACK-IP Wi-SUN module (ROHM BP35A1/BP35C0/BP35C2, Tessera RL7023
Stick-D/IPS and /DSS) on a serial line: the smart meter's side of a rig, run as PAN
coordinator and PANA authentication agent (SKSTART), whose EVENT and ERXUDP lines are what
the bench observes of the terminal on the air.

The port is opened with pyserial's ``serial_for_url``, so a device (``/dev/ttyUSB0``, a pty)
and a URL (``socket://127.0.0.1:PORT``) both work. A reader thread feeds the sans-IO parser
(:mod:`conformance.protocols.skstack`); replies go to the command waiting for them, events
are recorded, with the monotonic time they arrived, in a ring buffer that counts what it
had to drop. Every command is bounded by the resource's timeout. A part that fails raises
:class:`rigs.RigError` naming the radio, its port and the command: no answer, ``FAIL ERxx``,
or the port gone (the module unplugged, the emulator killed, the reader thread failed).

The module's options are parameters (the rig file names them): the ``model`` (its family
decides SIDE arguments, ``models.py``), the ERXUDP data format (``hex_data``, read with ROPT
and written with WOPT only when it differs), the C family's RSSI column (``rssi_column``,
register SA2) and the echo (register SFE). What the module can tell, it is asked at open:
EINFO shows the family (ADDR16 on the A1 family, SIDE on the C family), ROPT the data format
(a C module that answers FAIL ER04 prints hex ASCII, as momonga finds).

Malformed lines are counted and kept with their octets (``protocol_errors``), for the
scenario's report. After a timeout, a ``FAIL ER09`` or a malformed line, the next command
is preceded by a resynchronisation, bounded in time: CRLF written, the line drained until
it is quiet, SKVER answered (so a late ``FAIL`` is never taken for the next command's answer).
"""

from __future__ import annotations

import collections
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
QUIET_S = 0.2  # a line silent this long has nothing more to say (resynchronisation)
PARTIAL_QUIET_S = 0.5  # a line silent this long mid-line will not finish it (a lying DATALEN)
MAX_OBSERVATIONS = 20_000  # about an hour of a busy terminal; older ones are dropped and counted
MAX_PROTOCOL_ERRORS = 1_000
# Command reference ch. 7: what each FAIL code means, for messages a rig's user can act on.
FAIL_MEANINGS = {
    "ER04": "command not supported",
    "ER05": "wrong number of arguments",
    "ER06": "argument out of range or malformed",
    "ER09": "UART input error",
    "ER10": "command accepted but failed",
}
# Commands whose line carries a secret (SKSETPWD 3.16): what comes back malformed while
# one is pending is not kept as octets.
SECRET_COMMANDS = frozenset({"SKSETPWD"})
_REPLIES = (sk.CommandEcho, sk.Ok, sk.Fail, sk.VersionReply, sk.AppVersionReply, sk.InfoReply,
            sk.RegisterValue, sk.Ipv6Address)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Observation:
    """An asynchronous line from the module (EVENT, ERXUDP, EPANDESC) and when it arrived
    (``time.monotonic()``)."""

    time: float
    event: sk.Event | sk.UdpReceived | sk.PanDescriptor


@dataclass(frozen=True, slots=True)
class RadioProtocolError:
    """A malformed line from the module, when it came and its octets."""

    time: float
    error: sk.SkStackError

    def describe(self) -> str:
        reason = getattr(self.error, "reason", str(self.error))
        return f"{reason}: {self.error.line!r}"


class _Pending:
    def __init__(self, label: str, final: tuple[type, ...]) -> None:
        self.label = label
        self.final = final
        self.replies: list[sk.SkStackEvent] = []
        self.done = False


class _RoundTripDeadline:
    """The end of a wait on the module: ``timeout`` seconds from now, extended once by another
    ``timeout`` when, at its end, octets from the module sit unparsed in this process
    (``unread``). A bound on a round trip is the module's time to answer, not this process's
    time to get a CPU: on a host starved of CPU (two cores, load 10-20) an answer the
    emulated module wrote within a millisecond sat unread past the 2 s timeout. A silent
    module (nothing unread) times out on time."""

    def __init__(self, timeout: float, unread: Callable[[], bool]) -> None:
        self._timeout = timeout
        self._unread = unread
        self._end = time.monotonic() + timeout
        self._extended = False

    def left(self) -> float:
        """Seconds left, never extended more than once."""
        left = self._end - time.monotonic()
        if left <= 0 and not self._extended and self._unread():
            self._extended = True
            self._end += self._timeout
            left = self._end - time.monotonic()
        return left


class SkStackRadio:
    """One module on one serial line; thread-safe for one caller issuing commands."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        timeout_s: float = 2.0,
        name: str = "wisun-radio",
        model: str | None = None,
        hex_data: bool | None = None,
        rssi_column: bool | None = None,
        echo: bool = False,
        max_observations: int = MAX_OBSERVATIONS,
    ) -> None:
        """Open the port and bring the module to a known state.

        ``model`` None asks the module (EINFO); ``hex_data`` None asks it (ROPT), a value is
        written with WOPT where ROPT shows another; ``rssi_column`` None leaves register SA2
        as it is (the parser reads ERXUDP with or without the column); ``echo`` sets SFE.
        """
        self.port = port
        self.name = name
        self.timeout_s = timeout_s
        self.resource = f"{name} on {port}"
        self.echo = echo
        self.rssi_column = rssi_column
        self.layout: sk.Layout = sk.layout_of(model) if model is not None else sk.A1
        self.model = model
        self.info_reply: sk.InfoReply | None = None
        self._parser = sk.SkStackParser(hex_data=bool(hex_data))
        self._observations: collections.deque[Observation] = collections.deque(maxlen=max_observations)
        self._dropped = 0  # observations the ring buffer let go (its absolute start index)
        self._errors: collections.deque[RadioProtocolError] = collections.deque(maxlen=MAX_PROTOCOL_ERRORS)
        self.protocol_error_count = 0
        self._cond = threading.Condition()
        self._command_lock = threading.Lock()
        self._pending: _Pending | None = None
        self._lost: str | None = None
        self._closing = False
        self._needs_resync = True  # whatever a previous user left on the line goes first
        self._last_rx = time.monotonic()
        self._unfed = 0  # octets the reader thread has read and not yet parsed
        self._pairing_id: str | None = None
        try:
            self._serial = serial.serial_for_url(
                port, baudrate=baudrate, timeout=READ_SLICE_S, write_timeout=timeout_s
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise RigError(self.resource, "open", str(exc)) from exc
        self._reader = threading.Thread(target=self._read_loop, name=f"{name} reader", daemon=True)
        self._reader.start()
        try:
            self._configure(model, hex_data)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_resource(cls, name: str, resource: SerialPort, **options: object) -> SkStackRadio:
        """``options`` are the module's (model, hex_data, rssi_column, echo) from the rig file."""
        return cls(
            resource.port, baudrate=resource.baudrate, timeout_s=resource.timeout_s, name=name, **options
        )  # type: ignore[arg-type]

    def __enter__(self) -> SkStackRadio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing = True
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=1.0)
        with contextlib.suppress(Exception):
            self._serial.close()

    # -- opening: what the module is and how it prints ----------------------------------

    def _configure(self, model: str | None, hex_data: bool | None) -> None:
        self._set_echo()
        info = self.info()
        detected = sk.A1 if info.addr16 is not None else sk.C
        if model is not None and detected.family != self.layout.family:
            raise RigError(
                self.resource,
                "SKINFO",
                f"the rig file says {model} ({self.layout.family} family) but EINFO shows the "
                f"{detected.family} family ({'ADDR16' if info.addr16 is not None else 'SIDE'} printed)",
            )
        self.layout = detected
        self._configure_data_format(hex_data)
        self._set_rssi_column()

    def _set_echo(self) -> None:
        self._command(sk.sksreg("SFE", self.echo), f"SKSREG SFE {int(self.echo)}")

    def _set_rssi_column(self) -> None:
        if self.layout.rssi_register and self.rssi_column is not None:
            self._command(sk.sksreg("SA2", self.rssi_column), f"SKSREG SA2 {int(self.rssi_column)}")

    def _configure_data_format(self, wanted: bool | None) -> None:
        """ROPT: ``OK 01`` hex ASCII, ``OK 00`` binary. FAIL ER04 (a C module without the
        product configuration commands): hex ASCII unless the rig file says otherwise."""
        try:
            replies = self._command(sk.ropt(), "ROPT", bare_cr=True)
        except RigError as exc:
            if not exc.problem.startswith("FAIL ER04"):
                raise
            self._parser.hex_data = True if wanted is None else wanted
            return
        ok = next(r for r in replies if isinstance(r, sk.Ok))
        current = ok.detail == "01"
        if wanted is not None and wanted != current:
            self._command(sk.wopt(wanted), f"WOPT {int(wanted):02d}", bare_cr=True)
            current = wanted
        self._parser.hex_data = current

    @property
    def hex_data(self) -> bool:
        return self._parser.hex_data

    @property
    def side(self) -> int | None:
        """The SIDE argument the module's family takes (0), or None."""
        return self.layout.default_side

    # -- what the bench asks of the module ----------------------------------------------

    def identify(self) -> str:
        """The firmware version (SKVER, command reference 3.23)."""
        return self._reply(self._command(sk.skver(), "SKVER"), sk.VersionReply, "SKVER").version

    def application_version(self) -> str:
        """The application version (SKAPPVER, 3.24)."""
        return self._reply(self._command(sk.skappver(), "SKAPPVER"), sk.AppVersionReply, "SKAPPVER").version

    def info(self) -> sk.InfoReply:
        """The module's own addresses, channel and PAN ID (SKINFO, 3.2)."""
        self.info_reply = self._reply(self._command(sk.skinfo(), "SKINFO"), sk.InfoReply, "SKINFO")
        return self.info_reply

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
        """Send a datagram from the handle's port (SKSENDTO, 3.7; SIDE on the C family);
        whether the module reports it sent (EVENT 21 PARAM 00) rather than failed (01)."""
        since, errors_before = self.mark(), self.protocol_error_mark()
        self._command(sk.sksendto(handle, addr, port, secured, data, side=self.side), "SKSENDTO")

        def sent(event: sk.SkStackEvent) -> bool:
            return (
                isinstance(event, sk.Event)
                and event.number == sk.EventNumber.UDP_SENT
                and event.sender == addr
                and event.param != sk.UDP_SENT_NEIGHBOUR_SOLICITATION
            )

        observed = self.wait_for(sent, self.timeout_s, since=since)
        if observed is None:
            self._needs_resync = True
            problem = f"no EVENT 21 within {self.timeout_s} s"
            raise RigError(self.resource, "SKSENDTO", problem + self._malformed_since(errors_before))
        assert isinstance(observed.event, sk.Event)
        return observed.event.param == sk.UDP_SENT_OK

    def terminate(self) -> None:
        """End the PANA session (SKTERM, 3.6: no argument); EVENT 27 (done) or 28 follows."""
        self._command(sk.skterm(), "SKTERM")

    def reset(self) -> None:
        """SKRESET (3.25), then the registers the driver keeps (SFE, SA2) again."""
        self._command(sk.skreset(), "SKRESET")
        self._set_echo()
        self._set_rssi_column()

    # -- health ---------------------------------------------------------------------------

    def check_alive(self) -> None:
        """Raise the RigError of a lost port or a failed reader thread; the bench asks this
        while it waits, so a dead part breaks the scenario instead of looking silent."""
        with self._cond:
            lost = self._lost
        if lost is None and not self._closing and not self._reader.is_alive():
            lost = "the reader thread stopped"
        if lost is not None:
            raise RigError(self.resource, "liveness", lost)

    @property
    def alive(self) -> bool:
        try:
            self.check_alive()
        except RigError:
            return False
        return True

    # -- what the module reported ---------------------------------------------------------

    def mark(self) -> int:
        """A position in the record: pass it as ``since`` to wait only for what comes after."""
        with self._cond:
            return self._dropped + len(self._observations)

    @property
    def dropped_observations(self) -> int:
        """How many observations the ring buffer dropped (the oldest first)."""
        with self._cond:
            return self._dropped

    def observations(self, since: int = 0) -> list[Observation]:
        with self._cond:
            start = max(0, since - self._dropped)
            return list(self._observations)[start:]

    def events(self, since: int = 0) -> list[sk.Event | sk.UdpReceived | sk.PanDescriptor]:
        return [o.event for o in self.observations(since)]

    @property
    def protocol_errors(self) -> list[sk.SkStackError]:
        """The malformed lines kept (the last ``MAX_PROTOCOL_ERRORS``), oldest first."""
        with self._cond:
            return [record.error for record in self._errors]

    def protocol_error_mark(self) -> int:
        with self._cond:
            return self.protocol_error_count

    def protocol_error_log(self, since: int = 0) -> list[RadioProtocolError]:
        """The malformed lines from mark ``since`` on, with when they came."""
        with self._cond:
            kept_from = self.protocol_error_count - len(self._errors)
            return list(self._errors)[max(0, since - kept_from) :]

    def wait_for(
        self, predicate: Callable[[sk.SkStackEvent], bool], timeout: float, *, since: int = 0
    ) -> Observation | None:
        """The first observation from ``since`` on that satisfies ``predicate``, waiting up to
        ``timeout`` seconds of wall-clock time for it; None when it did not come.

        Raises RigError when the port is lost: nothing more can come.
        """
        deadline = _RoundTripDeadline(timeout, self._unread)
        seen = since
        with self._cond:
            while True:
                start = max(0, seen - self._dropped)
                for observation in list(self._observations)[start:]:
                    if predicate(observation.event):
                        return observation
                seen = self._dropped + len(self._observations)
                if self._lost is not None:
                    raise RigError(self.resource, "wait for an event", self._lost)
                left = deadline.left()
                if left <= 0:
                    return None
                self._cond.wait(left)

    # -- the line -----------------------------------------------------------------------

    def _command(
        self,
        octets: bytes,
        label: str,
        *,
        final: tuple[type, ...] = (sk.Ok, sk.Fail),
        bare_cr: bool = False,
    ) -> list[sk.SkStackEvent]:
        with self._command_lock:
            if self._needs_resync:
                self._resynchronise(label)
            replies = self._exchange(octets, label, final, bare_cr)
            failure = next((r for r in replies if isinstance(r, sk.Fail)), None)
            if failure is not None:
                if failure.code == "ER09":
                    self._needs_resync = True  # the module saw garbage: there may be more
                meaning = FAIL_MEANINGS.get(failure.code, "unknown error code")
                raise RigError(self.resource, label, f"FAIL {failure.code} ({meaning})")
            return replies

    def _exchange(
        self, octets: bytes, label: str, final: tuple[type, ...], bare_cr: bool
    ) -> list[sk.SkStackEvent]:
        pending = _Pending(label, final)
        errors_before = self.protocol_error_mark()
        with self._cond:
            if self._lost is not None:
                raise RigError(self.resource, label, self._lost)
            self._pending = pending
            self._parser.expect_bare_cr(bare_cr)
        try:
            self._serial.write(octets)
            self._serial.flush()
        except Exception as exc:  # SerialException, OSError, termios.error: the port is gone
            with self._cond:
                self._pending = None
            self._port_lost(f"port {self.port} lost: {type(exc).__name__}: {exc}")
            raise RigError(self.resource, label, f"port {self.port} lost: {exc}") from exc
        deadline = _RoundTripDeadline(self.timeout_s, self._unread)
        with self._cond:
            while not pending.done and self._lost is None:
                left = deadline.left()
                if left <= 0:
                    break
                self._cond.wait(left)
            self._pending = None
            self._parser.expect_bare_cr(False)
            if self.protocol_error_count != errors_before:
                self._needs_resync = True
            if not pending.done:
                self._needs_resync = True
                raise RigError(self.resource, label, self._lost or self._silence())
        return pending.replies

    def _unread(self) -> bool:
        """Whether the module has sent octets this process has not parsed yet: waiting in
        the port, or read by the reader thread and not yet fed in (see _RoundTripDeadline)."""
        if self._unfed:
            return True
        try:
            return self._serial.in_waiting > 0
        except Exception:  # the port is gone: the reader thread says so
            return False

    def _resynchronise(self, label: str) -> None:
        """CRLF, drain until the line is quiet, then SKVER must answer: bounded by twice the
        command timeout. Whatever arrives meanwhile that is not an event is discarded."""
        deadline = time.monotonic() + 2 * self.timeout_s
        with self._cond:
            self._pending = None
        try:
            self._serial.write(sk.CRLF)
            self._serial.flush()
        except Exception as exc:
            self._port_lost(f"port {self.port} lost: {type(exc).__name__}: {exc}")
            raise RigError(self.resource, label, f"port {self.port} lost: {exc}") from exc
        written = time.monotonic()
        while time.monotonic() < deadline:
            with self._cond:
                if self._lost is not None:
                    raise RigError(self.resource, label, self._lost)
                last = max(self._last_rx, written)
            if time.monotonic() - last >= QUIET_S:
                break
            time.sleep(READ_SLICE_S)
        else:
            raise RigError(self.resource, label, "resynchronisation: the line never went quiet")
        with self._cond:
            abandoned = self._parser.abandon_partial()
            if abandoned is not None:
                self._record_error(abandoned)
        replies = self._exchange(sk.skver(), "SKVER", (sk.Ok, sk.Fail), False)
        if not any(isinstance(r, sk.VersionReply) for r in replies):
            raise RigError(self.resource, label, "resynchronisation: SKVER was not answered with EVER")
        self._needs_resync = False

    def _silence(self) -> str:
        message = f"no answer within {self.timeout_s} s"
        if self._errors:
            message += f"; {self.protocol_error_count} malformed lines, last: {self._errors[-1].describe()}"
        return message

    def _malformed_since(self, mark: int) -> str:
        """The malformed lines from ``mark`` on, for a message: the awaited line may be
        one of them, cut short by noise."""
        errors = self.protocol_error_log(mark)
        if not errors:
            return ""
        return f"; meanwhile {len(errors)} malformed lines, last: {errors[-1].describe()}"

    def _reply(self, replies: list[sk.SkStackEvent], kind: type[_T], label: str) -> _T:
        found = next((r for r in replies if isinstance(r, kind)), None)
        if found is None:
            raise RigError(self.resource, label, f"answered without the {kind.__name__} line")
        return found

    def _read_loop(self) -> None:
        try:
            while not self._closing:
                try:
                    data = self._serial.read(max(1, self._serial.in_waiting))
                except Exception as exc:
                    # SerialException, OSError, termios.error, and pyserial's own TypeError or
                    # AttributeError once the port has vanished under it.
                    if not self._closing:
                        self._port_lost(f"port {self.port} lost: {type(exc).__name__}: {exc}")
                    return
                now = time.monotonic()
                if data:
                    self._unfed = len(data)
                    with self._cond:  # the command thread resets the parser under it too
                        self._last_rx = now
                        self._parser.feed(data)
                        self._drain()
                        self._unfed = 0
                elif self._parser.buffered and now - self._last_rx >= PARTIAL_QUIET_S:
                    with self._cond:
                        abandoned = self._parser.abandon_partial()
                        if abandoned is not None:
                            self._record_error(abandoned)
                        self._drain()
        except Exception as exc:  # a bug below must not leave a silent, dead port behind
            self._port_lost(f"the reader thread failed: {type(exc).__name__}: {exc}")

    def _drain(self) -> None:
        """With ``_cond`` held: every complete line buffered, dispatched."""
        while True:
            try:
                event = self._parser.next_event()
            except sk.SkStackError as exc:
                self._record_error(exc)
                continue
            if event is None:
                return
            self._dispatch(event)

    def _record_error(self, error: sk.SkStackError) -> None:
        """With ``_cond`` held. A malformed line that comes while a command carrying a secret
        is pending may be its echo with a noise octet anywhere, even inside the password,
        where no text redactor would know it: its octets are withheld (DESIGN.md rule 8)."""
        pending = self._pending
        if pending is not None and pending.label in SECRET_COMMANDS:
            error = sk.SkStackError(
                f"{error.reason} (came while {pending.label} was pending: "
                f"{len(error.line)} octets withheld, they may echo the password)",
                b"",
            )
        self._errors.append(RadioProtocolError(time.monotonic(), error))
        self.protocol_error_count += 1

    def _dispatch(self, event: sk.SkStackEvent) -> None:
        with self._cond:
            pending = self._pending
            if isinstance(event, _REPLIES):
                if pending is None or pending.done:
                    if not isinstance(event, sk.CommandEcho):
                        line = sk.encode_event(event).rstrip(b"\r\n")
                        self._record_error(sk.SkStackError("reply without a command", line))
                    return
                pending.replies.append(event)
                if isinstance(event, pending.final):
                    pending.done = True
            else:
                if len(self._observations) == self._observations.maxlen:
                    self._dropped += 1
                self._observations.append(Observation(time.monotonic(), event))
            self._cond.notify_all()

    def _port_lost(self, problem: str) -> None:
        with self._cond:
            if self._lost is None:
                self._lost = problem
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
