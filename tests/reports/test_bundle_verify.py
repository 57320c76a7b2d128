"""Evidence a lab can trust (issue 15): ``verify`` needs a trust anchor, refuses duplicate
members, streams members within limits, and calls every damaged archive a corrupt bundle;
the signing key lives outside the output folder. These tests build small bundles of their
own; tests/reports/test_bundle.py checks the bundle of a real conformance run."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import time
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reports import bundle
from reports.bundle import (
    EMBEDDED_KEY_WARNING,
    MANIFEST,
    MAX_MEMBER_OCTETS,
    PUBLIC_KEY,
    SIGNATURE,
    create,
    load_or_create_key,
    public_pem,
    verify,
)

ROOT = Path(__file__).resolve().parents[2]
TWO_GIB = 2 << 30
ZEROS_SHA256 = "a7c744c13cc101ed66c29f672f92455547889cc586ce6d44fe76ae824958ea51"  # of 2 GiB of zeros


@pytest.fixture(autouse=True)
def _config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has a per-user configuration folder of its own, empty."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv(bundle.KEY_VARIABLE, raising=False)
    return home


def small_run(out: Path) -> Path:
    """What a conformance run leaves in ``out``, in miniature."""
    results = out / "allure-results"
    results.mkdir(parents=True)
    result = {"name": "A scenario", "status": "passed", "start": 1_767_225_600_000, "attachments": []}
    (results / "0001-result.json").write_text(json.dumps(result))
    (out / "verdicts.json").write_text('{"A scenario": "pass"}\n')
    return out


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A small signed bundle, its bench's private key and the public key a lab pins."""
    key = tmp_path / "keys" / "bench.pem"
    archive = create(small_run(tmp_path / "out"), key=key)
    return archive, key, key.with_suffix(".pub")


def members(archive: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(archive) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]


def pack(entries: list[tuple[str, bytes]], archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        for name, body in entries:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return archive


def resign(entries: list[tuple[str, bytes]], key: Ed25519PrivateKey) -> list[tuple[str, bytes]]:
    """The bundle's files with a manifest made afresh and signed by ``key``: a forger's work."""
    files = {name: body for name, body in entries if name.rsplit("/", 1)[-1] not in bundle.META}
    top = entries[0][0].split("/", 1)[0]
    listed = "".join(
        f"{hashlib.sha256(body).hexdigest()}  {name.split('/', 1)[1]}\n"
        for name, body in sorted(files.items())
    ).encode()
    meta = {
        MANIFEST: listed,
        SIGNATURE: key.sign(listed).hex().encode() + b"\n",
        PUBLIC_KEY: public_pem(key.public_key()),
    }
    return [(f"{top}/{name}", body) for name, body in meta.items()] + sorted(files.items())


def forge(archive: Path, tmp_path: Path) -> Path:
    """Change a verdict, then re-sign the whole bundle with a key of the forger's own."""
    entries = [
        (name, body.replace(b'"pass"', b'"fail"') if name.endswith("verdicts.json") else body)
        for name, body in members(archive)
    ]
    return pack(resign(entries, Ed25519PrivateKey.generate()), tmp_path / "forged.tar.gz")


def verify_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "reports.bundle", "verify", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


# -- a trust anchor -------------------------------------------------------------------


def test_a_bundle_re_signed_with_another_key_is_refused_unless_told_which_key_to_trust(
    signed, tmp_path: Path
) -> None:
    archive, _, pub = signed
    forged = forge(archive, tmp_path)
    # Before: verify trusted the key in the bundle, so this printed "bundle intact".
    assert not verify(forged).ok
    assert any("no trust anchor" in p for p in verify(forged).problems)
    pinned = verify(forged, public_key=pub)
    assert pinned.signature_ok and not pinned.ok  # consistent in itself, not signed by this bench
    assert any("not the pinned public key" in p for p in pinned.problems)
    done = verify_command(str(forged))
    assert done.returncode == 1 and "no trust anchor" in done.stdout and "BUNDLE NOT INTACT" in done.stdout
    done = verify_command(str(forged), "--public-key", str(pub))
    assert done.returncode == 1 and "NOT TRUSTED" in done.stdout
    # Told to take the bundle's own key, it says so loudly.
    done = verify_command(str(forged), "--trust-embedded-key")
    assert done.returncode == 0 and "bundle intact" in done.stdout
    assert (
        EMBEDDED_KEY_WARNING in " ".join(done.stderr.split()) and "embedded key (not pinned)" in done.stdout
    )


def test_the_genuine_bundle_verifies_against_the_pinned_key_and_a_keyring(signed, tmp_path: Path) -> None:
    archive, _, pub = signed
    result = verify(archive, public_key=pub)
    assert result.ok and result.trust == f"pinned key {pub}"
    ring = tmp_path / "lab-keyring"
    ring.mkdir()
    (ring / "other-bench.pub").write_bytes(public_pem(Ed25519PrivateKey.generate().public_key()))
    assert not verify(archive, keyring=[ring]).ok  # a keyring without this bench
    (ring / "bench-7.pub").write_bytes(pub.read_bytes())
    assert verify(archive, keyring=[ring]).ok
    done = verify_command(str(archive), "--keyring", str(ring))
    assert done.returncode == 0 and f"keyring {ring}" in done.stdout


def test_the_users_keyring_of_known_benches_is_the_default_anchor(signed, _config_home: Path) -> None:
    archive, _, pub = signed
    ring = _config_home / "iotroute-bench" / bundle.KEYRING_FOLDER
    ring.mkdir(parents=True)
    (ring / "bench.pub").write_bytes(pub.read_bytes())
    assert verify(archive).ok
    done = verify_command(str(archive), env={**os.environ, "XDG_CONFIG_HOME": str(_config_home)})
    assert done.returncode == 0, done.stdout + done.stderr


# -- duplicates, limits and damage ------------------------------------------------------


def test_a_duplicate_member_is_refused_even_with_the_forged_copy_first(signed, tmp_path: Path) -> None:
    archive, _, pub = signed
    entries = members(archive)
    verdicts = next(i for i, (name, _) in enumerate(entries) if name.endswith("verdicts.json"))
    name, genuine = entries[verdicts]
    forged = [*entries[:verdicts], (name, genuine.replace(b"pass", b"fail")), *entries[verdicts:]]
    result = verify(pack(forged, tmp_path / "twice.tar.gz"), public_key=pub)
    assert not result.ok and result.duplicates == ["verdicts.json"]
    done = verify_command(str(tmp_path / "twice.tar.gz"), "--public-key", str(pub))
    assert (
        done.returncode == 1
        and "duplicate (the archive holds it more than once): verdicts.json" in done.stdout
    )


def _zeros_archive(path: Path, key: Ed25519PrivateKey, size: int) -> Path:
    """A signed bundle whose one file is ``size`` octets of zeros, as a gzip stream of a few
    MB: the zeros are one deflate segment written again and again (each ends with a full
    flush, RFC 1951 §3.2.4 stored-block alignment), never held in memory or on disk."""
    listed = f"{ZEROS_SHA256}  zeros.bin\n".encode()
    buffer = io.BytesIO()
    tar = tarfile.TarFile(fileobj=buffer, mode="w")  # never closed: no end-of-archive padding
    meta = {
        MANIFEST: listed,
        SIGNATURE: key.sign(listed).hex().encode(),
        PUBLIC_KEY: public_pem(key.public_key()),
    }
    for name, body in meta.items():
        member = tarfile.TarInfo(f"evidence-zeros/{name}")
        member.size = len(body)
        tar.addfile(member, io.BytesIO(body))
    big = tarfile.TarInfo("evidence-zeros/zeros.bin")
    big.size = size
    head = buffer.getvalue() + big.tobuf(tarfile.PAX_FORMAT)
    tail = bytes(2 * tarfile.BLOCKSIZE)  # the end-of-archive marker
    block = bytes(1 << 20)
    assert size % len(block) == 0
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = zlib.crc32(head)
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # gzip member header (RFC 1952 §2.3)
        out.write(deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH))
        segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
        out.write(segment)
        for _ in range(size // len(block) - 1):
            out.write(segment)
            crc = zlib.crc32(block, crc)
        crc = zlib.crc32(block, crc)
        out.write(deflate.compress(tail) + deflate.flush(zlib.Z_FINISH))
        crc = zlib.crc32(tail, crc)
        length = (len(head) + size + len(tail)) & 0xFFFFFFFF
        out.write(crc.to_bytes(4, "little") + length.to_bytes(4, "little"))
    return path


def test_a_2_gib_member_of_zeros_verifies_in_under_100_mb(tmp_path: Path) -> None:
    # Before: the member was read whole (21 s, 2.2 GB).
    key = Ed25519PrivateKey.generate()
    archive = _zeros_archive(tmp_path / "zeros.tar.gz", key, TWO_GIB)
    assert archive.stat().st_size < 5_000_000
    pub = tmp_path / "bench.pub"
    pub.write_bytes(public_pem(key.public_key()))
    # VmHWM is the peak of this process's own memory (ru_maxrss would carry pytest's over exec).
    script = (
        "from pathlib import Path; from reports.bundle import verify\n"
        f"result = verify(Path({str(archive)!r}), public_key=Path({str(pub)!r}))\n"
        "peak = Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0]\n"
        "print(result.ok, result.checked, result.problems, peak)\n"
    )
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    ok, checked, *_, max_rss_kib = done.stdout.split()
    assert (ok, checked) == ("True", "1"), done.stdout
    assert int(max_rss_kib) < 100 * 1024, f"verify used {int(max_rss_kib) // 1024} MB"
    print(f"2 GiB member verified in {took:.1f} s, {int(max_rss_kib) // 1024} MB peak")


def test_a_member_claiming_more_than_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    huge = tarfile.TarInfo("evidence-x/huge.bin")
    huge.size = MAX_MEMBER_OCTETS + 1
    buffer.write(huge.tobuf(tarfile.PAX_FORMAT) + bytes(4096))  # the header, then far too little
    archive = tmp_path / "huge.tar.gz"
    archive.write_bytes(gzip.compress(buffer.getvalue()))
    began = time.monotonic()
    result = verify(archive, trust_embedded_key=True)
    assert time.monotonic() - began < 5
    assert not result.ok and result.problems[0].startswith("corrupt bundle: evidence-x/huge.bin claims")


def _damaged(archive: Path) -> dict[str, bytes]:
    data = archive.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    trailer = bytearray(data)
    trailer[-6] ^= 0xFF  # the gzip CRC-32
    return {
        "a bad deflate stream": bytes(flipped),
        "a truncated archive": data[: len(data) // 2],
        "a bad gzip CRC": bytes(trailer),
        "not gzip at all": b"\x1f\x8b" + os.urandom(200),
        "random octets": os.urandom(3000),
        "an empty file": b"",
        "a plain tar cut in a header": tarfile.TarInfo("x").tobuf()[:300],
    }


@pytest.mark.parametrize(
    "damage",
    ["a bad deflate stream", "a truncated archive", "a bad gzip CRC", "not gzip at all", "random octets",
     "an empty file", "a plain tar cut in a header"],
)  # fmt: skip
def test_a_damaged_archive_is_a_corrupt_bundle_never_a_traceback(signed, tmp_path: Path, damage: str) -> None:
    archive, _, pub = signed
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(_damaged(archive)[damage])
    result = verify(broken, public_key=pub)
    assert not result.ok
    done = verify_command(str(broken), "--public-key", str(pub))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "BUNDLE NOT INTACT" in done.stdout
    # A bad CRC may only show as a changed file; every other damage is named as such.
    assert (
        "corrupt bundle" in done.stdout or "not a signed bundle" in done.stdout or damage == "a bad gzip CRC"
    )


def test_a_missing_bundle_is_not_a_corrupt_one(tmp_path: Path) -> None:
    done = verify_command(str(tmp_path / "nowhere.tar.gz"), "--trust-embedded-key")
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr


# -- the signing key ------------------------------------------------------------------


def test_the_signing_key_lives_in_the_users_config_folder_readable_by_the_owner_only(
    tmp_path: Path, _config_home: Path
) -> None:
    out = small_run(tmp_path / "out")
    archive = create(out)
    key = _config_home / "iotroute-bench" / "bundle-signing-key.pem"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert not list(out.glob("*.pem"))  # nothing secret in the folder a user hands over
    assert verify(archive, public_key=key.with_suffix(".pub")).ok
    assert create(out, archive=tmp_path / "again.tar.gz") and key.read_bytes()  # the same key again


def test_the_key_location_can_be_overridden_by_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(bundle.KEY_VARIABLE, str(tmp_path / "elsewhere" / "lab.pem"))
    archive = create(small_run(tmp_path / "out"))
    assert verify(archive, public_key=tmp_path / "elsewhere" / "lab.pub").ok


def test_a_key_inside_the_output_folder_or_readable_by_others_is_refused(tmp_path: Path) -> None:
    out = small_run(tmp_path / "out")
    with pytest.raises(ValueError, match="lies in the output folder"):
        create(out, key=out / "bundle-signing-key.pem")
    loose = tmp_path / "loose.pem"
    load_or_create_key(loose)
    loose.chmod(0o644)
    with pytest.raises(ValueError, match="readable by others"):
        load_or_create_key(loose)
