"""The second, independent check of the module emulator (DESIGN.md rule 10): nbtk/momonga, a
public SKSTACK-IP client for the B route installed from PyPI unmodified, drives the emulator
on a real pty as if it were a BP35A1 or a BP35C2 in the PaC role.

momonga was written against real modules by someone else: it reads ROPT's CR-only answer,
writes WOPT 01 on a BP35A1, takes FAIL ER04 for "no ROPT" on a BP35C2, tells the two apart by
EINFO's fifth field, scans (``SKSCAN 2 FFFFFFFF 6 [0]``) and reads the EPANDESC block, joins
(``SKJOIN`` -> ``EVENT 25``), sends ECHONET Lite with ``SKSENDTO`` (SIDE on the C family),
reads the answer from ``ERXUDP`` (the RSSI column after its ``SKSREG SA2 1``, hex data) and
ends with ``SKTERM`` -> ``EVENT 27``. Each of those is a line the emulator prints that the
bench's own driver and codec did not write.
"""

from __future__ import annotations

import logging

import pytest

from tests.rigs.drivers.test_skstack_radio import emulator

momonga = pytest.importorskip("momonga")  # the dev extra installs it (pyproject.toml)

RBID = "00112233445566778899AABBCCDDEEFF"
PASSWORD = "0123456789AB"
PACE = 20  # the active scan of DURATION 6 takes 17.5 s of module time


@pytest.mark.parametrize("variant", ["bp35a1", "bp35c2"])
def test_momonga_reads_the_meter_through_the_emulated_module(variant: str, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="momonga")
    args = ["--pty", "--role", "pac", "--variant", variant, "--pace", str(PACE)]
    args += ["--coordinator-id", RBID, "--coordinator-password", PASSWORD]
    with emulator(*args) as (_, pty, _started):
        client = momonga.Momonga(RBID, PASSWORD, pty, scan_retries=1, join_retries=1)
        # momonga waits its transmit interval (5 s, for a real meter) after the join and
        # after each of its two set-up reads: the same wait in the module's time, which
        # runs PACE times faster (before: 15 s of each run's 21 s asleep, issue 14).
        client.internal_xmit_interval /= PACE
        with client:
            power = client.get_instantaneous_power()
            device = client.session_manager.skw.device_type.name
    assert power == 500  # the smart meter twin's B-route node (conformance/twin/meter/b_route.py)
    assert device == variant.upper()
    log = caplog.text
    if variant == "bp35a1":
        assert "WOPT" in log  # ROPT said binary: momonga switched the module to hex ASCII
    else:
        assert "ROPT command is unsupported" in log
    assert "EVENT 27" in log  # SKTERM ended the session


def test_momonga_is_refused_with_the_wrong_password() -> None:
    args = ["--pty", "--role", "pac", "--pace", str(PACE)]
    args += ["--coordinator-id", RBID, "--coordinator-password", PASSWORD]
    with emulator(*args) as (_, pty, _started), pytest.raises(momonga.MomongaSkJoinFailure):
        momonga.Momonga(RBID, "WRONGPASSWD0", pty, scan_retries=1, join_retries=1).open()
