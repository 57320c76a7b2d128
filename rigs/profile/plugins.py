"""Maintenance-port plug-ins: how the bench talks to a terminal whose maintenance port
speaks something other than the bench's line protocol (``conformance.protocols.maintenance``).

The steps only ever send the line protocol's commands (``CLOCK?``, ``SETTING <name>
<value>``, ``VALUES? <from> <to>`` ...) and read its answers. A vendor maps them onto
their terminal's own protocol in a plug-in: a Python package that declares an entry point
in the group ``iotroute_bench.maintenance``, for example in its ``pyproject.toml``::

    [project.entry-points."iotroute_bench.maintenance"]
    acme-hdlc = "acme_bench.console:open_console"

``open_console(name, resource, declaration)`` receives the rig's maintenance-port resource
(:class:`rigs.resources.SerialPort`: port, baud rate, timeout) and the terminal's
declaration, and returns an object with ``command(line: str) -> list[str]`` (the answer
in the line protocol: data lines, then ``OK ...`` or ``ERR ...``) and ``transcript:
list[str]`` (what was said, secrets masked), and optionally ``close()``. Each command
must be bounded by the resource's timeout; a port that fails raises ``rigs.RigError``
(the scenario is *broken*), a terminal that answers nothing sensible gets an answer
without a status line (the scenario *fails*). Install the package into the bench's
environment and run with ``--maintenance-protocol acme-hdlc``.

``line`` (the default) is the bench's own driver, :class:`rigs.drivers.maintenanceconsole.MaintenanceConsole`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points

from conformance.errors import BenchError
from conformance.ics import Declaration
from conformance.interfaces import MaintenancePort

ENTRY_POINT_GROUP = "iotroute_bench.maintenance"
BUILT_IN = "line"

Opener = Callable[..., MaintenancePort]


def _line_console(name: str, resource, declaration: Declaration) -> MaintenancePort:
    from rigs.drivers.maintenanceconsole import MaintenanceConsole

    return MaintenanceConsole.from_resource(name, resource)


def available() -> dict[str, EntryPoint | None]:
    """Every maintenance-port protocol the bench can speak: ``line`` and the plug-ins."""
    found: dict[str, EntryPoint | None] = {BUILT_IN: None}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in found:
            raise BenchError(
                f"maintenance-port plug-in {entry.name!r} ({entry.value}) is installed twice "
                f"or takes the built-in name {BUILT_IN!r}"
            )
        found[entry.name] = entry
    return found


def opener(protocol: str) -> Opener:
    """The function that opens a maintenance port speaking ``protocol``."""
    known = available()
    if protocol not in known:
        raise BenchError(
            f"no maintenance-port plug-in {protocol!r}; installed: {', '.join(sorted(known))} "
            f"(entry-point group {ENTRY_POINT_GROUP})"
        )
    entry = known[protocol]
    if entry is None:
        return _line_console
    try:
        loaded = entry.load()
    except Exception as exc:  # a vendor's package that fails to import: say which
        raise BenchError(
            f"maintenance-port plug-in {protocol!r} ({entry.value}) does not load: {exc}"
        ) from exc
    if not callable(loaded):
        raise BenchError(f"maintenance-port plug-in {protocol!r} ({entry.value}) is not callable")
    return loaded


def open_port(protocol: str, name: str, resource, declaration: Declaration) -> MaintenancePort:
    """Open the rig's maintenance port with the chosen protocol and check its shape."""
    port = opener(protocol)(name, resource, declaration)
    if not callable(getattr(port, "command", None)) or not isinstance(
        getattr(port, "transcript", None), list
    ):
        raise BenchError(
            f"maintenance-port plug-in {protocol!r} returned {type(port).__name__}, which lacks "
            "command(line) -> list[str] or a transcript list"
        )
    return port
