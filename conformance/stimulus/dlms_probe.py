"""A Get the HES sends for an object outside the terminal's declared object model.

The SM system's own requests name only the objects of the operator's model
(``conformance/protocols/dlms/profile.py``); a terminal must also answer one for an object it
does not hold, with the Data-Access-Result the standard gives for it (IEC 62056-5-3, the
GET service: a Get-Response-Normal carries either the Data or a Data-Access-Result;
``object-undefined`` (4) when the instance is not in the server's object list). The probe
asks for an energy register a terminal of an active-energy meter does not carry: a reactive
or apparent energy of IEC 62056-6-1 (value group C 3 to 10, D = 8 time integral 1), the
seed choosing which, so each run asks another and a failure replays.
"""

from __future__ import annotations

import dataclasses
import random

from conformance.protocols.dlms import VALUE_ATTRIBUTE, CosemAttribute, InterfaceClass, ObjectModel
from conformance.protocols.errors import BenchUsageError

# IEC 62056-6-1 value group C: 3/4 reactive energy Q+/Q-, 5-8 the reactive quadrants,
# 9/10 apparent energy S+/S-; none is an object of the IoT-route model.
_OTHER_ENERGIES = range(3, 11)


def object_outside(model: ObjectModel, rng: random.Random) -> CosemAttribute:
    """A register's value attribute whose OBIS code the model does not hold."""
    fields = (getattr(model, field.name) for field in dataclasses.fields(model))
    held = {field.obis for field in fields if isinstance(field, CosemAttribute)}
    candidates = [obis for c in _OTHER_ENERGIES if (obis := f"1.0.{c}.8.0.255") not in held]
    if not candidates:  # the probe's choice is wrong for this model, not the terminal
        raise BenchUsageError(f"the object model {model.name!r} holds every energy register the probe knows")
    return CosemAttribute(InterfaceClass.REGISTER, rng.choice(candidates), VALUE_ATTRIBUTE)
