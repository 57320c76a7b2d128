"""The evidence bundle: one signed archive per run, and the command that checks one.

    python -m reports.bundle create [--out reports/out] [--ics PATH] [--rig PATH] [--key PATH]
    python -m reports.bundle verify ARCHIVE [--public-key PEM]

``create`` packs what a lab needs to judge the run into ``evidence-<run>.tar.gz``:

    MANIFEST.sha256     one "<SHA-256>  <path>" line per file (``sha256sum -c`` reads it)
    MANIFEST.sig        Ed25519 signature of MANIFEST.sha256, hex
    signing-key.pub     the public key that verifies it (PEM)
    allure-results/     every Allure result and attachment of the run
    captures/           each scenario's air capture under the scenario's name
    html/index.html     the single-file HTML report
    traceability.html, traceability.json, verdicts.json, conformance.log
    declaration.yaml    the terminal's declaration, passwords redacted
    rig.yaml            the rig file, if the run used one, secrets redacted

The signing key is generated once per bench install and stays outside every bundle
(default ``reports/out/bundle-signing-key.pem``, mode 0600). The public key travels in
the bundle and its fingerprint is printed, so a lab can pin it (``--public-key``).

``verify`` checks the signature first (a changed manifest fails it), then every file
against the manifest, and names each file that changed, is missing, or was added; it
exits non-zero if anything is wrong. It reads an archive or an unpacked bundle directory.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import sys
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, SecretBytes, SecretStr

from conformance.ics import DEFAULT_DECLARATION, load_declaration
from reports.i18n.readme import README, bundle_readme

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"
PUBLIC_KEY = "signing-key.pub"
META = (MANIFEST, SIGNATURE, PUBLIC_KEY)
REDACTED = "REDACTED"
_REDACTION_NOTE = f"# {{name}}, secrets replaced by {REDACTED} for the evidence bundle\n"
# Keys of a rig file or declaration whose values are secrets, whatever the schema says.
SECRET_KEY = re.compile(r"pass(word|wd|phrase)?|secret|psk|private|token|credential|api_?key|(^|_)key$", re.I)
_MTIME = 1_767_225_600  # 2026-01-01: member times do not vary with the run, hashes stand for content


@dataclass(slots=True)
class Verification:
    """What ``verify`` found; ``ok`` only when the signature holds and every file matches."""

    signature_ok: bool = False
    fingerprint: str = ""
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return self.signature_ok and not (self.problems or self.changed or self.missing or self.extra)


# -- keys ------------------------------------------------------------------------------


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The bench's signing key; made on first use, readable by its owner only."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


# -- redaction -------------------------------------------------------------------------


def _model_secrets(model: BaseModel) -> list[str]:
    found = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, SecretBytes):
            found.append(value.get_secret_value().decode(errors="replace"))
        elif isinstance(value, BaseModel):
            found += _model_secrets(value)
    return found


def _keyed_secrets(document: object) -> list[str]:
    """Values under secret-sounding keys anywhere in a parsed YAML document."""
    found: list[str] = []
    if isinstance(document, Mapping):
        for key, value in document.items():
            if (
                isinstance(key, str)
                and SECRET_KEY.search(key)
                and isinstance(value, str | int | float | bytes)
            ):
                found.append(str(value))
            else:
                found += _keyed_secrets(value)
    elif isinstance(document, list):
        for value in document:
            found += _keyed_secrets(value)
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced, the longest first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redacted_declaration(path: Path | None) -> str:
    """The declaration as the vendor wrote it (comments kept), its secrets replaced."""
    source = Path(path or DEFAULT_DECLARATION)
    text = source.read_text(encoding="utf-8")
    secrets = _model_secrets(load_declaration(path)) + _keyed_secrets(yaml.safe_load(text))
    return _REDACTION_NOTE.format(name=source.name) + redact(text, secrets)


def redacted_rig(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return _REDACTION_NOTE.format(name=path.name) + redact(text, _keyed_secrets(yaml.safe_load(text)))


# -- create ----------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower()[:80] or "scenario"


def capture_copies(results: Path) -> dict[str, bytes]:
    """Each scenario's pcap under a readable name: ``captures/NN-<scenario>[-params].pcap``."""
    copies: dict[str, bytes] = {}
    scenario_results = sorted(
        (json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-result.json")),
        key=lambda r: (r.get("start", 0), r.get("name", "")),
    )
    for number, result in enumerate(scenario_results, start=1):
        name = _slug(result.get("name", ""))
        params = _slug("-".join(str(p.get("value", "")) for p in result.get("parameters", [])))
        stem = f"{number:02d}-{name}" + (f"-{params}" if params and params not in name else "")
        for attachment in result.get("attachments", []):
            source = results / attachment["source"]
            if source.suffix == ".pcap" and source.exists():
                copies[f"captures/{stem}.pcap"] = source.read_bytes()
    return copies


def collect(out: Path, *, ics: Path | None, rig: Path | None) -> dict[str, bytes]:
    """Every file of the bundle by its path inside it (the manifest and signature aside)."""
    results = out / "allure-results"
    if not any(results.glob("*-result.json")):
        raise FileNotFoundError(f"{results} holds no Allure result: run the conformance run first")
    files: dict[str, bytes] = {}
    for path in sorted(results.rglob("*")):
        if path.is_file():
            files[f"allure-results/{path.relative_to(results).as_posix()}"] = path.read_bytes()
    files.update(capture_copies(results))
    for name in ("verdicts.json", "traceability.json", "traceability.html", "conformance.log"):
        if (out / name).exists():
            files[name] = (out / name).read_bytes()
    if (out / "html" / "index.html").exists():
        files["html/index.html"] = (out / "html" / "index.html").read_bytes()
    files["declaration.yaml"] = redacted_declaration(ics).encode()
    files[README] = bundle_readme(out).encode()  # in the report's language (reports/i18n/readme.py)
    if rig is not None:
        files["rig.yaml"] = redacted_rig(rig).encode()
    return files


def manifest(files: Mapping[str, bytes]) -> bytes:
    lines = [f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode()


def run_name(out: Path) -> str:
    """``<model>-<firmware>-seed<N>-<UTC time of the first scenario>``: one name per run."""
    properties = out / "allure-results" / "environment.properties"
    values = {}
    if properties.exists():
        lines = properties.read_text(encoding="utf-8").splitlines()
        values = dict(line.split("=", 1) for line in lines if "=" in line)
    starts = [
        json.loads(p.read_text(encoding="utf-8")).get("start", 0)
        for p in (out / "allure-results").glob("*-result.json")
    ]
    began = datetime.fromtimestamp(min(starts, default=0) / 1000, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    model, firmware = values.get("terminal.model", "terminal"), values.get("terminal.firmware", "")
    return _slug(f"{model} {firmware} seed{values.get('seed', '')}") + f"-{began}"


def create(
    out: Path, *, ics: Path | None = None, rig: Path | None = None, key: Path | None = None,
    archive: Path | None = None,
) -> Path:  # fmt: skip
    """Write the signed bundle of the run in ``out``; returns the archive's path."""
    files = collect(out, ics=ics, rig=rig)
    signing_key = load_or_create_key(key or out / "bundle-signing-key.pem")
    listed = manifest(files)
    files[MANIFEST] = listed
    files[SIGNATURE] = signing_key.sign(listed).hex().encode() + b"\n"
    files[PUBLIC_KEY] = public_pem(signing_key.public_key())
    name = run_name(out)
    archive = archive or out / f"evidence-{name}.tar.gz"
    top = f"evidence-{name}"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(files):
            member = tarfile.TarInfo(f"{top}/{path}")
            member.size = len(files[path])
            member.mtime = _MTIME
            member.mode = 0o644
            tar.addfile(member, io.BytesIO(files[path]))
    return archive


# -- verify ----------------------------------------------------------------------------


def _read_archive(archive: Path) -> tuple[dict[str, bytes], list[str]]:
    files: dict[str, bytes] = {}
    problems = []
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        tops = {PurePosixPath(m.name).parts[0] for m in members if m.name}
        for member in members:
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts:
                problems.append(f"unsafe path in the archive: {member.name}")
                continue
            if member.isdir():
                continue
            if not member.isfile():
                problems.append(f"not a regular file: {member.name}")
                continue
            inner = PurePosixPath(*path.parts[1:]).as_posix() if len(tops) == 1 else path.as_posix()
            handle = tar.extractfile(member)
            files[inner] = handle.read() if handle else b""
    return files, problems


def _read_directory(directory: Path) -> tuple[dict[str, bytes], list[str]]:
    files, problems = {}, []
    for path in sorted(directory.rglob("*")):
        if path.is_symlink():
            problems.append(f"not a regular file: {path.relative_to(directory).as_posix()}")
        elif path.is_file():
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return files, problems


def verify(bundle: Path, *, public_key: Path | None = None) -> Verification:
    """Check the signature and every file of an archive (or an unpacked bundle directory)."""
    result = Verification()
    files, result.problems = _read_directory(bundle) if bundle.is_dir() else _read_archive(bundle)
    absent = [name for name in META if name not in files]
    if absent:
        result.problems.append(f"not a signed bundle: {', '.join(absent)} missing")
        return result
    try:
        key_pem = public_key.read_bytes() if public_key else files[PUBLIC_KEY]
        key = serialization.load_pem_public_key(key_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        result.fingerprint = fingerprint(key)
        if public_key is not None and key_pem.strip() != files[PUBLIC_KEY].strip():
            result.problems.append("the bundle's signing-key.pub is not the pinned public key")
        key.verify(bytes.fromhex(files[SIGNATURE].decode().strip()), files[MANIFEST])
        result.signature_ok = True
    except (InvalidSignature, ValueError, UnicodeDecodeError) as exc:
        result.problems.append(f"the signature of {MANIFEST} does not verify ({type(exc).__name__})")
    listed: dict[str, str] = {}
    for number, line in enumerate(files[MANIFEST].decode(errors="replace").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
            result.problems.append(f"{MANIFEST} line {number} is malformed: {line[:80]!r}")
            continue
        listed[name] = digest
    for name, digest in listed.items():
        if name not in files:
            result.missing.append(name)
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            result.changed.append(name)
        result.checked += 1
    result.extra = sorted(name for name in files if name not in listed and name not in META)
    return result


def report_lines(result: Verification) -> list[str]:
    lines = [f"signature: {'good' if result.signature_ok else 'BAD'} (key {result.fingerprint or 'unknown'})"]
    lines += [f"problem: {p}" for p in result.problems]
    lines += [f"changed: {name}" for name in result.changed]
    lines += [f"missing: {name}" for name in result.missing]
    lines += [f"extra (not in the manifest): {name}" for name in result.extra]
    verdict = "bundle intact" if result.ok else "BUNDLE NOT INTACT"
    lines.append(f"{verdict}: {result.checked} files checked against {MANIFEST}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="pack and sign the run's evidence")
    make.add_argument("--out", type=Path, default=Path("reports/out"), help="the run's output directory")
    make.add_argument("--ics", type=Path, default=None, help="the declaration the run used")
    make.add_argument("--rig", type=Path, default=None, help="the rig file the run used")
    make.add_argument(
        "--key", type=Path, default=None, help="signing key (default OUT/bundle-signing-key.pem)"
    )
    make.add_argument("--archive", type=Path, default=None, help="where to write the archive")
    check = commands.add_parser("verify", help="check a bundle's signature and every file")
    check.add_argument("bundle", type=Path, help="an evidence-*.tar.gz, or an unpacked bundle directory")
    check.add_argument("--public-key", type=Path, default=None, help="the PEM public key to pin")
    args = parser.parse_args(argv)
    if args.command == "create":
        try:
            archive = create(args.out, ics=args.ics, rig=args.rig, key=args.key, archive=args.archive)
        except (OSError, ValueError) as exc:
            print(f"evidence bundle: {exc}", file=sys.stderr)
            return 1
        print(f"evidence bundle: {archive}")
        return 0
    try:
        result = verify(args.bundle, public_key=args.public_key)
    except (OSError, tarfile.TarError) as exc:
        print(f"evidence bundle: cannot read {args.bundle}: {exc}", file=sys.stderr)
        return 2
    for line in report_lines(result):
        print(line)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
