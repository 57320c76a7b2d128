"""The Modbus I/O module driver against a real pymodbus TCP server on loopback."""

from __future__ import annotations

import time

import pytest
from pymodbus.framer import FramerType

from rigs import RigError
from rigs.drivers.modbusio import ModbusIoModule
from rigs.protocols import DigitalIoProtocol
from rigs.resources import ModbusRtu, ModbusTcp
from tests.rigs.endpoints import modbus_io_server, mute_listener

TIMEOUT_S = 0.5


def unit(port: int, device_id: int = 1) -> ModbusTcp:
    return ModbusTcp(transport="tcp", host="127.0.0.1", port=port, device_id=device_id, timeout_s=TIMEOUT_S)


@pytest.fixture
def server():
    with modbus_io_server(device_id=1) as running:
        yield running


def test_the_module_implements_the_digital_io_protocol(server):
    assert isinstance(ModbusIoModule("io", unit(server.port)), DigitalIoProtocol)


def test_a_relay_is_a_coil_the_module_switches(server):
    with ModbusIoModule("io", unit(server.port), power_relay=3) as module:
        module.set_relay(3, True)
        assert server.coils[3] and not any(server.coils[:3] + server.coils[4:])
        assert module.read_relay(3)
        module.set_relay(3, False)
        assert not server.coils[3]
        assert not module.read_relay(3)


def test_an_input_is_a_discrete_input_the_module_reads(server):
    with ModbusIoModule("io", unit(server.port), led_input=5) as module:
        assert not module.read_input(5)
        server.inputs[5] = True
        assert module.read_input(5)
        assert not module.read_input(4)
        server.inputs[5] = False
        assert not module.read_input(5)


def test_an_address_the_module_lacks_is_a_rig_error_with_the_exception_code(server):
    with ModbusIoModule("io", unit(server.port)) as module, pytest.raises(RigError) as excinfo:
        module.set_relay(100, True)
    assert str(excinfo.value) == "io: write coil 100 on: unit 1 answered exception code 2"


def test_a_server_that_stops_mid_test_is_a_rig_error_within_the_timeout(server):
    module = ModbusIoModule("io", unit(server.port))
    module.set_relay(0, True)
    server.stop()
    for _ in range(2):  # the call that loses the connection, and the one that cannot reconnect
        started = time.monotonic()
        with pytest.raises(RigError) as excinfo:
            module.read_input(0)
        assert time.monotonic() - started < TIMEOUT_S + 1.0
        assert (excinfo.value.resource, excinfo.value.command) in {
            ("io", "read discrete input 0"),
            ("io", "connect"),
        }
    module.close()


def test_a_unit_that_never_answers_is_a_rig_error_within_the_timeout():
    with mute_listener() as port:
        module = ModbusIoModule("io", unit(port))
        started = time.monotonic()
        with pytest.raises(RigError) as excinfo:
            module.set_relay(0, True)
        elapsed = time.monotonic() - started
        module.close()
    assert TIMEOUT_S * 0.9 <= elapsed < TIMEOUT_S + 1.0, elapsed
    assert excinfo.value.command == "write coil 0 on"


def test_nothing_listening_is_a_rig_error_at_connect():
    with mute_listener() as port:
        pass  # the port is free again: nobody listens on it
    with pytest.raises(RigError, match=r"^io: connect: cannot reach tcp 127.0.0.1:\d+ unit 1$"):
        ModbusIoModule("io", unit(port)).open()


def test_an_rtu_unit_behind_a_serial_server_switches_and_reads_the_same():
    with modbus_io_server(device_id=7, framer=FramerType.RTU) as rtu_server:
        rtu = ModbusRtu(
            transport="rtu",
            serial_port=f"socket://127.0.0.1:{rtu_server.port}",
            baudrate=9600,
            device_id=7,
            timeout_s=TIMEOUT_S,
        )
        with ModbusIoModule("io", rtu) as module:
            module.set_relay(1, True)
            assert rtu_server.coils[1]
            rtu_server.inputs[2] = True
            assert module.read_input(2) and not module.read_input(1)


def test_an_rtu_unit_on_a_port_that_does_not_exist_is_a_rig_error_at_connect(tmp_path):
    rtu = ModbusRtu(transport="rtu", serial_port=str(tmp_path / "ttyUSB9"), baudrate=9600, device_id=1)
    with pytest.raises(RigError, match=r"^io: connect: cannot reach rtu .*ttyUSB9 9600 Bd 8E1 unit 1$"):
        ModbusIoModule("io", rtu).open()
