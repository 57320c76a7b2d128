"""The bench's rogue device on the home LAN (rigs/drivers/homelansocket.py): real UDP from
its own address, and never to an address that could be someone else's."""

from __future__ import annotations

import socket
import time

import pytest
from pydantic import ValidationError

from rigs import RigError
from rigs.drivers.homelansocket import HomeLanRogue, is_local_address
from rigs.resources import NetworkInterface
from rigs.roles import HomeLanEntry

LAN = NetworkInterface(interface="lo", address="127.0.0.1")
ROGUE = "127.0.0.77"


@pytest.fixture
def rogue():
    driver = HomeLanRogue("home", LAN, ROGUE)
    yield driver
    driver.close()


def test_it_sends_from_its_own_address_and_hears_the_answer(rogue: HomeLanRogue):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as terminal:
        terminal.bind(("127.0.0.78", 0))
        port = terminal.getsockname()[1]
        terminal.settimeout(2)
        rogue.send(b"\x10\x81probe", "127.0.0.78", port, src_port=0xC008)
        payload, sender = terminal.recvfrom(100)
        assert payload == b"\x10\x81probe" and sender == (ROGUE, 0xC008)
        terminal.sendto(b"answer", sender)
    deadline = time.monotonic() + 2
    found = rogue.receive()
    while not found and time.monotonic() < deadline:
        time.sleep(0.01)
        found = rogue.receive()
    assert found == [(b"answer", "127.0.0.78", port, 0xC008)]


@pytest.mark.parametrize("target", ["198.51.100.7", "10.1.2.3", "224.0.0.251", "::1"])
def test_a_target_that_may_be_someone_elses_is_refused_before_anything_is_sent(rogue, target):
    with pytest.raises(RigError, match=r"refused: not an address of this host"):
        rogue.send(b"flood", target, 3610, src_port=49152)
    assert rogue._sockets == {}  # not even a socket was opened


def test_the_terminal_address_the_rig_file_names_and_the_echonet_group_are_allowed():
    named = HomeLanRogue("home", LAN, ROGUE, terminal="192.0.2.10")
    assert named.allowed("192.0.2.10") and named.allowed("224.0.23.0") and named.allowed("127.0.0.2")
    assert not named.allowed("192.0.2.11")
    assert is_local_address("127.0.0.1") and not is_local_address("198.51.100.7")


def test_a_rogue_address_of_the_other_family_than_the_lan_is_refused_with_its_field():
    with pytest.raises(ValidationError, match=r"rogue_address\n.*an IPv6 address on an IPv4 LAN"):
        HomeLanEntry.model_validate(
            {
                "role": "home-lan",
                "network": {"interface": "lo", "address": "127.0.0.1"},
                "rogue_address": "fe80::1",
            }
        )
