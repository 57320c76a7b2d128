"""The rig file: the examples load, and each kind of mistake is one error naming the file,
the line and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.yamlfile import DocumentError
from rigs.resources import ModbusRtu, ModbusTcp
from rigs.rigfile import kind_of, load_rig
from rigs.roles import DigitalIoEntry, PowerSupplyEntry, SignalGeneratorEntry, WisunRadioEntry

RIGS = Path(__file__).parents[2] / "rigs"
EMULATED = RIGS / "emulators" / "rig.yaml"
DESK = RIGS / "examples" / "desk-rig.yaml"
ENVIRONMENT = {
    "IOTROUTE_RIG_RADIO": "/dev/pts/7",
    "IOTROUTE_RIG_MAINTENANCE": "socket://127.0.0.1:7001",
    "IOTROUTE_RIG_DIGITAL_IO_PORT": "5020",
    "IOTROUTE_RIG_SIGNAL_GENERATOR_PORT": "5025",
    "IOTROUTE_RIG_ATTENUATOR_PORT": "5026",
}

SECOND_SUPPLY = """
  psu2:
    role: power-supply
    visa:
      address: TCPIP0::192.168.10.31::inst0::INSTR
      backend: instruments.yaml@sim
    voltage_v: 3.0
    current_limit_a: 0.2
"""


@pytest.fixture(autouse=True)
def _emulator_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def rig_copy(tmp_path: Path) -> Path:
    """The emulated rig and its pyvisa-sim devices in a folder of their own."""
    shutil.copy(EMULATED.parent / "instruments.yaml", tmp_path / "instruments.yaml")
    copy = tmp_path / "rig.yaml"
    copy.write_text(EMULATED.read_text())
    return copy


def test_the_emulated_rig_loads_with_the_emulators_ports_from_the_environment():
    rig = load_rig(EMULATED)
    assert rig.version == 1 and rig.rig.name == "emulated"
    name, radio = rig.find("wisun-radio")
    assert name == "radio" and isinstance(radio, WisunRadioEntry)
    assert radio.serial.port == "/dev/pts/7" and radio.serial.baudrate == 115200
    _, io = rig.find("digital-io")
    assert isinstance(io, DigitalIoEntry) and isinstance(io.modbus, ModbusTcp)
    assert (io.modbus.host, io.modbus.port, io.modbus.device_id) == ("127.0.0.1", 5020, 1)
    assert rig.find("meter-bus") is None
    assert {entry.role: kind_of(entry) for entry in rig.resources.values()} == {
        "wisun-radio": "serial",
        "maintenance-port": "serial",
        "power-supply": "visa",
        "signal-generator": "visa",
        "attenuator": "visa",
        "digital-io": "modbus",
        "home-lan": "network",
    }


def test_the_radio_s_options_are_left_to_the_module_unless_the_rig_file_names_them():
    _, radio = load_rig(EMULATED).find("wisun-radio")
    # One emulated rig file serves both layouts: EINFO and ROPT tell them at open.
    assert radio.driver_options() == {"model": None, "hex_data": None, "rssi_column": None, "echo": False}


@pytest.mark.parametrize(
    ("options", "driver"),
    [
        ({"model": "RL7023-DSS", "erxudp_format": "hex"}, {"model": "RL7023-DSS", "hex_data": True}),
        ({"model": "BP35A1", "erxudp_format": "binary"}, {"model": "BP35A1", "hex_data": False}),
        ({"rssi_column": False, "echo": True}, {"rssi_column": False, "echo": True}),
        # Without a model the family is unknown until EINFO; the driver writes SA2 only on C.
        ({"rssi_column": True}, {"model": None, "rssi_column": True}),
    ],
)
def test_the_radio_s_options_reach_the_driver_as_its_parameters(rig_copy: Path, options, driver):
    lines = "".join(
        f"    {key}: {str(value).lower() if isinstance(value, bool) else value}\n"
        for key, value in options.items()
    )
    rig_copy.write_text(rig_copy.read_text().replace("    echo: false\n", lines, 1))
    _, radio = load_rig(rig_copy).find("wisun-radio")
    assert driver.items() <= radio.driver_options().items()


def test_a_devices_file_next_to_the_rig_file_is_found_from_anywhere(rig_copy: Path, monkeypatch):
    monkeypatch.chdir("/")
    rig = load_rig(rig_copy)
    _, psu = rig.find("power-supply")
    assert isinstance(psu, PowerSupplyEntry)
    assert psu.visa.backend == f"{rig_copy.parent / 'instruments.yaml'}@sim"
    assert (psu.channel, psu.voltage_v, psu.current_limit_a) == (1, 3.6, 0.5)
    # The jammer is the emulator's own on loopback TCP (pyvisa-py): no devices file.
    _, jammer = rig.find("signal-generator")
    assert isinstance(jammer, SignalGeneratorEntry) and jammer.visa.devices_file is None
    assert jammer.visa.backend == "@py"


def test_the_desk_example_loads():
    rig = load_rig(DESK)
    _, radio = rig.find("wisun-radio")
    assert (radio.model, radio.erxudp_format, radio.rssi_column, radio.echo) == ("BP35C2", None, True, False)
    _, io = rig.find("digital-io")
    assert isinstance(io.modbus, ModbusRtu)
    assert (io.modbus.serial_port, io.modbus.baudrate, io.modbus.parity, io.modbus.stopbits) == (
        "/dev/ttyUSB2",
        9600,
        "N",
        1,
    )
    _, psu = rig.find("power-supply")
    assert psu.visa.backend == "@py"
    assert str(rig.find("home-lan")[1].network.address) == "192.168.0.10"


def test_an_address_may_take_part_of_its_text_from_the_environment(rig_copy: Path, monkeypatch):
    monkeypatch.setenv("RADIO_TCP_PORT", "7002")
    rig_copy.write_text(
        rig_copy.read_text().replace("${IOTROUTE_RIG_RADIO}", "socket://127.0.0.1:${RADIO_TCP_PORT}")
    )
    assert load_rig(rig_copy).resources["radio"].serial.port == "socket://127.0.0.1:7002"


def test_a_variable_may_have_a_default_as_in_sh_and_the_home_lan_takes_its_addresses_so(monkeypatch):
    home = load_rig(EMULATED).resources["home"]
    assert (str(home.network.address), str(home.rogue_address)) == ("127.0.0.1", "127.0.0.9")
    monkeypatch.setenv("IOTROUTE_RIG_HOME_ADDRESS", "127.41.7.1")
    monkeypatch.setenv("IOTROUTE_RIG_ROGUE_ADDRESS", "127.41.7.9")
    home = load_rig(EMULATED).resources["home"]
    assert (str(home.network.address), str(home.rogue_address)) == ("127.41.7.1", "127.41.7.9")
    monkeypatch.setenv("IOTROUTE_RIG_HOME_ADDRESS", "")  # empty is unset, as ${NAME:-default} says
    assert str(load_rig(EMULATED).resources["home"].network.address) == "127.0.0.1"


# (what to replace, by what, where the error must point: the field and a text at its line, the message)
MISTAKES = [
    pytest.param(
        "    channel: 1\n",
        "    channel: 1\n    chanel: 2\n",
        "resources.psu.chanel",
        "chanel: 2",
        "Extra inputs are not permitted",
        id="unknown field",
    ),
    pytest.param(
        "    voltage_v: 3.6\n",
        "",
        "resources.psu.voltage_v",
        "role: power-supply",
        "Field required",
        id="missing field",
    ),
    pytest.param(
        "  home:\n",
        SECOND_SUPPLY.lstrip("\n") + "  home:\n",
        "resources.psu2.role",
        "role: power-supply\n    visa:\n      address: TCPIP0::192.168.10.31",
        "role power-supply is already played by psu; a rig has one",
        id="role given twice",
    ),
    pytest.param(
        "    visa:\n      address: USB0::0x0000::0x3020::SIM000101::INSTR\n"
        "      backend: instruments.yaml@sim\n      timeout_ms: 1000\n",
        "    serial:\n      port: /dev/ttyUSB5\n      baudrate: 9600\n",
        "resources.psu.serial",
        "port: /dev/ttyUSB5",
        "role power-supply takes a visa resource, not serial",
        id="power supply on a serial port",
    ),
    pytest.param(
        "    voltage_v: 3.6\n",
        "    voltag_v: 3.6\n",
        "resources.psu.voltag_v",
        "voltag_v: 3.6",
        "Extra inputs are not permitted",
        id="misspelt field",
    ),
    pytest.param(
        "    role: signal-generator\n",
        "    role: jammer\n",
        "resources.jammer.role",
        "role: jammer",
        "Input should be 'wisun-radio', 'maintenance-port'",
        id="unknown role",
    ),
    pytest.param(
        "version: 1\n", "version: 2\n", "version", "version: 2", "Input should be 1", id="unknown version"
    ),
    pytest.param(
        "${IOTROUTE_RIG_MAINTENANCE}",
        "${IOTROUTE_RIG_MAINTENANCE_PTY}",
        "resources.maintenance.serial.port",
        "${IOTROUTE_RIG_MAINTENANCE_PTY}",
        "environment variable IOTROUTE_RIG_MAINTENANCE_PTY is not set",
        id="unset environment variable",
    ),
    pytest.param(
        "address: USB0::0x0000::0x3020::SIM000101::INSTR",
        "address: USB0:0x0000::SIM000101",
        "resources.psu.visa.address",
        "address: USB0:0x0000::SIM000101",
        "is not a VISA resource name",
        id="bad VISA address",
    ),
    pytest.param(
        "      address: USB0::0x0000::0x3020::SIM000101::INSTR\n      backend: instruments.yaml@sim\n",
        '      address: USB0::0x0000::0x3020::SIM000101::INSTR\n      backend: "@ni"\n',
        "resources.psu.visa.backend",
        'backend: "@ni"',
        'must be "@py", "@ivi", "@sim" or "DEVICES.yaml@sim"',
        id="unknown VISA backend",
    ),
    pytest.param(
        "      address: USB0::0x0000::0x3020::SIM000101::INSTR\n      backend: instruments.yaml@sim\n",
        "      address: USB0::0x0000::0x3020::SIM000101::INSTR\n      backend: generators.yaml@sim\n",
        "resources.psu.visa.backend",
        "backend: generators.yaml@sim",
        "generators.yaml does not exist",
        id="missing pyvisa-sim devices file",
    ),
    pytest.param(
        "      transport: tcp\n",
        "      transport: udp\n",
        "resources.io.modbus.transport",
        "transport: udp",
        "Input should be 'tcp' or 'rtu'",
        id="unknown Modbus transport",
    ),
    pytest.param(
        "      device_id: 1\n      timeout_s: 1\n",
        "      device_id: 1\n      timeout_s: 1\n      baudrate: 9600\n",
        "resources.io.modbus.baudrate",
        "baudrate: 9600",
        "Extra inputs are not permitted",
        id="serial option on Modbus TCP",
    ),
    pytest.param(
        "    power_relay: 0\n    led_input: 0\n",
        "",
        "resources.io",
        "role: digital-io",
        "resources.io: needs power_relay, led_input or both",
        id="I/O module wired to nothing",
    ),
    pytest.param(
        "${IOTROUTE_RIG_MAINTENANCE}",
        "${IOTROUTE_RIG_RADIO}",
        "resources.maintenance.serial.port",
        "${IOTROUTE_RIG_RADIO}\n      baudrate: 115200\n      timeout_s: 2\n\n  psu:",
        "/dev/pts/7 is already used by radio",
        id="two roles on one port",
    ),
    pytest.param(
        "${IOTROUTE_RIG_RADIO}",
        "ttyUSB0",
        "resources.radio.serial.port",
        "port: ttyUSB0",
        "resources.radio.serial.port: must be a device path (/dev/ttyUSB0), COMn or a URL",
        id="relative serial device",
    ),
    pytest.param(
        "    voltage_v: 3.6\n",
        "    voltage_v: -3.6\n",
        "resources.psu.voltage_v",
        "voltage_v: -3.6",
        "Input should be greater than 0",
        id="value out of range",
    ),
    pytest.param(
        "  home:\n",
        "  bad name:\n    role: home-lan\n    network: {interface: lo, address: 127.0.0.2}\n  home:\n",
        "resources.bad name.[key]",
        "role: home-lan\n    network: {interface: lo, address: 127.0.0.2}",
        "String should match pattern",
        id="resource name with a space",
    ),
]


RADIO_OPTIONS = "    echo: false\n"

MISTAKES += [
    pytest.param(
        RADIO_OPTIONS,
        "    model: BP35B1\n" + RADIO_OPTIONS,
        "resources.radio.model",
        "model: BP35B1",
        "Input should be 'BP35A1', 'RL7023-IPS', 'BP35C0', 'BP35C2' or 'RL7023-DSS'",
        id="unknown radio model",
    ),
    pytest.param(
        RADIO_OPTIONS,
        "    erxudp_format: ascii\n" + RADIO_OPTIONS,
        "resources.radio.erxudp_format",
        "erxudp_format: ascii",
        "Input should be 'hex' or 'binary'",
        id="unknown ERXUDP data format",
    ),
    pytest.param(
        RADIO_OPTIONS,
        "    model: BP35A1\n    rssi_column: true\n" + RADIO_OPTIONS,
        "resources.radio.rssi_column",
        "    rssi_column: true\n    echo",  # not the commented example above it
        "BP35A1 has no register SA2: the RSSI column is an option of the C family",
        id="RSSI column on an A1-family module",
    ),
    pytest.param(
        RADIO_OPTIONS,
        "    echo: maybe\n",
        "resources.radio.echo",
        "echo: maybe",
        "Input should be a valid boolean",
        id="echo not a boolean",
    ),
    pytest.param(
        RADIO_OPTIONS,
        "    hex_data: true\n" + RADIO_OPTIONS,
        "resources.radio.hex_data",
        "hex_data: true",
        "Extra inputs are not permitted",
        id="the driver's parameter name in the rig file",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "at", "message"), MISTAKES)
def test_a_mistake_in_a_rig_file_is_one_error_naming_file_line_and_field(
    rig_copy: Path, old: str, new: str, field: str, at: str, message: str
):
    text = rig_copy.read_text()
    assert old in text
    broken = text.replace(old, new, 1)
    rig_copy.write_text(broken)
    line = broken[: broken.index(at)].count("\n") + 1
    with pytest.raises(DocumentError) as excinfo:
        load_rig(rig_copy)
    error = excinfo.value
    assert (error.path, error.line, error.field) == (rig_copy, line, field)
    assert message in str(error)
    assert str(error).startswith(f"{rig_copy}:{line}: {field}: ")
    assert "\n" not in str(error)


def test_a_rig_without_resources_is_refused(tmp_path: Path):
    empty = tmp_path / "rig.yaml"
    empty.write_text("version: 1\nrig: {name: bare}\nresources: {}\n")
    with pytest.raises(DocumentError, match=r"rig.yaml:3: resources: Dictionary should have at least 1 item"):
        load_rig(empty)


def test_a_missing_rig_file_is_refused(tmp_path: Path):
    with pytest.raises(DocumentError, match=r"\(file\): cannot be read"):
        load_rig(tmp_path / "absent.yaml")
