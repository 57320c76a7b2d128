"""The evidence bundle: what it holds, and a verification that notices any change."""

from __future__ import annotations

import functools
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from conformance.ics import DEFAULT_OBJECT_MODEL
from reports.bundle import MANIFEST, REDACTED, SIGNATURE, redacted_data, redacted_rig, verify
from reports.i18n.readme import README

ROOT = Path(__file__).resolve().parents[2]


def members(archive: Path) -> dict[str, bytes]:
    """The files of ``archive`` by their path inside it: a copy the caller may change."""
    return dict(_unpacked(archive))


@functools.cache
def _unpacked(archive: Path) -> dict[str, bytes]:
    # The session's bundles are read by several tests: each is unpacked once (53 MB).
    with tarfile.open(archive) as tar:
        return {
            m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def repack(files: dict[str, bytes], archive: Path, top: str = "evidence-x") -> Path:
    # Level 1: verify reads any gzip level alike, and level 9 took 2.4 s per repack.
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        for name, body in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return archive


def verify_command(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "reports.bundle", "verify", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_bundle_holds_the_run_and_verifies(run) -> None:
    files = members(run.bundle)
    results = {p.name for p in run.results.iterdir()}
    assert {f"allure-results/{name}" for name in results} <= set(files)
    for name in (
        "html/index.html",
        "traceability.json",
        "traceability.html",
        "verdicts.json",
        "declaration.yaml",
        "object-model.yaml",
    ):
        assert name in files, name
    captures = [name for name in files if name.startswith("captures/")]
    assert len(captures) == len(run.scenario_results())
    assert all(files[name].startswith(b"\xd4\xc3\xb2\xa1") for name in captures)  # pcap magic
    listed = files[MANIFEST].decode().splitlines()
    assert len(listed) == len(files) - 3  # all but the manifest, its signature and the public key
    done = verify_command(str(run.bundle), "--public-key", str(run.key.with_suffix(".pub")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bundle intact" in done.stdout
    assert run.key.exists() and run.key.name not in {Path(name).name for name in files}  # the key stays out
    assert not list(run.out.rglob("*.pem"))  # nothing secret in the folder a user hands over


def test_the_declaration_travels_with_its_password_redacted(run) -> None:
    declaration = yaml.safe_load(members(run.bundle)["declaration.yaml"])
    assert declaration["credentials"]["password"] == REDACTED
    assert declaration["identity"]["model"] == "Reference terminal twin"


def test_the_object_model_the_terminal_was_judged_in_travels_with_it(run) -> None:
    model = yaml.safe_load(members(run.bundle)["object-model.yaml"])
    assert model == yaml.safe_load(DEFAULT_OBJECT_MODEL.read_text(encoding="utf-8"))


def test_changing_one_byte_of_a_file_fails_verification_and_names_the_file(run, tmp_path: Path) -> None:
    files = members(run.bundle)
    victim = next(name for name in sorted(files) if name.startswith("captures/"))
    body = bytearray(files[victim])
    body[len(body) // 2] ^= 0x01
    files[victim] = bytes(body)
    archive = repack(files, tmp_path / "changed.tar.gz")
    result = verify(archive)
    assert result.signature_ok and not result.ok
    assert result.changed == [victim]
    done = verify_command(str(archive))
    assert done.returncode == 1
    assert f"changed: {victim}" in done.stdout and "BUNDLE NOT INTACT" in done.stdout


def test_an_unpacked_bundle_is_verified_the_same_way(run, tmp_path: Path) -> None:
    with tarfile.open(run.bundle) as tar:
        tar.extractall(tmp_path, filter="data")
    [top] = tmp_path.iterdir()
    pinned = run.key.with_suffix(".pub")
    assert verify(top, public_key=pinned).ok
    (top / "verdicts.json").write_bytes((top / "verdicts.json").read_bytes() + b" ")
    (top / "traceability.html").unlink()
    (top / "notes.txt").write_text("added after signing")
    result = verify(top, public_key=pinned)
    assert (result.changed, result.missing, result.extra) == (
        ["verdicts.json"],
        ["traceability.html"],
        ["notes.txt"],
    )
    done = verify_command(str(top), "--public-key", str(pinned))
    assert done.returncode == 1
    for line in ("changed: verdicts.json", "missing: traceability.html", "notes.txt"):
        assert line in done.stdout


def test_a_tampered_manifest_fails_the_signature(run, tmp_path: Path) -> None:
    files = members(run.bundle)
    victim = "verdicts.json"
    files[victim] = files[victim].replace(b'"pass"', b'"fail"', 1)
    # A forger who also rewrites the manifest to match still lacks the signing key.
    lines = files[MANIFEST].decode().splitlines()
    forged = [
        f"{hashlib.sha256(files[victim]).hexdigest()}  {victim}" if line.endswith(f"  {victim}") else line
        for line in lines
    ]
    files[MANIFEST] = ("\n".join(forged) + "\n").encode()
    result = verify(repack(files, tmp_path / "forged.tar.gz"))
    assert not result.signature_ok and not result.ok
    assert result.changed == []  # the files match the forged manifest: only the signature tells
    done = verify_command(str(tmp_path / "forged.tar.gz"))
    assert done.returncode == 1 and "signature: BAD" in done.stdout


def test_a_bundle_re_signed_with_another_key_fails_against_the_pinned_key(run, tmp_path: Path) -> None:
    pinned = tmp_path / "bench.pub"
    pinned.write_bytes(members(run.bundle)["signing-key.pub"])
    assert verify(run.bundle, public_key=pinned).ok
    out = tmp_path / "out"
    shutil.copytree(run.out, out, ignore=shutil.ignore_patterns("evidence-*"))
    other = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports.bundle",
            "create",
            "--out",
            str(out),
            "--key",
            str(tmp_path / "other.pem"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    [archive] = out.glob("evidence-*.tar.gz")
    assert str(archive) in other.stdout
    assert verify(archive, trust_embedded_key=True).ok  # consistent on its own...
    assert not verify(archive).ok  # ...which proves nothing without a trust anchor...
    result = verify(archive, public_key=pinned)
    assert not result.ok  # ...and it is not signed by this bench
    assert any("pinned" in p for p in result.problems)


def test_a_bundle_without_its_signature_is_refused(run, tmp_path: Path) -> None:
    files = members(run.bundle)
    del files[SIGNATURE]
    result = verify(repack(files, tmp_path / "unsigned.tar.gz"))
    assert not result.ok and any("not a signed bundle" in p for p in result.problems)


@pytest.mark.parametrize("key", ["password", "psk", "api_key", "visa_secret"])
def test_secrets_under_secret_sounding_keys_are_redacted(key: str) -> None:
    # A rig file's schema holds no secret field today; the re-emitted data still drops any
    # value under a secret-sounding key, in case one is added.
    document = {"radio": {"port": "/dev/ttyUSB0", key: "Zx81-secret-value", "baud": 115200}}
    text = yaml.safe_dump(redacted_data(document))
    assert "Zx81-secret-value" not in text
    assert yaml.safe_load(text) == {"radio": {"port": "/dev/ttyUSB0", key: REDACTED, "baud": 115200}}


def test_the_bundle_says_what_it_holds_in_the_reports_language(report) -> None:
    readme = members(report.bundle)[README].decode()
    files = members(report.bundle)
    for name in ("html/index.html", "traceability.html", "MANIFEST.sha256", "declaration.yaml"):
        assert name in readme and name in files, name
    if report.language == "ja":
        assert readme.startswith("IoTルート適合性試験の証跡バンドル")
        assert "まず html/index.html（レポート）と traceability.html（認証サマリ）を開いて" in readme
    else:
        assert readme.startswith("Evidence bundle of an IoT-route conformance run")


def test_the_rig_file_is_re_emitted_from_the_validated_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IOTROUTE_RIG_RADIO", "/dev/pts/7")
    monkeypatch.setenv("IOTROUTE_RIG_MAINTENANCE", "/dev/pts/8")
    monkeypatch.setenv("IOTROUTE_RIG_DIGITAL_IO_PORT", "5020")
    monkeypatch.setenv("IOTROUTE_RIG_SIGNAL_GENERATOR_PORT", "5025")
    monkeypatch.setenv("IOTROUTE_RIG_ATTENUATOR_PORT", "5026")
    emulated = ROOT / "rigs" / "emulators" / "rig.yaml"
    text = redacted_rig(emulated)
    assert text.startswith("# rig.yaml (read as UTF-8), re-emitted by the bench")
    emitted = yaml.safe_load(text)
    assert emitted["resources"]["radio"]["serial"]["port"] == "/dev/pts/7"  # what the run used
    assert emitted["resources"]["io"]["modbus"]["port"] == 5020
    assert emitted["resources"]["home"]["network"]["address"] == "127.0.0.1"
