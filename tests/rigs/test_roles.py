"""The one table of rig roles (rigs/roles.py): each role's entry model, the protocol its
driver provides, the driver and how rigs.check probes it; the rig file, the check and the
HIL profile all read it."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from conformance.errors import BenchError
from conformance.ics import load_declaration
from rigs import rigfile
from rigs.check import CHECKS
from rigs.drivers.scpiattenuator import ScpiAttenuator
from rigs.drivers.scpisignalgenerator import ScpiSignalGenerator
from rigs.profile.rig import HilRig
from rigs.protocols import AttenuatorProtocol, JammerProtocol
from rigs.rigfile import load_rig
from rigs.roles import ROLES, Opening, Probe, binding
from tests.rigs.endpoints import rf_instruments
from tests.seams import missing

EMULATED = Path(__file__).parents[2] / "rigs" / "emulators" / "rig.yaml"


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch):
    """The emulated rig file, its RF instruments served on loopback (the emulator's own)."""
    for name in ("IOTROUTE_RIG_RADIO", "IOTROUTE_RIG_MAINTENANCE"):
        monkeypatch.setenv(name, f"/dev/{name.lower()}")
    monkeypatch.setenv("IOTROUTE_RIG_DIGITAL_IO_PORT", "5020")
    with rf_instruments() as rf:
        monkeypatch.setenv("IOTROUTE_RIG_SIGNAL_GENERATOR_PORT", str(rf.generator.port))
        monkeypatch.setenv("IOTROUTE_RIG_ATTENUATOR_PORT", str(rf.attenuator.port))
        yield load_rig(EMULATED)


def test_each_row_names_its_role_s_entry_model_and_a_kind_of_resource() -> None:
    for role, row in ROLES.items():
        assert row.role == role and row.what
        assert typing.get_args(row.entry.model_fields["role"].annotation) == (role,)
        assert sum(kind in row.entry.model_fields for kind in rigfile.KINDS) == 1, role


@pytest.mark.parametrize("role", [role for role, row in ROLES.items() if row.driver is not None])
def test_each_driver_provides_the_protocol_its_row_binds_it_by(role: str) -> None:
    row = ROLES[role]
    assert row.provides is not None
    # Data members (``resource``, ``address``, ``transcript``) are set on the instances.
    data = frozenset({"resource", "address", "transcript"})
    assert missing(row.provides, row.driver, attributes=data) == []
    assert row.open is not None or hasattr(row.driver, "from_entry"), role


def test_the_rig_file_and_the_check_read_the_table() -> None:
    assert set(rigfile.ENTRIES) == set(ROLES)
    assert set(typing.get_args(rigfile.Entry)) == {row.entry for row in ROLES.values()}
    assert set(CHECKS) == set(Probe)


def test_a_role_the_table_does_not_know_is_a_bench_error(rig) -> None:
    with pytest.raises(BenchError, match="no rig role 'jammer'; the roles are wisun-radio, "):
        rig.find("jammer")
    with pytest.raises(BenchError, match="no driver plays the role meter-bus"):
        binding("meter-bus").build("bus", None, Opening(declaration=load_declaration()))  # type: ignore[arg-type]


def test_the_signal_generator_is_built_by_the_table_as_a_jammer(rig) -> None:
    name, entry = rig.find("signal-generator")
    with binding("signal-generator").build(name, entry, Opening(declaration=load_declaration())) as generator:
        assert isinstance(generator, ScpiSignalGenerator) and isinstance(generator, JammerProtocol)
        assert generator.session.query("OUTP?") == "OFF"


def test_the_hil_rig_opens_the_signal_generator_once_with_its_carrier_off(rig) -> None:
    hil = HilRig(rig)
    declaration = load_declaration()
    jammer = hil.jammer(declaration)
    assert jammer is not None and isinstance(jammer.generator, ScpiSignalGenerator)
    assert jammer.power_dbm == 0.0  # the rig file's max_power_dbm
    assert hil.notes == ["jammer: signal generator BENCHSIM,SG-6000-TCP,SIM000202,2.3.1, carrier off"]
    again = hil.jammer(declaration)
    assert again is not None and again.generator is jammer.generator and len(hil.notes) == 1
    jammer.generator.jam(922.5, jammer.power_dbm)
    assert jammer.generator.session.query("OUTP?") == "ON"
    hil.close()
    assert not jammer.generator.session.is_open


def test_the_hil_rig_opens_the_attenuator_once_and_names_it(rig) -> None:
    hil = HilRig(rig)
    declaration = load_declaration()
    attenuator = hil.attenuator(declaration)
    assert isinstance(attenuator, ScpiAttenuator) and isinstance(attenuator, AttenuatorProtocol)
    assert hil.attenuator(declaration) is attenuator
    assert hil.notes == ["atten: attenuator BENCHSIM,AT-11713-TCP,SIM000302,1.0.2"]
    assert attenuator.set_rssi_dbm(-72) == -72.0
    hil.close()
    assert not attenuator.session.is_open


def test_the_radio_is_opened_with_the_rig_file_s_options(rig, monkeypatch) -> None:
    from rigs.drivers.skstackradio import SkStackRadio

    opened = {}
    monkeypatch.setattr(
        SkStackRadio, "__init__", lambda self, port, **kwargs: opened.update(kwargs, port=port)
    )
    entry = rig.resources["radio"].model_copy(
        update={"model": "BP35C2", "erxudp_format": "hex", "rssi_column": True}
    )
    ROLES["wisun-radio"].build("radio", entry, Opening(declaration=None))  # type: ignore[arg-type]
    assert opened == {
        "port": "/dev/iotroute_rig_radio",
        "baudrate": 115200,
        "timeout_s": 2,
        "name": "radio",
        "model": "BP35C2",
        "hex_data": True,
        "rssi_column": True,
        "echo": False,
    }
