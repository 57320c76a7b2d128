"""An instrument's answer is a number only when IEEE 488.2 says it is one: ``NAN``,
``1e999``, a number of 10,000 digits or SCPI's 9.91E37 are refused at the driver, in a
short message that names the instrument (before: accepted, and a generic bench error later)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rigs import RigError
from rigs.drivers import scpisession
from rigs.drivers.scpisession import ScpiSession
from rigs.resources import VisaInstrument

BACKEND = f"{Path(__file__).with_name('babbling_instruments.yaml')}@sim"
ADDRESSES = {
    name: f"TCPIP0::10.0.0.{number}::inst0::INSTR"
    for number, name in enumerate(["nan", "inf", "long", "scpi-nan", "scpi-inf", "hex", "words"], start=1)
}


@pytest.mark.parametrize(
    ("device", "reason"),
    [
        ("nan", "'NAN', not a number"),
        ("inf", "'1e999', beyond any measurement"),
        ("long", "(10000 characters), not a number"),
        ("scpi-nan", "not a number (9.91E37): no measured value"),
        ("scpi-inf", "infinity (9.9E37): no measured value"),
        ("hex", "'#H1F', not a number"),
        ("words", "'about 0.1 A', not a number"),
    ],
)
def test_an_answer_that_is_no_measurement_is_refused_naming_the_instrument(device: str, reason: str) -> None:
    instrument = VisaInstrument(address=ADDRESSES[device], backend=BACKEND, timeout_ms=1000)
    with ScpiSession("bench-psu", instrument) as session, pytest.raises(RigError) as refused:
        session.query_float("MEAS:CURR?")
    message = str(refused.value)
    assert message.startswith("bench-psu: MEAS:CURR?: answered ")
    assert reason in message and len(message) < 200


@pytest.mark.parametrize("answer", ["12", "+1.200000E-04", "-0.5", ".5", "3.", "1e-3"])
def test_the_decimal_forms_of_ieee_488_2_are_numbers(answer: str) -> None:
    assert scpisession._DECIMAL.fullmatch(answer)
