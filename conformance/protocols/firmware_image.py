"""Signed firmware images for the terminal's update function (NAT-3.1-T6: 「脆弱性に対応
するため、無線端末のファームウェア更新が行えること」).

The guidelines ask for the update, not for a format; no public IoT-route image format
exists, so this is the bench's model: a manifest (header) that names the image, a
detached Ed25519 signature over the manifest (RFC 8032 §5.1, "pure" Ed25519), then the
payload, whose SHA-256 the manifest carries. Verifying the signature therefore covers
the payload through its digest, and a terminal can refuse an image before it reads the
payload. All integers big-endian::

    magic "IRFW"(4) format(1)=1
    vendor-length(1) vendor(UTF-8)  model-length(1) model(UTF-8)  version-length(1) version(ASCII)
    payload-length(4) payload-SHA-256(32)                         <- the manifest ends here
    signature-length(1) signature(0 or 64)                        <- 0: unsigned
    payload(payload-length)

Versions are dotted decimals ("1.2.0") compared numerically, missing parts as 0, so an
update must carry a strictly newer version than the one installed (no downgrade, no
reinstall: an old image may carry the very vulnerability the update fixed).

Sans-IO: bytes in, a ``FirmwareImage`` or an ``ImageRefused`` with its ``Refusal`` out.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.protocols.errors import BenchUsageError, ProtocolError

MAGIC = b"IRFW"
FORMAT = 1
SIGNATURE_LENGTH = 64  # RFC 8032 §5.1.6: R(32) | S(32)
DIGEST_LENGTH = 32
MAX_TEXT = 255
_VERSION = re.compile(r"^\d{1,5}(\.\d{1,5}){0,3}$")
_LENGTH = struct.Struct("!I")


class Refusal(StrEnum):
    """Why a terminal refuses an image: one word each, as the maintenance port says it."""

    MALFORMED = "malformed"
    TRUNCATED = "truncated"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad-signature"
    DIGEST_MISMATCH = "digest-mismatch"
    WRONG_VENDOR = "wrong-vendor"
    WRONG_MODEL = "wrong-model"
    NOT_NEWER = "not-newer"


class ImageRefused(ProtocolError):
    """The image must not be installed; ``reason`` says why."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def version_key(version: str) -> tuple[int, ...]:
    """The numeric order of a dotted version, padded to four parts ("1.2" == "1.2.0")."""
    if not _VERSION.match(version):
        raise BenchUsageError(f"version {version!r} is not dotted decimal (e.g. 1.2.0)")
    parts = tuple(int(p) for p in version.split("."))
    return parts + (0,) * (4 - len(parts))


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareHeader:
    """The manifest: what the image is. The signature covers exactly its encoding."""

    vendor: str
    model: str
    version: str
    length: int  # of the payload, in octets
    sha256: bytes  # of the payload

    def __post_init__(self) -> None:
        for name in ("vendor", "model"):
            if len(getattr(self, name).encode("utf-8")) > MAX_TEXT:
                raise BenchUsageError(f"firmware {name} longer than {MAX_TEXT} octets")
        version_key(self.version)
        if not 0 <= self.length < 2**32:
            raise BenchUsageError(f"payload length {self.length} does not fit 32 bits")
        if len(self.sha256) != DIGEST_LENGTH:
            raise BenchUsageError("the payload digest is a 32-octet SHA-256")


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareImage:
    header: FirmwareHeader
    signature: bytes | None  # None: unsigned
    payload: bytes

    def __post_init__(self) -> None:
        if self.signature is not None and len(self.signature) != SIGNATURE_LENGTH:
            raise BenchUsageError(f"an Ed25519 signature has {SIGNATURE_LENGTH} octets")


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return bytes([len(raw)]) + raw


def encode_header(header: FirmwareHeader) -> bytes:
    return b"".join(
        (
            MAGIC,
            bytes([FORMAT]),
            _text(header.vendor),
            _text(header.model),
            _text(header.version),
            _LENGTH.pack(header.length),
            header.sha256,
        )
    )


def encode(image: FirmwareImage) -> bytes:
    signature = image.signature or b""
    return encode_header(image.header) + bytes([len(signature)]) + signature + image.payload


def sign(header: FirmwareHeader, key: Ed25519PrivateKey) -> bytes:
    return key.sign(encode_header(header))


def build(*, vendor: str, model: str, version: str, payload: bytes, key: Ed25519PrivateKey | None) -> bytes:
    """An image of ``payload``, signed with ``key`` (``None``: unsigned)."""
    header = FirmwareHeader(
        vendor=vendor,
        model=model,
        version=version,
        length=len(payload),
        sha256=hashlib.sha256(payload).digest(),
    )
    signature = None if key is None else sign(header, key)
    return encode(FirmwareImage(header=header, signature=signature, payload=payload))


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self.offset = 0

    def take(self, count: int, what: str) -> bytes:
        if self.offset + count > len(self._data):
            raise ImageRefused(
                Refusal.TRUNCATED, f"{what} needs {count} octets at {self.offset}, {self.left} left"
            )
        chunk = self._data[self.offset : self.offset + count]
        self.offset += count
        return chunk

    def text(self, what: str) -> str:
        raw = self.take(self.take(1, f"{what} length")[0], what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ImageRefused(Refusal.MALFORMED, f"{what} is not UTF-8") from None

    @property
    def left(self) -> int:
        return len(self._data) - self.offset


def parse(data: bytes) -> FirmwareImage:
    """Decode an image; structure only, nothing is trusted yet (see ``verify``)."""
    reader = _Reader(data)
    magic = reader.take(len(MAGIC), "magic")
    if magic != MAGIC:
        raise ImageRefused(Refusal.MALFORMED, f"magic {magic!r}, not {MAGIC!r}")
    format_ = reader.take(1, "format")[0]
    if format_ != FORMAT:
        raise ImageRefused(Refusal.MALFORMED, f"format {format_}, this terminal reads format {FORMAT}")
    vendor, model, version = reader.text("vendor"), reader.text("model"), reader.text("version")
    if not _VERSION.match(version):
        raise ImageRefused(Refusal.MALFORMED, f"version {version!r} is not dotted decimal")
    (length,) = _LENGTH.unpack(reader.take(_LENGTH.size, "payload length"))
    digest = reader.take(DIGEST_LENGTH, "payload digest")
    signature_length = reader.take(1, "signature length")[0]
    if signature_length not in (0, SIGNATURE_LENGTH):
        raise ImageRefused(Refusal.MALFORMED, f"signature of {signature_length} octets, not 0 or 64")
    signature = reader.take(signature_length, "signature") if signature_length else None
    payload = reader.take(length, "payload")
    if reader.left:
        raise ImageRefused(Refusal.MALFORMED, f"{reader.left} octets after the payload")
    header = FirmwareHeader(vendor=vendor, model=model, version=version, length=length, sha256=digest)
    return FirmwareImage(header=header, signature=signature, payload=payload)


def verify(
    image: FirmwareImage, *, public_key: bytes, vendor: str, model: str, installed: str
) -> FirmwareHeader:
    """Decide whether ``image`` may replace firmware ``installed`` on this vendor's model.

    The order matters: nothing in the manifest is believed before its signature verifies.
    """
    if image.signature is None:
        raise ImageRefused(Refusal.UNSIGNED, "the image carries no signature")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(image.signature, encode_header(image.header))
    except InvalidSignature:
        raise ImageRefused(
            Refusal.BAD_SIGNATURE, "the signature does not verify with the vendor's key"
        ) from None
    header = image.header
    if hashlib.sha256(image.payload).digest() != header.sha256:
        raise ImageRefused(Refusal.DIGEST_MISMATCH, "the payload is not the one the manifest names")
    if header.vendor != vendor:
        raise ImageRefused(Refusal.WRONG_VENDOR, f"image for vendor {header.vendor!r}, not {vendor!r}")
    if header.model != model:
        raise ImageRefused(Refusal.WRONG_MODEL, f"image for model {header.model!r}, not {model!r}")
    if version_key(header.version) <= version_key(installed):
        raise ImageRefused(Refusal.NOT_NEWER, f"version {header.version} is not newer than {installed}")
    return header


def check(data: bytes, *, public_key: bytes, vendor: str, model: str, installed: str) -> FirmwareHeader:
    """``parse`` then ``verify``: the header of an image fit to install, or ``ImageRefused``."""
    return verify(parse(data), public_key=public_key, vendor=vendor, model=model, installed=installed)
