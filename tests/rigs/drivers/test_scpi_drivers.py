"""The SCPI drivers against the pyvisa-sim instruments of the emulated rig."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rigs import RigError
from rigs.drivers.scpipowersupply import ScpiPowerSupply
from rigs.drivers.scpisession import ScpiSession
from rigs.drivers.scpisignalgenerator import ScpiSignalGenerator
from rigs.protocols import JammerProtocol, PowerProtocol
from rigs.resources import VisaInstrument
from rigs.rigfile import load_rig

EMULATED = Path(__file__).parents[3] / "rigs" / "emulators"
BACKEND = f"{EMULATED / 'instruments.yaml'}@sim"
STUCK_SUPPLY = "TCPIP0::192.168.10.31::inst0::INSTR"
NOWHERE = "TCPIP0::192.168.10.99::inst0::INSTR"
# The pyvisa-sim signal generator (the emulated rig's own is the emulator's, on TCP).
SIM_GENERATOR = "TCPIP0::192.168.10.22::inst0::INSTR"


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch):
    for name in ("IOTROUTE_RIG_RADIO", "IOTROUTE_RIG_MAINTENANCE"):
        monkeypatch.setenv(name, f"/dev/{name.lower()}")
    monkeypatch.setenv("IOTROUTE_RIG_DIGITAL_IO_PORT", "5020")
    monkeypatch.setenv("IOTROUTE_RIG_SIGNAL_GENERATOR_PORT", "5025")
    monkeypatch.setenv("IOTROUTE_RIG_ATTENUATOR_PORT", "5026")
    return load_rig(EMULATED / "rig.yaml")


@pytest.fixture
def supply(rig):
    with ScpiPowerSupply.from_entry(*rig.find("power-supply")) as driver:
        yield driver


@pytest.fixture
def generator():
    with ScpiSignalGenerator("jammer", instrument(SIM_GENERATOR), max_power_dbm=0.0) as driver:
        yield driver


def instrument(address: str, timeout_ms: int = 1000) -> VisaInstrument:
    return VisaInstrument(address=address, backend=BACKEND, timeout_ms=timeout_ms)


def test_the_drivers_implement_the_protocols_steps_ask_for(supply, generator):
    assert isinstance(supply, PowerProtocol)
    assert isinstance(generator, JammerProtocol)


def test_the_supply_is_identified_and_set_to_the_rig_files_voltage_and_limit(supply):
    assert supply.session.identity == "BENCHSIM,PS-3020,SIM000101,1.0.4"
    assert supply.session.query("INST:NSEL?") == "1"
    assert supply.session.query_float("VOLT?") == pytest.approx(3.6)
    assert supply.session.query_float("CURR?") == pytest.approx(0.5)


def test_the_supply_switches_the_terminal_on_and_off(supply):
    supply.off()
    assert not supply.is_on()
    supply.on()
    assert supply.is_on()
    assert supply.session.query("OUTP?") == "ON"
    supply.cycle(off_s=0)
    assert supply.is_on()
    supply.off()
    assert supply.session.query("OUTP?") == "OFF"


def test_the_supply_measures_the_current_the_terminal_draws(supply):
    supply.on()
    readings = [supply.measure_current_a() for _ in range(5)]
    assert all(110e-6 <= reading <= 130e-6 for reading in readings), readings
    assert len(set(readings)) > 1  # a measurement, not a setting read back


def test_a_value_the_supply_refuses_is_a_rig_error_naming_the_resource_and_command():
    # The emulated supply goes to 30 V; its error queue reports the refused value.
    driver = ScpiPowerSupply(
        "psu", instrument("USB0::0x0000::0x3020::SIM000101::INSTR"), voltage_v=45, current_limit_a=0.5
    )
    with pytest.raises(RigError) as excinfo:
        driver.open()
    error = excinfo.value
    assert (error.resource, error.command) == ("psu", "VOLT 45.0000")
    assert str(error) == 'psu: VOLT 45.0000: instrument error -100,"Command error"'
    driver.close()


def test_the_error_queue_is_read_after_every_command_so_the_next_one_is_clean():
    with ScpiSession("psu", instrument("USB0::0x0000::0x3020::SIM000101::INSTR")) as session:
        with pytest.raises(RigError, match=r'psu: SOUR:BOGUS 1: instrument error -100,"Command error"'):
            session.write("SOUR:BOGUS 1")
        session.write("VOLT 3.3")
        assert session.query_float("VOLT?") == pytest.approx(3.3)
        with pytest.raises(RigError, match=r"psu: \*IDN\?: answered 'BENCHSIM.*', not a number"):
            session.query_float("*IDN?")


def test_an_instrument_that_stops_answering_is_a_rig_error_within_its_timeout():
    driver = ScpiPowerSupply(
        "stuck-psu", instrument(STUCK_SUPPLY, timeout_ms=300), voltage_v=3.6, current_limit_a=0.5
    )
    driver.open()
    started = time.monotonic()
    with pytest.raises(RigError) as excinfo:
        driver.measure_current_a()
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.5, elapsed
    assert str(excinfo.value) == "stuck-psu: MEAS:CURR?: no answer within 300 ms"
    # The session was dropped: the next call opens it afresh and the supply still works.
    assert not driver.session.is_open
    driver.on()
    assert driver.is_on()
    driver.off()
    driver.close()


def test_an_address_where_no_instrument_answers_is_a_rig_error_at_open():
    started = time.monotonic()
    with pytest.raises(RigError) as excinfo:
        ScpiSession("ghost", instrument(NOWHERE, timeout_ms=300)).open()
    assert time.monotonic() - started < 1.5
    assert (excinfo.value.resource, excinfo.value.command) == ("ghost", "*IDN?")
    assert "no instrument at this address" in excinfo.value.problem


def test_a_backend_that_cannot_be_loaded_is_a_rig_error_at_open(tmp_path: Path):
    broken = tmp_path / "devices.yaml"
    broken.write_text("spec: '9.0'\ndevices: {}\n")
    session = ScpiSession("psu", VisaInstrument(address=NOWHERE, backend=f"{broken}@sim"))
    with pytest.raises(RigError, match=r"^psu: open: "):
        session.open()


def test_the_jammer_puts_an_unmodulated_carrier_on_the_channel(generator):
    assert generator.session.identity == "BENCHSIM,SG-6000,SIM000201,2.3.1"
    assert generator.session.query("OUTP?") == "OFF"
    generator.jam(channel_frequency_mhz=922.5, power_dbm=-20)
    assert generator.session.query_float("FREQ?") == pytest.approx(922.5e6)
    assert generator.session.query_float("POW?") == pytest.approx(-20)
    assert generator.session.query("OUTP:MOD?") == "OFF"
    assert generator.session.query("OUTP?") == "ON"
    generator.jam(channel_frequency_mhz=927.9, power_dbm=-30.5)
    assert generator.session.query_float("FREQ?") == pytest.approx(927.9e6)
    generator.stop()
    assert generator.session.query("OUTP?") == "OFF"


def test_the_jammer_refuses_more_power_than_the_rig_allows(generator):
    with pytest.raises(RigError, match=r"jammer: POW 5.00: above the rig's max_power_dbm 0.0"):
        generator.jam(channel_frequency_mhz=922.5, power_dbm=5)
    assert generator.session.query("OUTP?") == "OFF"


def test_power_the_generator_cannot_make_is_a_rig_error_from_its_error_queue():
    with ScpiSignalGenerator("sg", instrument(SIM_GENERATOR), max_power_dbm=30) as driver:
        with pytest.raises(RigError) as excinfo:
            driver.jam(channel_frequency_mhz=922.5, power_dbm=25)  # the emulated one stops at +18 dBm
        assert excinfo.value.command == "POW 25.00"
        assert "-100" in excinfo.value.problem
        assert driver.session.query("OUTP?") == "OFF"  # the carrier was never switched on


def test_closing_the_jammer_switches_its_carrier_off():
    driver = ScpiSignalGenerator("jammer", instrument(SIM_GENERATOR), max_power_dbm=0)
    driver.jam(channel_frequency_mhz=923.1, power_dbm=-40)
    driver.close()
    with ScpiSession("jammer", instrument(SIM_GENERATOR)) as session:
        assert session.query("OUTP?") == "OFF"


def test_a_pulsed_jammer_is_the_carrier_under_internal_pulse_modulation(generator):
    generator.jam(channel_frequency_mhz=923.5, power_dbm=-10, duty=0.3)
    session = generator.session
    assert session.query("OUTP?") == "ON" and session.query("OUTP:MOD?") == "ON"
    assert session.query("PULM:STAT?") == "ON" and session.query("PULM:SOUR?") == "INT"
    assert session.query("PULM:SOUR:INT?") == "FRUN"
    period, width = session.query_float("PULM:INT:PER?"), session.query_float("PULM:INT:PWID?")
    assert width / period == pytest.approx(0.3)
    # Back to a steady carrier: the modulation goes off with it.
    generator.jam(channel_frequency_mhz=923.5, power_dbm=-10)
    assert session.query("PULM:STAT?") == "OFF" and session.query("OUTP:MOD?") == "OFF"
    assert session.query("OUTP?") == "ON"


@pytest.mark.parametrize("duty", [0.0, -0.5, 1.5])
def test_a_duty_outside_0_to_1_is_refused_before_anything_is_sent(generator, duty):
    with pytest.raises(RigError, match=r"jammer: PULM:INT:PWID: a duty of .* is not within \(0, 1\]"):
        generator.jam(channel_frequency_mhz=922.5, power_dbm=-20, duty=duty)
    assert generator.session.query("OUTP?") == "OFF"
