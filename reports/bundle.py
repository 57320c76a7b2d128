"""The evidence bundle: one signed archive per run, and the command that checks one.

    python -m reports.bundle create [--out reports/out] [--ics PATH] [--rig PATH] [--key PATH]
    python -m reports.bundle verify BUNDLE (--public-key PEM | --keyring PATH | --trust-embedded-key)

``create`` packs what a lab needs to judge the run into ``evidence-<run>.tar.gz``:

    MANIFEST.sha256     one "<SHA-256>  <path>" line per file (``sha256sum -c`` reads it)
    MANIFEST.sig        Ed25519 signature of MANIFEST.sha256, hex
    signing-key.pub     the public key of the bench that signed it (PEM)
    allure-results/     every Allure result and attachment of the run
    captures/           each scenario's air capture under the scenario's name
    html/index.html     the single-file HTML report
    traceability.html, traceability.json, verdicts.json, conformance.log
    declaration.yaml    the terminal's declaration, re-emitted from the validated model, secrets replaced
    object-model.yaml   the DLMS/COSEM object model the terminal was judged in (the
                        declaration's ``object_model``, else the bench's default), re-emitted
    rig.yaml            the rig file, if the run used one, re-emitted the same way

**The signing key** is made once per user and never lives in the folder that is handed
over: ``$IOTROUTE_BUNDLE_KEY``, else ``$XDG_CONFIG_HOME/iotroute-bench/bundle-signing-key.pem``
(``~/.config/...``), created with mode 0600 in a 0700 folder; ``--key`` overrides both. A
key that others can read, or one inside the output folder, is refused. Its public half is
written next to it (``.pub``), for a lab to pin.

**Redaction by structure.** The declaration and the rig file are loaded and validated as
for the run, and written back from the model: every ``SecretStr`` field, and any value under
a secret-sounding key, becomes ``REDACTED``. However the vendor wrote a password (a YAML
escape, a folded line, ``!!binary``), it is a value of the model, and it is replaced.

``verify`` trusts nothing the bundle says about itself. It needs a trust anchor: a pinned
public key (``--public-key``), a keyring of known benches (``--keyring``, a PEM file of
several keys or a folder of ``*.pub``; ``$XDG_CONFIG_HOME/iotroute-bench/trusted-benches/``
is read when it exists), or ``--trust-embedded-key``, which takes the key in the bundle
and prints a warning that anyone can re-sign a forged bundle that way. Then it checks the
signature (a changed manifest fails it) and every file against the manifest, and names
each file that changed, is missing, was added or appears twice. Members are hashed as
they stream by, never held whole (``MAX_MEMBER_OCTETS`` each, ``MAX_BUNDLE_OCTETS`` in
all, ``MAX_MEMBERS`` files), so a bundle with a 2 GiB member of zeros verifies in a few
tens of MB. A damaged archive (a bad gzip stream, a truncated tar) is "corrupt bundle",
never a traceback. It reads an archive or an unpacked bundle directory.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import stat
import sys
import tarfile
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import IO, Any

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, SecretBytes, SecretStr

from conformance.ics import DEFAULT_DECLARATION, DEFAULT_OBJECT_MODEL, ObjectModelFile, load_declaration
from conformance.yamlfile import DocumentError, load_document, read_text
from reports.i18n.readme import README, bundle_readme

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"
PUBLIC_KEY = "signing-key.pub"
META = (MANIFEST, SIGNATURE, PUBLIC_KEY)
REDACTED = "REDACTED"
# Keys of a rig file or declaration whose values are secrets, whatever the schema says.
SECRET_KEY = re.compile(r"pass(word|wd|phrase)?|secret|psk|private|token|credential|api_?key|(^|_)key$", re.I)
_MTIME = 1_767_225_600  # 2026-01-01: member times do not vary with the run, hashes stand for content
KEY_VARIABLE = "IOTROUTE_BUNDLE_KEY"
KEY_NAME = "bundle-signing-key.pem"
KEYRING_FOLDER = "trusted-benches"
# Limits of verify (README "Limits"): far above a run's files, far below what exhausts a machine.
MAX_MEMBER_OCTETS = 4 << 30  # 4 GiB: the largest file, the HTML report of a long HIL run, is MBs
MAX_BUNDLE_OCTETS = 16 << 30
MAX_MEMBERS = 100_000  # a run over 20 seeds has about 10,000 files
MAX_META_OCTETS = 16 << 20  # the manifest, signature and public key are read whole
# 64 KiB: below glibc's mmap threshold, so each chunk reuses heap memory. At 1 MiB every
# chunk was a fresh mapping, zero-filled page by page by the kernel: verifying a 2 GiB
# member took 6.3 s of system time beside its 10 s of inflating and hashing (issue 14).
_CHUNK = 1 << 16
EMBEDDED_KEY_WARNING = (
    "WARNING: trusting the public key the bundle carries (--trust-embedded-key): anyone who "
    "changes a file can re-sign the bundle with a key of their own. Pin the bench's key "
    "(--public-key) or use a keyring of known benches (--keyring) to know who signed it."
)


class CorruptBundle(Exception):
    """The archive itself is damaged or malformed: a bad gzip stream, a truncated tar."""


@dataclass(slots=True)
class Verification:
    """What ``verify`` found; ``ok`` only when a trusted key signed it and every file matches."""

    signature_ok: bool = False
    trusted: bool = False  # the signing key is a trust anchor (or the embedded key was taken)
    trust: str = ""  # which anchor: "pinned key", "keyring FILE", "embedded key (not pinned)"
    fingerprint: str = ""
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        clean = not (self.problems or self.changed or self.missing or self.extra or self.duplicates)
        return self.signature_ok and self.trusted and clean


# -- keys ------------------------------------------------------------------------------


def config_folder() -> Path:
    """The bench's per-user configuration folder (XDG Base Directory Specification)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "iotroute-bench"


def default_key_path() -> Path:
    """Where the signing key lives unless ``--key`` says otherwise."""
    override = os.environ.get(KEY_VARIABLE)
    return Path(override) if override else config_folder() / KEY_NAME


def load_or_create_key(path: Path, *, out: Path | None = None) -> Ed25519PrivateKey:
    """The bench's signing key; made on first use, readable by its owner only.

    Refused when others can read it, or when it lies inside ``out`` (the folder a user
    hands over with the bundle)."""
    path = Path(path).expanduser()
    if out is not None and path.resolve().is_relative_to(Path(out).resolve()):
        raise ValueError(f"the signing key {path} lies in the output folder {out}: keep it outside (--key)")
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if os.name == "posix" and mode & 0o077:
            raise ValueError(
                f"the signing key {path} is readable by others (mode {mode:04o}): chmod 600 {path}"
            )
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        if not path.with_suffix(".pub").exists():
            path.with_suffix(".pub").write_bytes(public_pem(key.public_key()))  # for a lab to pin
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out_file:
        out_file.write(pem)
    path.with_suffix(".pub").write_bytes(public_pem(key.public_key()))  # for a lab to pin
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


def read_public_keys(path: Path) -> list[Ed25519PublicKey]:
    """The Ed25519 public keys of a PEM file (one or several keys) or of a folder's ``*.pub``."""
    path = Path(path).expanduser()
    files = sorted(path.glob("*.pub")) if path.is_dir() else [path]
    keys = []
    for file in files:
        for block in _PEM_BLOCK.findall(file.read_bytes()):
            key = serialization.load_pem_public_key(block)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{file} holds a key that is not Ed25519")
            keys.append(key)
    if not keys:
        raise ValueError(f"{path} holds no PEM public key")
    return keys


def default_keyring() -> Path | None:
    """The user's keyring of known benches, when there is one."""
    folder = config_folder() / KEYRING_FOLDER
    return folder if folder.is_dir() and any(folder.glob("*.pub")) else None


# -- redaction, by structure -----------------------------------------------------------


def redacted_data(value: Any, key: str = "") -> Any:
    """``value`` as plain YAML data, every secret replaced by ``REDACTED``: a pydantic
    ``SecretStr``/``SecretBytes`` field, and any scalar under a secret-sounding key."""
    if isinstance(value, SecretStr | SecretBytes):
        return REDACTED
    if isinstance(value, BaseModel):
        return {name: redacted_data(getattr(value, name), name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): redacted_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redacted_data(v, key) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if SECRET_KEY.search(key) and "public" not in key.lower():  # a public key is no secret
        return REDACTED
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # addresses, paths: what the model holds, as text


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced, the longest first: for text
    the bench wrote itself (a transcript), never for a file a user wrote (see above)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line, as a vendor writes ``get: [0x80, 0x82]``."""

    def represent_list(self, data: list) -> yaml.SequenceNode:
        flow = all(not isinstance(item, dict | list) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def _yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _note(source: Path) -> str:
    _, encoding = read_text(source)
    return f"# {source.name} (read as {encoding}), re-emitted by the bench, secrets replaced by {REDACTED}\n"


def redacted_declaration(path: Path | None) -> str:
    """The declaration as the run used it: validated, re-emitted, its secrets replaced."""
    source = Path(path or DEFAULT_DECLARATION)
    return _note(source) + _yaml(redacted_data(load_declaration(source)))


def object_model_file(declaration_path: Path | None) -> str:
    """The object model the run judged the terminal in, validated and re-emitted: a lab
    reading a metering verdict needs the OBIS codes and layouts it was judged against."""
    source = Path(declaration_path or DEFAULT_DECLARATION)
    named = load_declaration(source).object_model
    model = source.parent / named if named is not None else DEFAULT_OBJECT_MODEL
    return _note(model) + _yaml(redacted_data(load_document(model, ObjectModelFile)))


def redacted_rig(path: Path) -> str:
    """The rig file as the run used it: validated (variables expanded), re-emitted, secrets replaced."""
    from rigs.rigfile import load_rig  # only when the run used a rig: it pulls in pyvisa

    return _note(Path(path)) + _yaml(redacted_data(load_rig(Path(path))))


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
    try:
        files["declaration.yaml"] = redacted_declaration(ics).encode()
        files["object-model.yaml"] = object_model_file(ics).encode()
        if rig is not None:
            files["rig.yaml"] = redacted_rig(rig).encode()
    except DocumentError as exc:
        raise ValueError(f"the run's file is refused: {exc}") from None
    files[README] = bundle_readme(out).encode()  # in the report's language (reports/i18n/readme.py)
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
    signing_key = load_or_create_key(key or default_key_path(), out=out)
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


@dataclass(slots=True)
class _Contents:
    """What a bundle holds: the metadata files whole, every other file as its SHA-256."""

    meta: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)  # every file's path, duplicates included
    problems: list[str] = field(default_factory=list)
    octets: int = 0


def _digest(name: str, stream: IO[bytes], contents: _Contents) -> str:
    """SHA-256 of a member, read in chunks against the member and bundle limits."""
    hasher, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        contents.octets += len(chunk)
        if size > MAX_MEMBER_OCTETS:
            raise CorruptBundle(f"{name} is larger than {MAX_MEMBER_OCTETS >> 30} GiB")
        if contents.octets > MAX_BUNDLE_OCTETS:
            raise CorruptBundle(f"the files add up to more than {MAX_BUNDLE_OCTETS >> 30} GiB")
        hasher.update(chunk)
    return hasher.hexdigest()


def _take(name: str, stream: IO[bytes], contents: _Contents) -> None:
    contents.seen.append(name)
    if len(contents.seen) > MAX_MEMBERS:
        raise CorruptBundle(f"more than {MAX_MEMBERS} files")
    path = PurePosixPath(name)
    if path.name in META and len(path.parts) <= 2:  # at the top, or in the archive's top folder
        body = stream.read(MAX_META_OCTETS + 1)
        if len(body) > MAX_META_OCTETS:
            raise CorruptBundle(f"{name} is larger than {MAX_META_OCTETS >> 20} MiB")
        contents.meta.setdefault(name, body)
        contents.digests.setdefault(name, hashlib.sha256(body).hexdigest())
        return
    digest = _digest(name, stream, contents)
    contents.digests.setdefault(name, digest)  # a duplicate is reported; the first copy is checked


def _read_archive(archive: Path) -> _Contents:
    contents = _Contents()
    # Members are read in order, once, in chunks; gzip's reader bounds what one read inflates
    # (tarfile's stream mode "r|gz" inflates without a bound and copies, 10 MB at a time).
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts:
                contents.problems.append(f"unsafe path in the archive: {member.name}")
                continue
            if member.isdir():
                continue
            if not member.isfile():
                contents.problems.append(f"not a regular file: {member.name}")
                continue
            if member.size > MAX_MEMBER_OCTETS:
                raise CorruptBundle(
                    f"{member.name} claims {member.size} octets, more than {MAX_MEMBER_OCTETS >> 30} GiB"
                )
            stream = tar.extractfile(member)
            assert stream is not None  # a regular file always has one
            _take(path.as_posix(), stream, contents)
        # Read the compressed stream to its end, so gzip checks its CRC-32 and length
        # (RFC 1952 §2.3.1): a damaged trailer is a damaged archive, even past the last file.
        while tar.fileobj is not None and (chunk := tar.fileobj.read(_CHUNK)):
            contents.octets += len(chunk)
            if contents.octets > MAX_BUNDLE_OCTETS:
                raise CorruptBundle(f"the archive holds more than {MAX_BUNDLE_OCTETS >> 30} GiB")
    return _strip_top(contents)


def _strip_top(contents: _Contents) -> _Contents:
    """Paths inside the bundle: without the one top folder every archive member shares."""
    tops = {PurePosixPath(name).parts[0] for name in contents.seen}
    if len(tops) != 1 or all(len(PurePosixPath(name).parts) == 1 for name in contents.seen):
        return contents

    def inner(name: str) -> str:
        return PurePosixPath(*PurePosixPath(name).parts[1:]).as_posix()

    return _Contents(
        meta={inner(k): v for k, v in contents.meta.items()},
        digests={inner(k): v for k, v in contents.digests.items()},
        seen=[inner(name) for name in contents.seen],
        problems=contents.problems,
        octets=contents.octets,
    )


def _read_directory(directory: Path) -> _Contents:
    contents = _Contents()
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink() or (path.exists() and not (path.is_file() or path.is_dir())):
            contents.problems.append(f"not a regular file: {name}")
        elif path.is_file():
            with path.open("rb") as stream:
                _take(name, stream, contents)
    return contents


def _read(bundle: Path) -> _Contents:
    """The bundle's contents; every way an archive can be damaged is ``CorruptBundle``."""
    if bundle.is_dir():
        return _read_directory(bundle)
    try:
        return _read_archive(bundle)
    except (tarfile.TarError, zlib.error, EOFError, UnicodeError) as exc:
        raise CorruptBundle(f"{type(exc).__name__}: {exc}") from None
    except OSError as exc:
        if not bundle.exists() or isinstance(exc, PermissionError):
            raise  # not a damaged bundle: none, or not readable
        raise CorruptBundle(f"{type(exc).__name__}: {exc}") from None  # gzip.BadGzipFile and kin


def verify(
    bundle: Path,
    *,
    public_key: Path | None = None,
    keyring: Iterable[Path] = (),
    trust_embedded_key: bool = False,
) -> Verification:
    """Check an archive (or an unpacked bundle directory) against a trust anchor.

    Args:
        public_key: the pinned public key of the bench that must have signed it.
        keyring: PEM files or folders of ``*.pub`` of the benches a lab trusts; with no
            anchor given, the user's default keyring is read when it exists.
        trust_embedded_key: take the key the bundle carries (no anchor: see the warning).

    Raises:
        OSError: there is no bundle at ``bundle``, or it cannot be read.
    """
    result = Verification()
    try:
        contents = _read(Path(bundle))
    except CorruptBundle as exc:
        result.problems.append(f"corrupt bundle: {exc}")
        return result
    result.problems += contents.problems
    result.duplicates = sorted(name for name, count in Counter(contents.seen).items() if count > 1)
    files = contents.meta
    absent = [name for name in META if name not in files]
    if absent:
        result.problems.append(f"not a signed bundle: {', '.join(absent)} missing")
        return result
    anchors = _anchors(public_key, keyring, trust_embedded_key, result)
    try:
        key = serialization.load_pem_public_key(files[PUBLIC_KEY])
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        result.fingerprint = fingerprint(key)
        trusted = [(name, anchor) for name, anchor in anchors if public_pem(anchor) == public_pem(key)]
        if trust_embedded_key:
            result.trusted, result.trust = True, "embedded key (not pinned)"
        elif trusted:
            result.trusted, result.trust = True, trusted[0][0]
        elif anchors:
            result.problems.append(
                f"the bundle was signed by {result.fingerprint}, which is not the pinned public key "
                f"nor in the keyring: not signed by a bench you trust"
            )
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
        if name in listed:
            result.problems.append(f"{MANIFEST} lists {name} twice")
        listed[name] = digest
    for name, digest in listed.items():
        if name not in contents.digests:
            result.missing.append(name)
        elif contents.digests[name] != digest:
            result.changed.append(name)
        result.checked += 1
    result.extra = sorted(name for name in contents.digests if name not in listed and name not in META)
    return result


def _anchors(
    public_key: Path | None, keyring: Iterable[Path], trust_embedded_key: bool, result: Verification
) -> list[tuple[str, Ed25519PublicKey]]:
    """The keys a signature must come from, each with the words that say where it came from."""
    anchors: list[tuple[str, Ed25519PublicKey]] = []
    sources = [(f"pinned key {public_key}", public_key)] if public_key is not None else []
    rings = list(keyring)
    if not (sources or rings or trust_embedded_key) and (default := default_keyring()) is not None:
        rings = [default]
    sources += [(f"keyring {ring}", ring) for ring in rings]
    for words, path in sources:
        try:
            anchors += [(words, key) for key in read_public_keys(path)]
        except (OSError, ValueError) as exc:
            result.problems.append(f"trust anchor {path} cannot be used: {exc}")
    if not (sources or trust_embedded_key):
        result.problems.append(
            "no trust anchor: pin the bench's key (--public-key), give a keyring of known benches "
            "(--keyring), or take the bundle's own key with --trust-embedded-key"
        )
    return anchors


def report_lines(result: Verification) -> list[str]:
    trust = f", {result.trust}" if result.trusted else (", NOT TRUSTED" if result.fingerprint else "")
    signature = "good" if result.signature_ok else "BAD"
    lines = [f"signature: {signature} (key {result.fingerprint or 'unknown'}{trust})"]
    lines += [f"problem: {p}" for p in result.problems]
    lines += [f"duplicate (the archive holds it more than once): {name}" for name in result.duplicates]
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
        "--key", type=Path, default=None,
        help=f"signing key (default ${KEY_VARIABLE}, else ~/.config/iotroute-bench/{KEY_NAME})",
    )  # fmt: skip
    make.add_argument("--archive", type=Path, default=None, help="where to write the archive")
    check = commands.add_parser("verify", help="check a bundle's signature and every file")
    check.add_argument("bundle", type=Path, help="an evidence-*.tar.gz, or an unpacked bundle directory")
    check.add_argument("--public-key", type=Path, default=None, help="the bench's PEM public key: pin it")
    check.add_argument(
        "--keyring", type=Path, action="append", default=[],
        help="PEM file of known benches' keys, or a folder of *.pub (repeatable)",
    )  # fmt: skip
    check.add_argument(
        "--trust-embedded-key", action="store_true",
        help="take the key the bundle carries (prints a warning: anyone can re-sign)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.command == "create":
        try:
            archive = create(args.out, ics=args.ics, rig=args.rig, key=args.key, archive=args.archive)
        except (OSError, ValueError) as exc:
            print(f"evidence bundle: {exc}", file=sys.stderr)
            return 1
        print(f"evidence bundle: {archive}")
        return 0
    if args.trust_embedded_key:
        print(EMBEDDED_KEY_WARNING, file=sys.stderr)
    try:
        result = verify(
            args.bundle,
            public_key=args.public_key,
            keyring=args.keyring,
            trust_embedded_key=args.trust_embedded_key,
        )
    except OSError as exc:
        print(f"evidence bundle: cannot read {args.bundle}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for line in report_lines(result):
        print(line)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
