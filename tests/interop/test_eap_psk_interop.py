"""The bench's EAP-PSK (RFC 4764) against independent implementations, over RADIUS on loopback.

hostapd's EAP server checks ``EapPskPeer``; wpa_supplicant's ``eapol_test`` checks
``EapPskServer``. Both are Debian packages (``hostapd``, ``eapoltest``) installed by the
project's Makefile (``make system-deps``). Without them these tests are skipped on a
developer machine and fail under CI (``CI`` set), like the tshark tests.

The MSK is compared whole: from hostapd it arrives as MS-MPPE-Recv-Key || Send-Key; from
eapol_test it is read in its debug output, which shows keys.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyrad import packet as radius

from conformance.protocols.eap_psk import EapPskPeer, EapPskServer
from tests.interop.radius_eap import LOOPBACK, RadiusEapServer, authenticate_over_radius

PEER_ID = b"terminal@iot.example"
# EAP-PSK message 2 is 54 octets plus ID_P: with this identity it needs two EAP-Message
# attributes (RFC 3579 3.1), which our NAS splits for hostapd and our server joins from
# eapol_test. The server's messages stay under 253 octets either way.
LONG_PEER_ID = b"terminal-" + b"0123456789" * 20 + b"@iot.example"
PEER_IDS_KNOWN = (PEER_ID, LONG_PEER_ID)
PEER_IDS = pytest.mark.parametrize(
    "peer_id", [PEER_ID, LONG_PEER_ID], ids=["short-id", "id-split-over-eap-messages"]
)
SERVER_ID = b"smartmeter.example"
PSK = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
WRONG_PSK = bytes.fromhex("f0e0d0c0b0a090807060504030201000")
RADIUS_SECRET = b"interop-secret"
STARTUP_TIMEOUT = 10.0  # seconds for hostapd to open its RADIUS port
EAPOL_TEST_TIMEOUT = 10  # eapol_test's own limit (-t)
SUBPROCESS_TIMEOUT = 30


def find_tool(name: str, package: str) -> str:
    """Path of ``name``; skipped without it on a developer machine, failed under CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (the Makefile installs it: apt-get install -y {package})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# -- hostapd as the EAP server, our peer behind a RADIUS NAS


@dataclass(frozen=True, slots=True)
class HostapdRadius:
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _write_hostapd_config(directory: Path, port: int) -> Path:
    users = directory / "eap_users"
    # hostapd_eap_user_file: the identity, the method, the PSK as 32 hex digits.
    users.write_text("".join(f'"{peer_id.decode()}" PSK {PSK.hex()}\n' for peer_id in PEER_IDS_KNOWN))
    clients = directory / "radius_clients"
    clients.write_text(f"{LOOPBACK}/32 {RADIUS_SECRET.decode()}\n")
    config = directory / "hostapd.conf"
    # driver=none makes hostapd a RADIUS-only EAP server: the interface is a name only,
    # never opened, so no real (or loopback) interface is needed. hostapd has no option
    # to bind its RADIUS server to one address: it listens on 0.0.0.0, and the clients
    # file admits 127.0.0.1 alone.
    config.write_text(
        "driver=none\n"
        "interface=benchradius0\n"
        "eap_server=1\n"
        f"eap_user_file={users}\n"
        f"radius_server_clients={clients}\n"
        f"radius_server_auth_port={port}\n"
        f"server_id={SERVER_ID.decode()}\n"
    )
    return config


def _wait_until_listening(process: subprocess.Popen[bytes], log: Path) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if "AP-ENABLED" in log.read_text(errors="replace"):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    raise AssertionError(f"hostapd did not start within {STARTUP_TIMEOUT} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def hostapd_radius(tmp_path: Path) -> Iterator[HostapdRadius]:
    """hostapd as a RADIUS EAP-PSK server on an OS-chosen loopback port, stopped at teardown."""
    hostapd = find_tool("hostapd", "hostapd")
    # The port is chosen by the OS, then handed to hostapd: another process may take it
    # in between, and hostapd then exits ("bind: Address already in use"). Try again.
    for attempt in range(3):
        port = _free_udp_port()
        log = tmp_path / f"hostapd-{attempt}.log"
        config = _write_hostapd_config(tmp_path, port)
        with log.open("wb") as out:
            process = subprocess.Popen([hostapd, "-d", str(config)], stdout=out, stderr=subprocess.STDOUT)
        try:
            if _wait_until_listening(process, log):
                yield HostapdRadius(port=port, log=log)
                return
        finally:
            _stop(process)
    pytest.fail(f"hostapd could not start its RADIUS server:\n{log.read_text(errors='replace')}")


def _peer(psk: bytes, peer_id: bytes = PEER_ID) -> EapPskPeer:
    return EapPskPeer(id_p=peer_id, psk=psk, randbytes=random.Random(4764).randbytes)


@PEER_IDS
def test_our_peer_authenticates_against_hostapd_with_the_same_msk(
    hostapd_radius: HostapdRadius, peer_id: bytes
) -> None:
    peer = _peer(PSK, peer_id)

    outcome = authenticate_over_radius(peer, port=hostapd_radius.port, secret=RADIUS_SECRET)

    assert outcome.accepted, hostapd_radius.log_text()
    assert peer.succeeded, peer.failure_reason
    assert peer.id_s == SERVER_ID
    assert outcome.round_trips == 3  # Identity, EAP-PSK 1/2, 3/4
    assert outcome.msk is not None and len(outcome.msk) == 64
    assert peer.msk == outcome.msk


def test_our_peer_with_a_wrong_psk_is_rejected_by_hostapd(hostapd_radius: HostapdRadius) -> None:
    peer = _peer(WRONG_PSK)

    outcome = authenticate_over_radius(peer, port=hostapd_radius.port, secret=RADIUS_SECRET)

    assert outcome.code == radius.AccessReject
    assert outcome.msk is None
    assert peer.failed and not peer.succeeded
    assert peer.msk is None
    assert "EAP-PSK: Invalid MAC_P" in hostapd_radius.log_text()


# -- eapol_test as the peer, our EAP server behind our RADIUS server


def _eap_server_factory(first_identifier: int) -> EapPskServer:
    return EapPskServer(
        id_s=SERVER_ID,
        psk_for=lambda identity: PSK if identity in PEER_IDS_KNOWN else None,
        randbytes=random.Random(4764).randbytes,
        first_identifier=first_identifier,
    )


@pytest.fixture
def eapol_test() -> str:
    return find_tool("eapol_test", "eapoltest")


@pytest.fixture
def radius_server() -> Iterator[RadiusEapServer]:
    with RadiusEapServer(secret=RADIUS_SECRET, new_eap_server=_eap_server_factory) as server:
        yield server


def _run_eapol_test(
    eapol_test: str, tmp_path: Path, *, port: int, psk: bytes, peer_id: bytes = PEER_ID
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "eapol_test.conf"
    # The password must be unquoted hex: quoted, wpa_supplicant takes it as text and
    # EAP-PSK refuses it ("16-octet pre-shared key not configured").
    config.write_text(
        "network={\n"
        "    key_mgmt=WPA-EAP\n"
        "    eap=PSK\n"
        f'    identity="{peer_id.decode()}"\n'
        f"    password={psk.hex()}\n"
        "}\n"
    )
    args = [eapol_test, "-c", str(config), "-a", LOOPBACK, "-A", LOOPBACK, "-p", str(port)]
    args += ["-s", RADIUS_SECRET.decode(), "-t", str(EAPOL_TEST_TIMEOUT)]
    return subprocess.run(args, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False)


def _hexdump(output: str, label: str) -> bytes | None:
    """The bytes of a wpa_supplicant debug line ``<label> - hexdump(len=N): xx xx ...``."""
    match = re.search(rf"^{re.escape(label)} - hexdump\(len=\d+\):((?: [0-9a-f]{{2}})*)$", output, re.M)
    return None if match is None else bytes.fromhex(match.group(1))


@PEER_IDS
def test_eapol_test_authenticates_against_our_server_with_the_same_msk(
    eapol_test: str, radius_server: RadiusEapServer, tmp_path: Path, peer_id: bytes
) -> None:
    result = _run_eapol_test(eapol_test, tmp_path, port=radius_server.port, psk=PSK, peer_id=peer_id)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "MPPE keys OK: 1  mismatch: 0" in result.stdout
    assert result.stdout.splitlines()[-1] == "SUCCESS"
    assert radius_server.discarded == []
    [conversation] = radius_server.conversations
    server = conversation.eap_server
    assert server.succeeded, server.failure_reason
    assert server.peer_id == peer_id
    assert conversation.codes == [radius.AccessChallenge, radius.AccessChallenge, radius.AccessAccept]
    assert server.msk is not None
    assert _hexdump(result.stdout, "EAP-PSK: MSK") == server.msk
    # eapol_test only compares the Recv-Key with its PMK; check that both halves arrived.
    recv_key = _hexdump(result.stdout, "MS-MPPE-Recv-Key (crypt)")
    send_key = _hexdump(result.stdout, "MS-MPPE-Send-Key (sign)")
    assert recv_key is not None and send_key is not None
    assert recv_key + send_key == server.msk


def test_eapol_test_with_a_wrong_psk_is_rejected_by_our_server(
    eapol_test: str, radius_server: RadiusEapServer, tmp_path: Path
) -> None:
    result = _run_eapol_test(eapol_test, tmp_path, port=radius_server.port, psk=WRONG_PSK)

    assert result.returncode != 0
    assert "CTRL-EVENT-EAP-FAILURE" in result.stdout
    assert result.stdout.splitlines()[-1] == "FAILURE"
    assert _hexdump(result.stdout, "EAP-PSK: MSK") is None
    [conversation] = radius_server.conversations
    server = conversation.eap_server
    assert server.failed and server.msk is None
    assert server.failure_reason == "MAC_P does not verify (wrong PSK)"
    assert conversation.protocol_error is None  # an outcome in band, not a broken protocol
    assert conversation.codes == [radius.AccessChallenge, radius.AccessReject]
