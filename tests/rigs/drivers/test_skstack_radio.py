"""The SKSTACK-IP radio driver against the emulated module, a separate process on a real pty
or a loopback TCP port, with the terminal twin on the air behind it (wall-clock time).

The join test takes about 11 s: the twin boots for 2 s and scans the 28 channels for 8.4 s
before it authenticates, as it would on a rig.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from conformance.ics import load_declaration
from conformance.protocols import dlms
from conformance.protocols import skstack as sk
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.pana import PANA_PORT
from conformance.protocols.sixlowpan import link_local_from_eui64
from rigs import RigError
from rigs.drivers.skstackradio import SkStackRadio, probe

REPO = Path(__file__).resolve().parents[3]
DECLARATION = REPO / "conformance" / "declarations" / "reference-terminal.yaml"
START_TIMEOUT_S = 30.0
JOIN_LIMIT_S = 90.0  # THK-7-JOIN: authenticated within 90 s of power-on
CHANNEL, PAN_ID = 60, 0x1234


@contextlib.contextmanager
def emulator(*args: str) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """The emulator in its own process: (process, the port it serves, when it began serving)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rigs.emulators.skstack_module", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=START_TIMEOUT_S):
                pytest.fail(f"the emulator printed no port within {START_TIMEOUT_S} s")
        address = process.stdout.readline().strip()
        if not address:
            pytest.fail(f"the emulator exited: {process.stderr.read()}")
        yield process, address, time.monotonic()
    finally:
        process.kill()
        process.wait()


def is_event(number: int):
    return lambda event: isinstance(event, sk.Event) and event.number == number


def set_up_paa(radio: SkStackRadio) -> None:
    """What the HIL bench does with the radio before the terminal is powered: the smart
    meter's channel, PAN and Pairing ID, the terminal's credentials, the DLMS port, SKSTART."""
    credentials = load_declaration(DECLARATION).credentials
    radio.configure_coordinator(CHANNEL, PAN_ID, credentials.pairing_id)
    radio.register_terminal(credentials.authentication_id, credentials.password.get_secret_value())
    radio.open_udp_port(3, DLMS_PORT)
    radio.start()


def clock_request(invoke_id: int) -> bytes:
    """A DLMS GET of the clock (0.0.1.0.0.255, class 8, attribute 2) in the UDP wrapper."""
    get = dlms.GetRequest(
        invoke_id=invoke_id, attribute=dlms.CosemAttribute(class_id=8, obis=dlms.CLOCK, attribute=2)
    )
    return dlms.wrap(dlms.encode(get))


def test_the_terminal_twin_authenticates_against_the_emulated_paa_and_talks_secured() -> None:
    declaration = load_declaration(DECLARATION)
    terminal = link_local_from_eui64(declaration.identity.eui64)
    with (
        emulator("--pty", "--seed", "3") as (_, pty_port, started),
        emulator("--tcp", "0", "--dut", "omits-pairing-id") as (_, faulty_port, faulty_started),
        SkStackRadio(pty_port, timeout_s=5.0) as radio,
        SkStackRadio(faulty_port, timeout_s=5.0) as faulty,
    ):
        set_up_paa(radio)
        set_up_paa(faulty)

        joined = radio.wait_for(is_event(sk.EventNumber.PANA_DONE), JOIN_LIMIT_S)
        assert joined is not None, "the terminal twin never authenticated"
        assert joined.event.sender == terminal
        assert joined.time - started <= JOIN_LIMIT_S
        pana = [e for e in radio.events() if isinstance(e, sk.UdpReceived) and e.lport == PANA_PORT]
        assert pana, "PANA from the terminal is reported as ERXUDP on port 716"
        assert {e.sender_lla for e in pana} == {declaration.identity.eui64}
        assert not pana[0].secured  # the PCI goes in the clear: there is no key yet

        # The SM system's GET, secured: the terminal answers, and its answer is secured.
        since = radio.mark()
        assert radio.send_udp(terminal, DLMS_PORT, clock_request(7), secured=True, handle=3)
        answer = radio.wait_for(
            lambda e: isinstance(e, sk.UdpReceived) and e.lport == DLMS_PORT, 5.0, since=since
        )
        assert answer is not None, "no DLMS answer from the joined terminal"
        assert answer.event.secured
        response = dlms.decode(dlms.unwrap(answer.event.data).apdu)
        assert isinstance(response, dlms.GetResponse) and response.invoke_id == 7

        # The same GET in the clear: the reference terminal must not take it (NAT-3.1-R3).
        since = radio.mark()
        assert radio.send_udp(terminal, DLMS_PORT, clock_request(8), secured=False, handle=3)
        assert radio.wait_for(lambda e: isinstance(e, sk.UdpReceived), 1.5, since=since) is None

        # The faulty twin, on the air as long as the reference was, never started PANA.
        time.sleep(max(0.0, (joined.time - started) - (time.monotonic() - faulty_started)))
        assert not [e for e in faulty.events() if isinstance(e, sk.UdpReceived | sk.Event)]
        assert radio.protocol_errors == [] and faulty.protocol_errors == []


def test_the_module_answers_and_refuses_as_the_manual_says() -> None:
    declaration = load_declaration(DECLARATION)
    credentials = declaration.credentials
    with emulator("--tcp", "0", "--variant", "bp35c2") as (_, port, _started), SkStackRadio(port) as radio:
        assert radio.layout.family == "C" and radio.hex_data  # EINFO shows SIDE, ROPT is refused
        assert radio.identify() == "1.2.10"
        info = radio.info()
        assert info.ipaddr == link_local_from_eui64(info.addr64)
        assert info.side == 0 and info.addr16 is None  # the C family's EINFO
        assert radio.link_local(declaration.identity.eui64) == link_local_from_eui64(
            declaration.identity.eui64
        )

        with pytest.raises(RigError, match=r"SKSTART: FAIL ER10") as refused:
            radio.start()  # S03 still FFFF: no PAN to coordinate
        assert port in str(refused.value)

        radio.register_terminal(credentials.authentication_id, credentials.password.get_secret_value())
        assert radio.read_register("S0A") == credentials.authentication_id[-8:]  # 3.17
        radio.configure_coordinator(CHANNEL, PAN_ID, credentials.pairing_id, session_lifetime_s=120)
        radio.register_terminal(credentials.authentication_id, credentials.password.get_secret_value())
        assert radio.read_register("S0A") == credentials.pairing_id  # written again after SKSETRBID
        assert radio.read_register("S16") == 120
        radio.start()

        terminal = link_local_from_eui64(declaration.identity.eui64)
        assert not radio.send_udp(terminal, DLMS_PORT, b"x", secured=True)  # no session: EVENT 21 01
        with pytest.raises(RigError, match="SKTERM: FAIL ER10"):
            radio.terminate()  # nobody to terminate yet
        assert radio.protocol_errors == []


@pytest.mark.parametrize("where", [("--pty",), ("--tcp", "0")], ids=["pty", "tcp"])
def test_a_killed_emulator_is_a_rig_error_naming_the_port_within_the_timeout(where) -> None:
    with emulator(*where) as (process, port, _started), SkStackRadio(port, timeout_s=2.0) as radio:
        radio.identify()
        threading.Timer(0.5, process.send_signal, (signal.SIGKILL,)).start()
        begun = time.monotonic()
        with pytest.raises(RigError) as lost:
            radio.wait_for(is_event(sk.EventNumber.PANA_DONE), 10.0)
        assert time.monotonic() - begun < 2.5
        assert port in str(lost.value) and "lost" in str(lost.value)
        with pytest.raises(RigError, match="SKVER") as again:
            radio.identify()
        assert port in str(again.value)


A1_EINFO = b"EINFO FE80:0000:0000:0000:021D:1290:1234:5678 001D129012345678 21 8888 FFFE\r\nOK\r\n"
C_EINFO = b"EINFO FE80:0000:0000:0000:021D:1290:1234:5678 001D129012345678 21 8888 0\r\nOK\r\n"
PEER = "FE80:0000:0000:0000:021D:129F:3500:0A01"
EVENT_25 = f"EVENT 25 {PEER}\r\n".encode()


class ScriptedModule:
    """A module on a real pty that answers from a script: SKVER, SKINFO and ROPT as the test
    says, OK to everything else; ``silent`` commands get no answer. It records what it read."""

    def __init__(
        self,
        skver_answer: bytes | None = b"EVER 1.2.10\r\nOK\r\n",
        *,
        ropt_answer: bytes = b"OK 00\r",
        info_answer: bytes = A1_EINFO,
        silent: frozenset[str] = frozenset(),
    ) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.answers = {"SKVER": skver_answer, "ROPT": ropt_answer, "SKINFO": info_answer}
        self.silent = set(silent)
        # command name -> a function of the command giving the answer, before ``answers``
        self.responders: dict[str, Callable[[sk.Command], bytes]] = {}
        self.commands: list[sk.Command] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        os.write(self._master, data)

    def _serve(self) -> None:
        reader = sk.CommandReader()
        with selectors.DefaultSelector() as selector:
            selector.register(self._master, selectors.EVENT_READ)
            while not self._stop.is_set():
                if not selector.select(timeout=0.05):
                    continue
                reader.feed(os.read(self._master, 1024))
                while (command := reader.next_command()) is not None:
                    self.commands.append(command)
                    if command.name in self.silent:
                        continue
                    if command.name in self.responders:
                        self.write(self.responders[command.name](command))
                        continue
                    answer = self.answers.get(command.name, b"OK\r" if command.name == "WOPT" else b"OK\r\n")
                    if answer is not None:
                        self.write(answer)

    def names(self) -> list[str]:
        return [c.name for c in self.commands]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        os.close(self._master)
        os.close(self._slave)


@contextlib.contextmanager
def scripted(*args, **kwargs) -> Iterator[ScriptedModule]:
    module = ScriptedModule(*args, **kwargs)
    try:
        yield module
    finally:
        module.close()


def test_garbage_on_the_line_is_recorded_and_the_radio_goes_on() -> None:
    with (
        scripted(b"\x00\xffEV\xe2R 1.2\r\nEVER 1.2.10\r\nOK\r\n") as module,
        SkStackRadio(module.path, timeout_s=2.0) as radio,
    ):
        before = radio.protocol_error_mark()
        assert radio.identify() == "1.2.10"
        module.write(b"EVENT 25 FE80::1\r\n\x07\x07\r\n" + EVENT_25)
        joined = radio.wait_for(is_event(sk.EventNumber.PANA_DONE), 2.0)
        assert joined is not None
        log = radio.protocol_error_log(before)
        assert len(log) == 3
        assert log[0].error.line == b"\x00\xffEV\xe2R 1.2"  # kept with its octets
        assert all(isinstance(e, sk.SkStackError) for e in radio.protocol_errors)
        assert radio.identify() == "1.2.10"  # resynchronised first, then answered
        assert module.names()[-2:] == ["SKVER", "SKVER"]


def test_a_silent_module_is_a_rig_error_within_the_timeout() -> None:
    with scripted() as module, SkStackRadio(module.path, timeout_s=0.5) as radio:
        module.silent.add("SKAPPVER")
        begun = time.monotonic()
        with pytest.raises(RigError, match=r"SKAPPVER: no answer within 0.5 s") as silent:
            radio.application_version()
        assert time.monotonic() - begun < 1.0
        assert module.path in str(silent.value)


def test_a_sender_less_event_is_a_protocol_error_not_a_dead_reader() -> None:
    """issue 15: ``EVENT 21`` without a sender once raised a bench-side error in the parser
    and killed the reader thread; every later scenario then broke."""
    with scripted() as module, SkStackRadio(module.path, timeout_s=1.0) as radio:
        module.write(b"EVENT 21\r\nEVENT C0\r\n" + EVENT_25)
        assert radio.wait_for(is_event(sk.EventNumber.PANA_DONE), 2.0) is not None
        assert [e.reason for e in radio.protocol_errors] == ["EVENT 21 without a sender"]
        assert radio.events()[0] == sk.Event(number=0xC0)  # the one EVENT without a sender
        radio.check_alive()
        assert radio.identify() == "1.2.10"


def test_a_lying_datalen_costs_only_its_own_line() -> None:
    head = f"ERXUDP {PEER} FE80:0000:0000:0000:021D:1290:1234:5678 0E1A 0E1A 001D129F35000A01 1 ".encode()
    with scripted() as module, SkStackRadio(module.path, timeout_s=2.0) as radio:
        module.write(head + b"0020 ab\r\n" + EVENT_25)  # claims 32 octets, carries 2
        assert radio.wait_for(is_event(sk.EventNumber.PANA_DONE), 2.0) is not None
        module.write(head + b"0100 abc\r\n")  # claims 256: what follows would be swallowed
        assert radio.identify() == "1.2.10"  # the line went quiet; the partial line was given up
        reasons = [e.reason for e in radio.protocol_errors]
        assert reasons[0].startswith("ERXUDP data does not end at DATALEN")
        assert any(r.startswith("incomplete line") for r in reasons[1:])


def test_a_stale_fail_is_never_taken_for_the_next_commands_answer() -> None:
    with scripted() as module, SkStackRadio(module.path, timeout_s=0.5) as radio:
        module.silent.add("SKAPPVER")
        with pytest.raises(RigError, match="no answer"):
            radio.application_version()
        module.write(b"FAIL ER04\r\n")  # the late answer of the command that timed out
        module.silent.discard("SKAPPVER")
        module.answers["SKAPPVER"] = b"EAPPVER rev26e\r\nOK\r\n"
        assert radio.application_version() == "rev26e"
        assert module.names()[-2:] == ["SKVER", "SKAPPVER"]  # resynchronised first
        assert any(e.reason == "reply without a command" for e in radio.protocol_errors)


def test_a_reader_thread_that_fails_marks_the_port_failed_naming_the_part() -> None:
    with scripted() as module, SkStackRadio(module.path, timeout_s=0.5) as radio:

        def broken() -> None:
            raise RuntimeError("a bug below the driver")

        radio._parser.next_event = broken  # type: ignore[method-assign]
        module.write(EVENT_25)
        time.sleep(0.3)
        assert not radio.alive
        with pytest.raises(RigError, match="reader thread failed: RuntimeError") as failed:
            radio.check_alive()
        assert module.path in str(failed.value)
        with pytest.raises(RigError, match="SKVER"):
            radio.identify()


def test_a_raw_termios_error_on_a_pulled_port_is_port_lost() -> None:
    with scripted() as module, SkStackRadio(module.path, timeout_s=0.5) as radio:

        def pulled(*args) -> None:
            raise termios.error(5, "Input/output error")

        radio._serial.flush = pulled  # type: ignore[method-assign]
        with pytest.raises(RigError, match="lost") as lost:
            radio.identify()
        assert module.path in str(lost.value)
        with pytest.raises(RigError, match="lost"):
            radio.check_alive()


def test_the_event_buffer_is_a_ring_that_counts_what_it_dropped() -> None:
    with scripted() as module, SkStackRadio(module.path, timeout_s=1.0, max_observations=5) as radio:
        module.write(EVENT_25 * 20)
        deadline = time.monotonic() + 2.0
        while radio.mark() < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert radio.mark() == 20 and radio.dropped_observations == 15
        assert len(radio.observations()) == 5 and len(radio.observations(18)) == 2


def test_the_rig_check_probe_identifies_the_module() -> None:
    with (
        scripted(b"SKVER\r\nEVENT 21 FE80::1 00\r\nEVER 1.2.10\r\nOK\r\n") as module,
        serial.serial_for_url(module.path, baudrate=115200, timeout=0.1) as port,
    ):
        assert probe("wisun-radio", port, 2.0) == "SKSTACK-IP 1.2.10"


@pytest.mark.parametrize(
    ("ropt", "data"),
    [(b"OK 00\r", b"\r\n"), (b"OK 00\r\n", b"\r\n"), (b"OK 01\r", b"0D0A"), (b"FAIL ER04\r\n", b"0D0A")],
    ids=["A1 binary, CR only", "CRLF after all", "A1 hex", "no ROPT: hex"],
)
def test_the_erxudp_data_format_is_asked_of_the_module(ropt: bytes, data: bytes) -> None:
    """ROPT's answer ends with CR alone (BP35A1 reference 3.31; smdn, momonga); no ROPT at
    all (FAIL ER04, a C module): hex ASCII, as momonga finds."""
    with scripted(ropt_answer=ropt) as module, SkStackRadio(module.path, timeout_s=2.0) as radio:
        module.write(
            b"ERXUDP FE80:0000:0000:0000:021D:129F:3500:0A01 FE80:0000:0000:0000:0012:3400:0000:00C1 "
            b"0FDB 0FDB 001D129F35000A01 1 0002 " + data + b"\r\n"
        )
        received = radio.wait_for(lambda e: isinstance(e, sk.UdpReceived), 2.0)
        assert received is not None and received.event.data == b"\r\n" and received.event.secured
        assert radio.protocol_errors == []
        assert "WOPT" not in module.names()  # never written unless asked: flash wears out


def test_a_stated_data_format_is_written_with_wopt_only_when_it_differs() -> None:
    with scripted(ropt_answer=b"OK 00\r") as module, SkStackRadio(module.path, hex_data=True) as radio:
        assert radio.hex_data
        [wopt] = [c for c in module.commands if c.name == "WOPT"]
        assert wopt.args == ("01",)
    with scripted(ropt_answer=b"OK 01\r") as module, SkStackRadio(module.path, hex_data=True):
        assert "WOPT" not in module.names()


def test_a_c_family_module_gets_side_arguments_and_its_sa2_written() -> None:
    with scripted(ropt_answer=b"FAIL ER04\r\n", info_answer=C_EINFO) as module:
        with SkStackRadio(module.path, rssi_column=True) as radio:
            assert radio.layout.family == "C" and radio.side == 0 and radio.hex_data
            # EVENT 21 with SIDE (as momonga reads it), after the OK as a module sends it: written
            # before the command, a quick reader took it before the send and waited in vain
            module.responders["SKSENDTO"] = lambda _: f"OK\r\nEVENT 21 {PEER} 0 00\r\n".encode()
            radio.send_udp(sk.parse_ipaddr(PEER), 3610, b"x", True)
            radio.terminate()
        sendto = next(c for c in module.commands if c.name == "SKSENDTO")
        assert sendto.args == ("1", PEER, "0E1A", "1", "0", "0001")
        assert next(c for c in module.commands if c.args[:1] == ("SA2",)).args == ("SA2", "1")
        assert next(c for c in module.commands if c.name == "SKTERM").args == ()


def test_a_declared_model_the_module_contradicts_is_refused() -> None:
    with (
        scripted(info_answer=C_EINFO) as module,
        pytest.raises(RigError, match=r"says BP35A1 .* EINFO shows the C family"),
    ):
        SkStackRadio(module.path, model="BP35A1")


@pytest.mark.parametrize("noise_at", [2, 14, -3])  # in the keyword, at the password's start, inside it
def test_a_garbled_echo_of_the_password_command_keeps_no_octet_of_it(noise_at: int) -> None:
    """issue 15: a module's echo of SKSETPWD with one noise octet put the password in the
    verdict's message; a noise octet inside the password defeats any text redactor, so
    what comes malformed while SKSETPWD is pending is not kept as octets."""
    password = "0123456789AB"

    def garbled_echo(command: sk.Command) -> bytes:
        echo = bytearray(" ".join((command.name, *command.args)).encode())
        echo[noise_at] = 0x7F
        return bytes(echo) + b"\r\nOK\r\n"

    with scripted() as module, SkStackRadio(module.path, timeout_s=1.0) as radio:
        module.responders["SKSETPWD"] = garbled_echo
        radio.register_terminal("00112233445566778899AABBCCDDEEFF", password)
        [error] = radio.protocol_error_log()
        assert "came while SKSETPWD was pending" in error.describe() and "octets withheld" in error.describe()
        assert password[:4] not in error.describe() and password[-4:] not in error.describe()
        assert radio.identify() == "1.2.10"  # resynchronised, then answered


def test_an_answer_the_reader_thread_has_not_read_yet_is_waited_for_once_more() -> None:
    """A host starved of CPU (issue 14: two cores at a load of 10-20) left an answer the
    module wrote at once unread past the timeout: the round trip bounds the module's time to
    answer, so unread octets at the deadline get one more timeout; a silent module does not."""
    with scripted() as module, SkStackRadio(module.path, timeout_s=0.5) as radio:
        read = radio._serial.read
        starved = threading.Event()

        def starved_read(size: int = 1) -> bytes:
            if starved.is_set():
                starved.clear()
                time.sleep(0.8)  # the reader thread gets no CPU past the command's deadline
            return read(size)

        radio._serial.read = starved_read  # type: ignore[method-assign]
        time.sleep(0.1)  # the reader thread is back in its loop, with the starved read
        starved.set()
        assert radio.identify() == "1.2.10"
        module.silent.add("SKAPPVER")
        begun = time.monotonic()
        with pytest.raises(RigError, match=r"SKAPPVER: no answer within 0.5 s"):
            radio.application_version()
        assert time.monotonic() - begun < 1.0
