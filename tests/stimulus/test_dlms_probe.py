"""The probe's object lies outside the model it is drawn for, for every model the bench ships."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from conformance.ics import OTHER_OPERATOR_OBJECT_MODEL, load_object_model
from conformance.protocols import dlms
from conformance.protocols.errors import BenchUsageError
from conformance.stimulus.dlms_probe import object_outside


def _held(model: dlms.ObjectModel) -> set[str]:
    fields = (getattr(model, name) for name in model.__dataclass_fields__)
    return {field.obis for field in fields if isinstance(field, dlms.CosemAttribute)}


@pytest.mark.parametrize(
    "model", [dlms.DEFAULT_MODEL, load_object_model(OTHER_OPERATOR_OBJECT_MODEL)], ids=str
)
def test_the_probe_names_no_object_of_the_model(model: dlms.ObjectModel) -> None:
    drawn = {object_outside(model, random.Random(seed)) for seed in range(40)}
    assert len(drawn) > 1  # the seed chooses
    for attribute in drawn:
        assert attribute.obis not in _held(model)
        assert (attribute.class_id, attribute.attribute) == (
            dlms.InterfaceClass.REGISTER,
            dlms.VALUE_ATTRIBUTE,
        )
        request = dlms.GetRequest(invoke_id=1, attribute=attribute)
        assert dlms.decode(dlms.encode(request)) == request


def test_a_model_holding_every_energy_register_is_the_benchs_mistake() -> None:
    model = dlms.DEFAULT_MODEL
    singles = (
        "clock",
        "meter_id",
        "terminal_id",
        "import_energy",
        "export_energy",
        "upload_interval",
        "auth_password",
    )
    moved = {
        name: replace(getattr(model, name), obis=f"1.0.{c}.8.0.255") for c, name in enumerate(singles, 3)
    }
    for name in ("profile_buffer", "capture_period"):  # one profile object, two attributes
        moved[name] = replace(getattr(model, name), obis="1.0.10.8.0.255")
    with pytest.raises(BenchUsageError):
        object_outside(replace(model, **moved), random.Random(0))
