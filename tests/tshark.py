"""tshark, Wireshark's command-line dissector, as an independent oracle for captures.

tshark is a Debian package installed by the project's Makefile (``make system-deps``).
Without it the tests that need it are skipped on a developer machine and fail under CI
(``CI`` set), so a CI machine that lost tshark cannot pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Sequence
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


def run_tshark_over(
    tshark: str,
    captures: Sequence[Path],
    *,
    keys: Iterable[tuple[bytes, int]] = (),
    disabled_heuristics: Iterable[str] = (),
    config_dir: Path,
) -> list[list[str]]:
    """:func:`run_tshark` over several classic pcap files in one tshark: a block per frame,
    a list of them per capture, in the order given.

    tshark's start (registering every dissector) costs far more than dissecting a
    scenario's few hundred frames, so the captures are joined into one file (the first
    file's header, then every file's records, as mergecap -a appends them) and split
    again by their record counts. Wireshark then keeps its cross-frame state over the
    whole file: the frame numbers that PANA's request/answer links and UDP's stream
    index show, and the time since the previous frame, differ from a capture dissected
    alone; whether a frame is malformed, has expert errors or decrypts does not (checked
    on the 107 captures of a seed-7 conformance run with its keys revealed, 49,665 frames:
    apart from those generated fields, every line of every frame's dissection the same).
    """
    if not captures:
        return []
    octets = [capture.read_bytes() for capture in captures]
    header = octets[0][:_PCAP_HEADER]
    for capture, data in zip(captures, octets, strict=True):
        if data[:_PCAP_HEADER] != header:
            raise AssertionError(f"{capture.name}: not a pcap file like {captures[0].name}, cannot join them")
    joined = config_dir / "joined.pcap"
    joined.write_bytes(header + b"".join(data[_PCAP_HEADER:] for data in octets))
    blocks = run_tshark(
        tshark, joined, keys=keys, disabled_heuristics=disabled_heuristics, config_dir=config_dir
    )
    counts = [_records(data, header) for data in octets]
    if sum(counts) != len(blocks):
        raise AssertionError(f"tshark dissected {len(blocks)} frames of the {sum(counts)} joined")
    starts = [sum(counts[:index]) for index in range(len(counts))]
    return [blocks[start : start + count] for start, count in zip(starts, counts, strict=True)]


_PCAP_HEADER = 24  # the classic pcap file header; a record header is 16 octets


def _records(data: bytes, header: bytes) -> int:
    """How many records a classic pcap file holds, by walking their headers."""
    order = "<" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    count, offset = 0, _PCAP_HEADER
    while offset < len(data):
        (captured,) = struct.unpack_from(f"{order}I", data, offset + 8)
        offset += 16 + captured
        count += 1
    return count


def find_tshark() -> str:
    path = shutil.which("tshark")
    if path is None:
        message = "tshark is not installed (the Makefile installs it: apt-get install -y tshark)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
