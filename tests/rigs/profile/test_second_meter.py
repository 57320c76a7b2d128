"""A second smart meter on a rig (issue 13): the route places it on the rig's second module
(role ``second-meter-radio``), as the twin places its second meter (channel, PAN ID), and
says exactly what a rig without one, or a third meter, lacks.

Fast tests on fakes of the modules; ``test_second_meter_rig.py`` runs the scenario that
needs it on the emulated full rig.
"""

from __future__ import annotations

import pytest

from conformance.errors import NotApplicable
from conformance.interfaces import MeterSetup
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols import sixlowpan
from conformance.protocols import skstack as sk
from rigs.drivers.skstackradio import Observation
from rigs.profile.clock import RigClock
from rigs.profile.route import (
    FIRST_CHANNEL,
    FIRST_PAN_ID,
    SECOND_CHANNEL,
    SECOND_PAN_ID,
    HilIotRoute,
    RadioRegistry,
)
from tests.rigs.profile.test_sides import TERMINAL, FakeRadio, Info, Tending

SECOND_MODULE = bytes.fromhex("001D1290123456AA")
FIRST_KEY, SECOND_KEY = bytes(16), bytes(range(16))
RBID = "0" * 24 + "IOT00901"


class SecondFakeRadio(FakeRadio):
    def info(self) -> Info:
        return Info(addr64=SECOND_MODULE)


def two_modules() -> tuple[HilIotRoute, FakeRadio, FakeRadio]:
    first, second = FakeRadio(), SecondFakeRadio(resource="meter2 on /dev/null")
    registry = RadioRegistry(first)  # type: ignore[arg-type]
    route = HilIotRoute(
        radio=first,  # type: ignore[arg-type]
        clock=RigClock(),
        registry=registry,
        tend=Tending(),
        group_keys=(FIRST_KEY,),
        second_radio=second,  # type: ignore[arg-type]
        second_keys=(SECOND_KEY,),
    )
    registry.register(RBID, "secret password 1")
    return route, first, second


def test_the_second_meter_is_the_second_module_on_the_twins_second_channel_and_pan():
    route, first, second = two_modules()
    route.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    route.add_meter(MeterSetup(name="SM-2", pairing_id="IOT99902"))
    [(_, as_first, _)] = [call for call in first.calls if call[0] == "configure_coordinator"]
    [(_, as_second, _)] = [call for call in second.calls if call[0] == "configure_coordinator"]
    assert as_first == (FIRST_CHANNEL, FIRST_PAN_ID, "IOT00901")
    assert as_second == (SECOND_CHANNEL, SECOND_PAN_ID, "IOT99902")
    assert ("start",) in second.calls
    # The same terminals are registered with both modules, each a PAA.
    assert ("register_terminal", RBID) in first.calls and ("register_terminal", RBID) in second.calls
    assert route.meter_address("SM-2") == SECOND_MODULE
    assert route.address_book()[SECOND_MODULE] == "SM-2"
    assert set(route.meters) == {"SM-1", "SM-2"}


def test_each_meter_has_its_own_group_keys_and_all_are_secrets():
    route, _, _ = two_modules()
    route.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    route.add_meter(MeterSetup(name="SM-2", pairing_id="IOT99902"))
    assert route.issued_keys("SM-1") == [FIRST_KEY]
    assert route.issued_keys("SM-2") == [SECOND_KEY]
    assert route.issued_keys() == [FIRST_KEY, SECOND_KEY]
    assert SECOND_KEY.hex() in route.secrets() and FIRST_KEY.hex() in route.secrets()


def test_what_the_second_module_reports_is_the_second_meters_event():
    route, _, _ = two_modules()
    route.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    route.add_meter(MeterSetup(name="SM-2", pairing_id="IOT99902"))
    sender = sixlowpan.link_local_from_eui64(TERMINAL)
    route.observe_second(Observation(0.0, sk.Event(number=sk.EventNumber.PANA_DONE, sender=sender)))
    route.observe_second(
        Observation(
            0.1,
            sk.UdpReceived(
                sender=sender,
                dest=sixlowpan.link_local_from_eui64(SECOND_MODULE),
                rport=4059,
                lport=4059,
                sender_lla=TERMINAL,
                secured=True,
                data=b"\x00",
            ),
        )
    )
    [joined] = [e for e in route.events if isinstance(e, TerminalAuthenticated)]
    assert (joined.meter, joined.terminal) == ("SM-2", TERMINAL)
    assert "secured datagram" in route.join_evidence()


def test_a_rig_without_the_role_or_a_third_meter_says_what_is_missing():
    route, _, _ = two_modules()
    route.add_meter(MeterSetup(name="SM-A", pairing_id="IOT00901"))
    with pytest.raises(NotApplicable, match=r"second smart meter's link to -55 dBm.*role attenuator"):
        route.add_meter(MeterSetup(name="SM-B", pairing_id="IOT00901", rssi_dbm=-55.0))
    route.add_meter(MeterSetup(name="SM-B", pairing_id="IOT00901"))
    with pytest.raises(NotApplicable, match=r"play SM-A and SM-B; SM-C would need a third"):
        route.add_meter(MeterSetup(name="SM-C", pairing_id="IOT99901"))
    with pytest.raises(NotApplicable, match=r"injector and signal generator serve the first module's"):
        route.jam("SM-B")
    lone = FakeRadio()
    alone = HilIotRoute(radio=lone, clock=RigClock(), registry=RadioRegistry(lone), tend=Tending())  # type: ignore[arg-type]
    alone.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    with pytest.raises(NotApplicable, match=r"SM-2 would need a second module \(role second-meter-radio\)"):
        alone.add_meter(MeterSetup(name="SM-2", pairing_id="IOT99902"))
