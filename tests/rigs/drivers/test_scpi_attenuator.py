"""The programmable attenuator's driver against the pyvisa-sim attenuator of the emulated
rig (rigs/emulators/instruments.yaml: a Keysight 11713C-style ATT:BANK1:X, 0-110 dB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs import RigError
from rigs.drivers.scpiattenuator import ScpiAttenuator
from rigs.protocols import AttenuatorProtocol
from rigs.resources import VisaInstrument

EMULATED = Path(__file__).parents[3] / "rigs" / "emulators"
BACKEND = f"{EMULATED / 'instruments.yaml'}@sim"
ADDRESS = "TCPIP0::192.168.10.23::inst0::INSTR"


def attenuator(**options) -> ScpiAttenuator:
    instrument = VisaInstrument(address=ADDRESS, backend=BACKEND, timeout_ms=1000)
    return ScpiAttenuator("atten", instrument, **{"step_db": 10.0, "max_db": 110.0, **options})


def test_it_implements_the_protocol_and_identifies_itself():
    with attenuator(rssi_at_0_db_dbm=-30) as driver:
        assert isinstance(driver, AttenuatorProtocol)
        assert driver.session.identity == "BENCHSIM,AT-11713,SIM000301,1.0.2"


def test_a_chosen_rssi_becomes_the_nearest_step_of_attenuation():
    with attenuator(rssi_at_0_db_dbm=-30) as driver:
        assert driver.set_rssi_dbm(-50) == pytest.approx(-50)
        assert driver.session.query_float("ATT:BANK1:X?") == pytest.approx(20)
        # -74 dBm needs 44 dB; the 10 dB steps make 40 dB: -70 dBm, and the driver says so.
        assert driver.set_rssi_dbm(-74) == pytest.approx(-70)
        assert driver.attenuation_db() == pytest.approx(40)


def test_a_level_beyond_the_attenuator_is_refused_and_nothing_changes():
    with attenuator(rssi_at_0_db_dbm=-30) as driver:
        driver.set_attenuation_db(30)
        assert not driver.reaches(-20) and not driver.reaches(-150) and driver.reaches(-60)
        with pytest.raises(RigError, match=r"^atten: ATT:BANK1:X -10: outside the rig's 0..110 dB"):
            driver.set_rssi_dbm(-20)
        assert driver.attenuation_db() == pytest.approx(30)


def test_a_value_the_instrument_refuses_is_a_rig_error_from_its_error_queue():
    # The rig file allows more than the emulated attenuator takes: its error queue says so.
    with attenuator(rssi_at_0_db_dbm=-30, max_db=121) as driver:
        with pytest.raises(RigError) as excinfo:
            driver.set_attenuation_db(120)
        assert excinfo.value.command == "ATT:BANK1:X 120" and "-100" in excinfo.value.problem
