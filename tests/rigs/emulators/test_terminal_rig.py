"""The emulated rig's power and maintenance port (rigs/emulators/terminal_rig.py), without
its OS devices: the terminal twin behind the relay keeps its non-volatile state across a
power cycle, as a real terminal and the twin profile's terminal do, and each scenario (the
module's SKRESET) starts with a factory-fresh one."""

from __future__ import annotations

from conformance.ics import load_declaration
from conformance.twin.faults import REFERENCE, terminal_class
from rigs.emulators.io_module import IoModule
from rigs.emulators.skstack_module import EmulatedModule
from rigs.emulators.terminal_rig import TerminalRig


def _rig() -> TerminalRig:
    module = EmulatedModule(
        seed=1, declaration=load_declaration(None), dut=terminal_class(REFERENCE), power_on_delay_s=None
    )
    return TerminalRig(module, io=IoModule(), bridge=None)  # type: ignore[arg-type]  # no LAN here


def test_a_power_cycle_keeps_the_terminal_and_its_settings_a_new_scenario_does_not():
    rig = _rig()
    rig.set_power(True)
    terminal = rig.module.terminal
    assert terminal.maintenance_command("SETTING granularity_s 900")[-1] == "OK"
    rig.module.advance(10.0)
    rig.set_power(False)
    rig.module.advance(20.0)
    rig.set_power(True)
    rig.module.advance(30.0)
    assert rig.module.terminal is terminal
    assert terminal.maintenance_command("SETTING? granularity_s") == ["OK 900"]
    power_ons = [e for e in terminal.maintenance_command("LOG? event") if e.endswith(" power-on")]
    assert len(power_ons) == 2  # the event log survived the cycle
    rig.set_power(False)
    rig.module.receive(b"SKRESET\r\n")  # the HIL profile's scenario start (rigs.profile.rig)
    rig.module.advance(21.0)
    rig.set_power(True)
    assert rig.module.terminal is not terminal
    assert rig.module.terminal.maintenance_command("SETTING? granularity_s") != ["OK 900"]


def test_a_command_sent_after_the_relay_closed_finds_the_terminal_powered():
    rig = _rig()
    rig.io.coil_writes.put((rig.power_coil, True))  # acknowledged to the host, not yet applied
    assert rig.current_terminal().state != "off"
    assert rig.powered
