"""A second emulated module beside the first (``EmulatedModule.beside``, issue 13): a second
smart meter on the same twins' radio medium, with its own line, registers and group key.
The terminal twin joins whichever module carries its Pairing ID, and only that one."""

from __future__ import annotations

import pytest

from conformance.protocols import skstack as sk
from rigs.emulators.skstack_module import EmulatedModule
from rigs.emulators.terminal_rig import SECOND_MAC
from tests.rigs.emulators.test_skstack_module import CREDENTIALS, TERMINAL, Host

OTHER_PAIRING_ID = "IOT99902"


class SecondHost(Host):
    """The host's end of the second module's line; the first host runs the shared clock."""

    def __init__(self, first: Host, key: bytes) -> None:
        self.module = EmulatedModule.beside(first.module, mac=SECOND_MAC, group_key=key)
        self.parser = sk.SkStackParser(hex_data=self.module.hex_data)
        self.lines = []
        self.now = 0.0

    def collect(self, now: float) -> None:
        self.now = now
        self._collect()


def start(host: Host, *, channel: int, pan_id: int, pairing_id: str) -> None:
    for command in (
        sk.sksreg("SFE", False),
        sk.sksreg("S02", channel),
        sk.sksreg("S03", pan_id),
        sk.sksetpwd(CREDENTIALS.password.get_secret_value()),
        sk.sksetrbid(CREDENTIALS.authentication_id),
        sk.sksreg("S0A", pairing_id),
        sk.skstart(),
    ):
        assert host.send(command)[-1] == sk.Ok(), command


@pytest.mark.parametrize("joined", ["first", "second"])
def test_the_terminal_joins_the_module_with_its_pairing_id_and_not_the_other(joined: str) -> None:
    first = Host()
    second = SecondHost(first, bytes(range(16)))
    assert second.module.scheduler is first.module.scheduler and second.module.medium is first.module.medium
    assert not hasattr(second.module, "terminal")  # the terminal is the first module's world's
    own, other = (first, second) if joined == "first" else (second, first)
    start(own, channel=40, pan_id=0x1000, pairing_id=CREDENTIALS.pairing_id)
    start(other, channel=49, pan_id=0x1001, pairing_id=OTHER_PAIRING_ID)
    for _ in range(40):
        first.run(0.5)
        second.collect(first.now)
    [(_, event)] = own.events(sk.EventNumber.PANA_DONE)
    assert event.sender == TERMINAL
    assert other.events(sk.EventNumber.PANA_DONE) == [] and other.events(sk.EventNumber.PANA_FAILED) == []
    assert not [line for _, line in other.lines if isinstance(line, sk.UdpReceived)]
    # Each module's smart meter is its own on the medium, under its own group key.
    assert first.module.meter.config.name != second.module.meter.config.name
    assert second.module.meter.group_key == bytes(range(16))
    assert second.module.meter.config.address == SECOND_MAC
