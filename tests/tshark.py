"""tshark, Wireshark's command-line dissector, as an independent oracle for captures.

tshark is a Debian package installed by the project's Makefile (``make system-deps``).
Without it the tests that need it are skipped on a developer machine and fail under CI
(``CI`` set), so a CI machine that lost tshark cannot pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest


def run_tshark(
    tshark: str,
    capture: Path,
    *,
    keys: Iterable[tuple[bytes, int]] = (),
    disabled_heuristics: Iterable[str] = (),
    config_dir: Path,
) -> list[str]:
    """Dissect every frame of ``capture`` verbosely; one text block per frame.

    ``keys`` go into the ieee802154_keys UAT (key, key index, "No hash": the key is used
    as given). UDP checksums are verified. ``disabled_heuristics`` names heuristic
    dissectors (Wireshark's short names, e.g. ``6lowpan_wlan``) to keep away from MAC
    payloads that are not meant as 6LoWPAN or ZigBee. A private configuration directory
    keeps the user's Wireshark preferences out of the result.
    """
    args = [tshark, "-n", "-r", str(capture), "-V", "-o", "udp.check_checksum:TRUE"]
    for key, index in keys:
        args += ["-o", f'uat:ieee802154_keys:"{key.hex()}","{index}","No hash"']
    for name in disabled_heuristics:
        args += ["--disable-heuristic", name]
    env = {**os.environ, "WIRESHARK_CONFIG_DIR": str(config_dir)}
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError(f"tshark failed ({result.returncode}): {result.stderr}")
    return re.split(r"(?m)^(?=Frame \d+: )", result.stdout)[1:]


def find_tshark() -> str:
    path = shutil.which("tshark")
    if path is None:
        message = "tshark is not installed (the Makefile installs it: apt-get install -y tshark)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
