"""The rig file's second smart meter (role ``second-meter-radio``, issue 13): the emulated
full rig binds it, it is validated like the first module's entry, and a mistake in it is
one error naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.yamlfile import DocumentError
from rigs.drivers.skstackradio import SkStackRadio
from rigs.protocols import SmartMeterRadioProtocol
from rigs.rigfile import load_rig
from rigs.roles import ROLES, SecondMeterRadioEntry, WisunRadioEntry

FULL_RIG = Path(__file__).parents[2] / "rigs" / "emulators" / "full-rig.yaml"
SECOND_KEY = "00112233445566778899aabbccddeeff"
ENVIRONMENT = {
    "IOTROUTE_RIG_RADIO": "/dev/pts/7",
    "IOTROUTE_RIG_SECOND_RADIO": "/dev/pts/8",
    "IOTROUTE_RIG_MAINTENANCE": "/dev/pts/9",
    "IOTROUTE_RIG_POWER_SUPPLY_PORT": "5024",
    "IOTROUTE_RIG_SIGNAL_GENERATOR_PORT": "5025",
    "IOTROUTE_RIG_ATTENUATOR_PORT": "5026",
    "IOTROUTE_RIG_DIGITAL_IO_PORT": "5020",
    "IOTROUTE_RIG_SNIFFER_PIPE": "/tmp/sniffer.pcap",
    "IOTROUTE_RIG_GROUP_KEY": "ffeeddccbbaa99887766554433221100",
    "IOTROUTE_RIG_SECOND_GROUP_KEY": SECOND_KEY,
    "IOTROUTE_RIG_INJECTOR_PORT": "17754",
}
ENTRY = """  meter2:
    role: second-meter-radio
    serial:
      port: ${IOTROUTE_RIG_SECOND_RADIO}
      baudrate: 115200
      timeout_s: 2
    echo: false
    group_keys:
      - ${IOTROUTE_RIG_SECOND_GROUP_KEY}
"""


@pytest.fixture(autouse=True)
def _emulator_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def test_the_full_rig_binds_a_second_module_as_a_second_smart_meter():
    rig = load_rig(FULL_RIG)
    name, entry = rig.find("second-meter-radio")
    assert name == "meter2" and isinstance(entry, SecondMeterRadioEntry)
    assert isinstance(entry, WisunRadioEntry)  # the first module's options, checked alike
    assert entry.serial.port == "/dev/pts/8" and entry.keys() == [bytes.fromhex(SECOND_KEY)]
    assert SECOND_KEY not in repr(entry)  # a secret
    row = ROLES["second-meter-radio"]
    assert (row.provides, row.driver) == (SmartMeterRadioProtocol, SkStackRadio)
    assert rig.find("wisun-radio")[0] == "radio"


SECOND_MISTAKES = [
    pytest.param(
        "    serial:\n      port: ${IOTROUTE_RIG_SECOND_RADIO}\n      baudrate: 115200\n      timeout_s: 2\n",
        "    visa:\n      address: ASRL8::INSTR\n",
        "resources.meter2.visa",
        "address: ASRL8",  # where the mapping under visa begins
        "role second-meter-radio takes a serial resource, not visa",
        id="an instrument in its place",
    ),
    pytest.param(
        "${IOTROUTE_RIG_SECOND_RADIO}",
        "${IOTROUTE_RIG_RADIO}",
        "resources.meter2.serial.port",
        "port: ${IOTROUTE_RIG_RADIO}\n      baudrate: 115200\n      timeout_s: 2\n    echo: false\n    group",
        "/dev/pts/7 is already used by radio",
        id="the first module's port",
    ),
    pytest.param(
        "      - ${IOTROUTE_RIG_SECOND_GROUP_KEY}\n",
        "      - 00112233zz\n",
        "resources.meter2.group_keys.0",
        "- 00112233zz",
        "a group key is 32 hex digits (AES-128)",
        id="a short group key",
    ),
    pytest.param(
        "    echo: false\n    group_keys:",
        "    echo: false\n    rssi_dbm: -70\n    group_keys:",
        "resources.meter2.rssi_dbm",
        "rssi_dbm: -70",
        "Extra inputs are not permitted",
        id="an option the role does not have",
    ),
    pytest.param(
        "    echo: false\n    group_keys:",
        "    model: BP35A1\n    rssi_column: true\n    echo: false\n    group_keys:",
        "resources.meter2.rssi_column",
        "rssi_column: true\n    echo: false\n    group_keys",
        "BP35A1 has no register SA2",
        id="the first module's checks",
    ),
    pytest.param(
        "  maintenance:\n",
        ENTRY.replace("meter2", "meter3").replace("SECOND_RADIO", "MAINTENANCE") + "\n  maintenance:\n",
        "resources.meter3.role",
        "role: second-meter-radio\n    serial:\n      port: ${IOTROUTE_RIG_MAINTENANCE}",
        "role second-meter-radio is already played by meter2; a rig has one",
        id="a third module",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "at", "message"), SECOND_MISTAKES)
def test_a_broken_second_meter_entry_is_one_error_naming_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, at: str, message: str
):
    text = FULL_RIG.read_text()
    assert ENTRY in text and old in text
    broken = text.replace(old, new, 1)
    copy = tmp_path / "full-rig.yaml"
    copy.write_text(broken)
    line = broken[: broken.index(at)].count("\n") + 1
    with pytest.raises(DocumentError) as raised:
        load_rig(copy)
    error = raised.value
    assert (error.path, error.line, error.field) == (copy, line, field), str(error)
    assert message in str(error)
    assert SECOND_KEY not in str(error)
