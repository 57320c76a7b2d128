"""The emulated module without its port: commands in, lines out, the twins' time advanced by
the test (the process runs it in wall-clock time; here virtual time keeps the tests fast).

These pin down how the twin's route events become SKSTACK-IP lines (the table in the
emulator's docstring) and how the module refuses commands (command reference ch. 7).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.ics import load_declaration
from conformance.protocols import skstack as sk
from conformance.protocols.pana import PANA_PORT
from conformance.protocols.sixlowpan import link_local_from_eui64
from conformance.twin.faults import terminal_class
from rigs.emulators.skstack_module import EmulatedModule, declaration_for_fault

DECLARATION = load_declaration()
CREDENTIALS = DECLARATION.credentials
TERMINAL = link_local_from_eui64(DECLARATION.identity.eui64)


class Host:
    """The host's end of the line, as the driver holds it."""

    def __init__(self, dut: str = "reference", *, variant: str = "bp35a1") -> None:
        declaration = declaration_for_fault(DECLARATION, dut)
        dut_class = terminal_class(dut)
        self.module = EmulatedModule(seed=5, declaration=declaration, dut=dut_class, variant=variant)
        self.parser = sk.SkStackParser(hex_data=self.module.hex_data)
        self.lines: list[tuple[float, sk.SkStackEvent]] = []
        self.now = 0.0

    def send(self, command: bytes) -> list[sk.SkStackEvent]:
        start = len(self.lines)
        self.parser.hex_data = self.module.hex_data
        self.parser.expect_bare_cr(command.startswith((b"ROPT", b"WOPT")))
        self.module.receive(command)
        self._collect()
        return [event for _, event in self.lines[start:]]

    def run(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            self.now = min(end, self.now + 0.5)
            self.module.advance(self.now)
            self._collect()

    def _collect(self) -> None:
        self.parser.feed(self.module.take_output())
        self.lines.extend((self.now, event) for event in self.parser.events())

    def events(self, number: int) -> list[tuple[float, sk.Event]]:
        return [(t, e) for t, e in self.lines if isinstance(e, sk.Event) and e.number == number]

    def start_paa(self, *, password: str | None = None, lifetime_s: int = 3600) -> None:
        for command in (
            sk.sksreg("SFE", False),
            sk.sksreg("S02", 60),
            sk.sksreg("S03", 0x1234),
            sk.sksreg("S16", lifetime_s),
            sk.sksetpwd(password or CREDENTIALS.password.get_secret_value()),
            sk.sksetrbid(CREDENTIALS.authentication_id),
            sk.sksreg("S0A", CREDENTIALS.pairing_id),
            sk.skstart(),
        ):
            assert self.send(command)[-1] == sk.Ok(), command


def test_the_join_is_event_25_after_pana_datagrams_in_the_clear() -> None:
    host = Host()
    host.start_paa()
    host.run(20)
    [(joined_at, joined)] = host.events(sk.EventNumber.PANA_DONE)
    assert joined.sender == TERMINAL
    assert 10 < joined_at < 13  # 2 s boot + 28 channels x 0.3 s scan, then PANA
    pana = [e for t, e in host.lines if isinstance(e, sk.UdpReceived) and t <= joined_at]
    assert pana and {e.lport for e in pana} == {PANA_PORT} and not any(e.secured for e in pana)


def test_a_wrong_password_is_event_24() -> None:
    host = Host()
    host.start_paa(password="not-the-password")
    host.run(20)
    assert [e.sender for _, e in host.events(sk.EventNumber.PANA_FAILED)][:1] == [TERMINAL]
    assert not host.events(sk.EventNumber.PANA_DONE)


def test_re_authentication_repeats_event_25_and_a_lapsed_session_is_event_29() -> None:
    reference, lapsing = Host(), Host("never-reauthenticates")
    for host in (reference, lapsing):
        host.start_paa(lifetime_s=60)
        host.run(100)
    assert len(reference.events(sk.EventNumber.PANA_DONE)) == 2
    assert not reference.events(sk.EventNumber.SESSION_EXPIRED)
    assert len(lapsing.events(sk.EventNumber.PANA_DONE)) == 1
    [(expired_at, expired)] = lapsing.events(sk.EventNumber.SESSION_EXPIRED)
    assert expired.sender == TERMINAL and expired_at > 60


def test_skterm_is_event_27_and_an_unanswered_one_event_28() -> None:
    answered, unplugged = Host(), Host()
    for host in (answered, unplugged):
        host.start_paa()
        host.run(15)
    unplugged.module.terminal.power_off()  # on a rig: the terminal loses power
    for host in (answered, unplugged):
        assert host.send(sk.skterm()) == [sk.Ok()]
        host.run(250)  # the PTR's retransmissions (RFC 5191 §9: REQ_MRC 10, REQ_MRT 30 s)
    assert [e.sender for _, e in answered.events(sk.EventNumber.TERMINATION_DONE)] == [TERMINAL]
    assert not answered.events(sk.EventNumber.TERMINATION_TIMED_OUT)
    assert [e.sender for _, e in unplugged.events(sk.EventNumber.TERMINATION_TIMED_OUT)] == [TERMINAL]
    assert not unplugged.events(sk.EventNumber.TERMINATION_DONE)


@pytest.mark.parametrize("sa2", [False, True])
def test_the_c_family_layout_carries_side_and_rssi_only_while_sa2_is_1(sa2: bool) -> None:
    host = Host(variant="bp35c2")
    assert host.module.hex_data  # no ROPT on the C family: hex ASCII
    host.send(sk.sksreg("SFE", False))
    assert host.send(sk.sksreg("SA2", sa2)) == [sk.Ok()]
    host.start_paa()
    host.run(15)
    udp = next(e for _, e in host.lines if isinstance(e, sk.UdpReceived))
    assert udp.side == 0
    assert udp.rssi == (round((-60 + 104.27) / 0.275) if sa2 else None)
    assert host.events(sk.EventNumber.PANA_DONE)[0][1].side == 0


def test_only_open_udp_ports_are_reported() -> None:
    host = Host()
    host.send(sk.sksreg("SFE", False))
    assert host.send(sk.skudpport(2, 0)) == [sk.Ok()]  # close PANA's 716
    host.start_paa()
    host.run(15)
    assert host.events(sk.EventNumber.PANA_DONE)
    assert not [e for _, e in host.lines if isinstance(e, sk.UdpReceived)]


def test_an_active_scan_ends_with_event_22_unless_skreset_cancels_it() -> None:
    host = Host()
    host.send(sk.sksreg("SFE", False))
    assert host.send(sk.skscan(2, 0xFFFFFFFF, 6)) == [sk.Ok()]
    host.run(30)
    ((done_at, _),) = host.events(sk.EventNumber.ACTIVE_SCAN_DONE)
    assert 19.5 < done_at <= 20.5  # 9.6 ms x (2^6 + 1) x 32 channels = 19.97 s (command reference 3.9)
    host.send(sk.skscan(2, 0xFFFFFFFF, 6))
    host.run(5)
    assert host.send(sk.skreset())[-1] == sk.Ok()
    host.run(30)
    assert len(host.events(sk.EventNumber.ACTIVE_SCAN_DONE)) == 1  # a reset module forgets its scan


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (b"SKNOSUCH\r\n", "ER04"),
        (b"SKVER 1\r\n", "ER05"),
        (b"SKSREG S02 3D\r\n", "ER06"),  # channel 61
        (b"SKSREG S07 1\r\n", "ER06"),  # read-only
        (b"SKSETPWD 5 abc\r\n", "ER06"),  # LEN says 5, 3 characters follow
        (b"SKSETRBID 0123\r\n", "ER06"),
        (b"SKSTART\r\n", "ER10"),  # S03 is still FFFF
        (b"SKTERM\r\n", "ER10"),  # not started
        (b"SKJOIN FE80:0000:0000:0000:021D:129F:3500:0A01\r\n", "ER10"),
        (b"SKSENDTO 1 FE80::1 0E1A 0 0001 x", "ER06"),
    ],
)
def test_refused_commands_answer_fail(command: bytes, answer: str) -> None:
    host = Host()
    host.send(sk.sksreg("SFE", False))
    assert host.send(command)[-1] == sk.Fail(code=answer)


def test_echo_follows_sfe_and_registers_read_back() -> None:
    host = Host()
    assert host.send(sk.skver()) == [
        sk.CommandEcho(line="SKVER"),
        sk.VersionReply(version="1.2.10"),
        sk.Ok(),
    ]
    host.send(sk.sksreg("SFE", False))
    assert host.send(sk.sksreg("S03", 0xBEEF)) == [sk.Ok()]
    assert host.send(sk.sksreg("S03")) == [sk.RegisterValue(value="BEEF"), sk.Ok()]
    assert host.send(sk.wopt(True)) == [sk.Ok()]
    assert host.send(sk.ropt()) == [sk.Ok(detail="01")]


command_words = st.sampled_from(
    ["SKVER", "SKINFO", "SKSREG", "SKSETPWD", "SKSETRBID", "SKSTART", "SKTERM", "SKSENDTO", "SKSCAN",
     "SKUDPPORT", "SKLL64", "ROPT", "WOPT", "S02", "3C", "FFFF", "0", "1", "0001", "x",
     "FE80:0000:0000:0000:021D:129F:3500:0A01", "IOT00901", "\r\n", "\r", " ", "\x00"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(command_words, max_size=8).map(" ".join), max_size=12), st.binary(max_size=40))
def test_whatever_the_host_writes_the_module_answers_with_well_formed_lines(lines, noise) -> None:
    """With echo off (a real module echoes whatever it is sent, garbage included)."""
    host = Host()
    host.send(sk.sksreg("SFE", False))
    host.module.receive(("\r\n".join(lines)).encode() + noise + b"\r\n")
    host.module.advance(1.0)
    parser = sk.SkStackParser()
    parser.feed(host.module.take_output())
    while True:
        # ROPT and WOPT are answered with CR alone (3.30-3.31): a host arms the parser for
        # each; here any line may be one. Raises SkStackError if anything is malformed.
        parser.expect_bare_cr()
        if parser.next_event() is None:
            break
