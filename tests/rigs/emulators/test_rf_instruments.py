"""The emulated rig's signal generator and attenuator: the bench's SCPI drivers reach them
over pyvisa-py as over a LAN instrument, and the twins' radio medium follows what they are
set to (rigs/emulators/rf_instruments.py)."""

from __future__ import annotations

import pytest

from conformance.sim.radio import channel_frequency_mhz
from rigs.drivers.scpiattenuator import ScpiAttenuator
from rigs.drivers.scpisession import ScpiSession
from rigs.drivers.scpisignalgenerator import ScpiSignalGenerator
from rigs.emulators.rf_instruments import CAPTURE_MARGIN_DB, channel_at
from rigs.resources import VisaInstrument
from tests.rigs.endpoints import rf_instruments


def socket_instrument(port: int) -> VisaInstrument:
    return VisaInstrument(address=f"TCPIP::127.0.0.1::{port}::SOCKET", backend="@py", timeout_ms=1000)


def test_a_steady_carrier_on_a_channel_jams_it_and_switching_it_off_frees_it():
    with (
        rf_instruments() as rf,
        ScpiSignalGenerator("jammer", socket_instrument(rf.generator.port), max_power_dbm=0) as driver,
    ):
        driver.jam(channel_frequency_mhz(40), power_dbm=0)
        assert rf.generator.jammed == (40, 1.0)
        assert rf.medium._jammed == {40: 1.0}
        driver.jam(channel_frequency_mhz(45), power_dbm=0)  # moved: the old channel is free
        assert rf.medium._jammed == {45: 1.0}
        driver.stop()
        assert rf.generator.jammed is None and rf.medium._jammed == {}


def test_a_pulsed_carrier_destroys_its_duty_of_the_frames():
    with rf_instruments() as rf:
        with ScpiSignalGenerator("jammer", socket_instrument(rf.generator.port), max_power_dbm=0) as driver:
            driver.jam(channel_frequency_mhz(33), power_dbm=-5, duty=0.3)
            assert rf.generator.jammed == (33, pytest.approx(0.3))
        # Closing the driver switches the carrier off, and the channel is free again.
        assert rf.medium._jammed == {}


def test_a_carrier_off_the_channels_or_too_weak_to_matter_jams_nothing():
    with (
        rf_instruments(wanted_rssi_dbm=-60) as rf,
        ScpiSession("jammer", socket_instrument(rf.generator.port)) as session,
    ):
        session.write("FREQ 922550000")  # 50 kHz above channel 33's centre
        session.write("POW -20")
        session.write("OUTP ON")
        assert rf.generator.jammed == (33, 1.0)  # within half a channel of 33's centre
        session.write("FREQ 915000000")  # outside the band
        assert rf.generator.jammed is None
        session.write(f"FREQ {round(channel_frequency_mhz(50) * 1e6)}")
        session.write(f"POW {-60 - CAPTURE_MARGIN_DB - 1:.1f}")  # captured under the meter's frames
        assert rf.generator.jammed is None
        session.write(f"POW {-60 - CAPTURE_MARGIN_DB:.1f}")
        assert rf.generator.jammed == (50, 1.0)


def test_an_unknown_command_or_a_value_out_of_range_goes_to_the_error_queue():
    with rf_instruments() as rf, ScpiSession("jammer", socket_instrument(rf.generator.port)) as session:
        with pytest.raises(Exception, match="-100"):
            session.write("POW 25")
        with pytest.raises(Exception, match="-100"):
            session.write("SOUR:AM:STAT ON")
        assert session.query("POW?") == "-110.00"


def test_the_attenuator_sets_the_level_the_terminal_hears_the_meter_at():
    with (
        rf_instruments() as rf,
        ScpiAttenuator(
            "atten", socket_instrument(rf.attenuator.port), step_db=1, max_db=110, rssi_at_0_db_dbm=-40
        ) as driver,
    ):
        assert driver.attenuation_db() == pytest.approx(20)  # the emulator starts at -60 dBm
        assert driver.set_rssi_dbm(-75) == pytest.approx(-75)
        assert rf.levels == [pytest.approx(-75)]
        with pytest.raises(Exception, match="-222"):
            driver.session.write("ATT:BANK1:X 130")
        assert rf.levels == [pytest.approx(-75)]


def test_channel_centres_are_found_within_half_a_channel():
    assert channel_at(922.5e6) == 33 and channel_at(927.9e6) == 60
    assert channel_at(923.3e6) == 37 and channel_at(922.3e6) is None
