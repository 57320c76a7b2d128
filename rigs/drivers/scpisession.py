"""A SCPI instrument on VISA, as the SCPI drivers share it: bounded reads, checked commands.

Every command is followed by ``SYST:ERR?`` (SCPI-99 vol. 2, SYSTem:ERRor: the error
queue, first in first out, ``0,"No error"`` when empty), so an instrument that refuses a command or a value is
reported at the command that caused it, not three commands later. Every read is bounded
by the resource's ``timeout_ms``. A failure raises :class:`~rigs.RigError` naming the
resource and the command; after an I/O failure the session is dropped and the next call
opens it afresh, so one stuck instrument breaks one scenario, not the run.

A number is taken only in the decimal forms of IEEE 488.2 §8.7.2-8.7.4 (<NR1>, <NR2>,
<NR3>), at most ``MAX_NUMBER_CHARS`` characters, finite, and not one of SCPI's stand-ins
for no value (SCPI-99 vol. 1 §7.2.1.5: 9.9E37 infinity, 9.91E37 not-a-number). ``NAN``,
``1e999`` or a number of 10,000 digits is refused at the driver, naming the instrument,
instead of failing later as a bench error nobody can place.
"""

from __future__ import annotations

import contextlib
import math
import re
import warnings
from collections.abc import Callable

import pyvisa
from pyvisa import constants

from rigs import RigError
from rigs.resources import VisaInstrument

# More than any instrument queues for one command; the bound keeps a babbling one finite.
MAX_QUEUED_ERRORS = 16
_UNTERMINATED = "read string doesn't end with termination characters"
# <NR1> 12, <NR2> 1.5, <NR3> +1.200000E-04 (IEEE 488.2 §8.7); no NaN, INF or hex.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
MAX_NUMBER_CHARS = 40  # an <NR3> of a double's 17 significant digits needs 25
_SCPI_NO_VALUE = {
    9.9e37: "infinity (9.9E37)",
    -9.9e37: "minus infinity (-9.9E37)",
    9.91e37: "not a number (9.91E37)",
}


class ScpiSession:
    """One SCPI instrument named ``name`` in the rig, reached through ``instrument``."""

    def __init__(
        self,
        name: str,
        instrument: VisaInstrument,
        *,
        resource_manager: Callable[[str], pyvisa.ResourceManager] = pyvisa.ResourceManager,
    ) -> None:
        self.name, self.instrument = name, instrument
        self._resource_manager = resource_manager
        self._manager: pyvisa.ResourceManager | None = None  # kept: reopening reuses it
        self._resource: pyvisa.resources.MessageBasedResource | None = None
        self.identity: str | None = None

    @property
    def is_open(self) -> bool:
        return self._resource is not None

    def open(self) -> str:
        """Open the instrument, clear its status and return its ``*IDN?`` identity."""
        if self._resource is not None:
            return self.identity or ""
        timeout_ms = self.instrument.timeout_ms
        try:
            if self._manager is None:
                self._manager = self._resource_manager(self.instrument.backend)
            self._resource = self._manager.open_resource(
                self.instrument.address,
                open_timeout=timeout_ms,
                timeout=timeout_ms,
                read_termination=self.instrument.read_termination,
                write_termination=self.instrument.write_termination,
            )
        except (pyvisa.Error, OSError, ValueError) as exc:
            raise RigError(self.name, "open", _describe(exc, timeout_ms)) from exc
        # IEEE 488.2 §10.14 and §10.3: identify, then clear the status and the error queue
        # (SYST:ERR? drains it too, for instruments whose *CLS leaves it).
        identity = self._ask("*IDN?")
        self._send("*CLS")
        self._drain_errors()
        self.identity = identity
        return identity

    def close(self) -> None:
        resource, self._resource = self._resource, None
        if resource is not None:
            # The session is gone either way; a failing close has nothing more to release.
            with contextlib.suppress(pyvisa.Error, OSError):
                resource.close()

    def write(self, command: str) -> None:
        """Send a command and raise if the instrument queued an error for it."""
        self.open()
        self._send(command)
        self._check(command)

    def query(self, command: str) -> str:
        """Send a query, return its answer and raise if the instrument queued an error."""
        self.open()
        answer = self._ask(command)
        self._check(command)
        return answer

    def query_float(self, command: str) -> float:
        """A query whose answer is a finite decimal number (see the module docstring)."""
        answer = self.query(command)
        if len(answer) > MAX_NUMBER_CHARS or not _DECIMAL.fullmatch(answer):
            raise RigError(self.name, command, f"answered {shown_answer(answer)}, not a number")
        value = float(answer)
        if not math.isfinite(value):
            raise RigError(self.name, command, f"answered {shown_answer(answer)}, beyond any measurement")
        if value in _SCPI_NO_VALUE:
            raise RigError(self.name, command, f"answered {_SCPI_NO_VALUE[value]}: no measured value")
        return value

    def __enter__(self) -> ScpiSession:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, command: str) -> None:
        try:
            self._live(command).write(command)
        except (pyvisa.Error, OSError) as exc:
            self.close()
            raise RigError(self.name, command, _describe(exc, self.instrument.timeout_ms)) from exc

    def _ask(self, command: str) -> str:
        try:
            with warnings.catch_warnings():
                # pyvisa only warns of an answer cut short; for the bench it is no answer.
                warnings.filterwarnings("error", message=_UNTERMINATED)
                answer = self._live(command).query(command).strip()
        except UserWarning:
            self.close()
            problem = "no complete answer: cut short, or no instrument at this address"
            raise RigError(self.name, command, problem) from None
        except (pyvisa.Error, OSError) as exc:
            self.close()
            raise RigError(self.name, command, _describe(exc, self.instrument.timeout_ms)) from exc
        if not answer:
            # A VISA library may hand out a session to nothing (pyvisa-sim does for an
            # unknown address); an instrument always answers a query with something.
            self.close()
            raise RigError(self.name, command, "empty answer: no instrument at this address?")
        return answer

    def _live(self, command: str) -> pyvisa.resources.MessageBasedResource:
        if self._resource is None:
            raise RigError(self.name, command, "the session was closed after an earlier failure")
        return self._resource

    def _drain_errors(self) -> list[str]:
        errors = []
        for _ in range(MAX_QUEUED_ERRORS):
            entry = self._ask("SYST:ERR?")
            code, _, _ = entry.partition(",")
            try:
                if int(code) == 0:
                    return errors
            except ValueError:
                raise RigError(
                    self.name, "SYST:ERR?", f"answered {shown_answer(entry)}, not an error queue entry"
                ) from None
            errors.append(entry)
        return errors

    def _check(self, command: str) -> None:
        errors = self._drain_errors()
        if errors:
            raise RigError(self.name, command, "instrument error " + "; ".join(errors))


def shown_answer(answer: str) -> str:
    """An instrument's answer as a message quotes it: a babbling one stays one short line."""
    return repr(answer) if len(answer) <= 60 else f"{answer[:40]!r}... ({len(answer)} characters)"


def _describe(exc: Exception, timeout_ms: int) -> str:
    if isinstance(exc, pyvisa.VisaIOError) and exc.error_code == constants.StatusCode.error_timeout:
        return f"no answer within {timeout_ms} ms"
    return str(exc)
