"""Signed firmware images (NAT-3.1-T6): the wire format both ways, and every refusal."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from conformance.ics import load_declaration
from conformance.protocols import firmware_image as fw
from conformance.protocols.errors import BenchUsageError, ProtocolError
from conformance.protocols.firmware_image import FirmwareHeader, FirmwareImage, ImageRefused, Refusal
from conformance.stimulus.firmware_keys import TWIN_VENDOR_KEY

h = bytes.fromhex
# RFC 8032 §7.1, TEST 1: a published Ed25519 key pair, so the vectors do not rest on the twin's key.
RFC8032_SECRET = h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KEY = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"someone else").digest())
PAYLOAD = bytes(range(256)) * 3

# vendor "V", model "M", version "1.2", payload "abc", unsigned
GOLDEN_UNSIGNED = (
    "49524657" "01" "0156" "014d" "03312e32" "00000003"
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256("abc"), FIPS 180-2
    "00" "616263"
)  # fmt: skip
GOLDEN_IMAGE = FirmwareImage(
    header=FirmwareHeader(
        vendor="V",
        model="M",
        version="1.2",
        length=3,
        sha256=h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ),
    signature=None,
    payload=b"abc",
)


def _image(version: str = "1.1.0", *, key: Ed25519PrivateKey | None = KEY, **fields: str) -> bytes:
    names = {"vendor": "ACME", "model": "T-1", **fields}
    return fw.build(version=version, payload=PAYLOAD, key=key, **names)


def _check(data: bytes, installed: str = "1.0.0") -> FirmwareHeader:
    return fw.check(data, public_key=RFC8032_PUBLIC, vendor="ACME", model="T-1", installed=installed)


def test_the_rfc_8032_key_pair_is_what_the_rfc_says() -> None:
    assert KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == RFC8032_PUBLIC


def test_encode_golden() -> None:
    assert fw.encode(GOLDEN_IMAGE) == h(GOLDEN_UNSIGNED)
    assert fw.build(vendor="V", model="M", version="1.2", payload=b"abc", key=None) == h(GOLDEN_UNSIGNED)


def test_decode_golden() -> None:
    assert fw.parse(h(GOLDEN_UNSIGNED)) == GOLDEN_IMAGE


def test_a_signed_image_round_trips_and_its_signature_covers_the_manifest() -> None:
    data = _image()
    image = fw.parse(data)
    assert fw.encode(image) == data
    assert image.payload == PAYLOAD
    assert image.signature is not None
    KEY.public_key().verify(image.signature, fw.encode_header(image.header))
    # the signature sits between the manifest and the payload
    assert data[len(fw.encode_header(image.header))] == fw.SIGNATURE_LENGTH


def test_a_signed_newer_image_for_this_model_is_fit_to_install() -> None:
    header = _check(_image("1.1.0"))
    assert (header.vendor, header.model, header.version, header.length) == (
        "ACME",
        "T-1",
        "1.1.0",
        len(PAYLOAD),
    )


def _tampered_payload() -> bytes:
    data = bytearray(_image())
    data[-1] ^= 0x01
    return bytes(data)


def _tampered_manifest() -> bytes:
    """The manifest says 9.0.0 but keeps the signature made for 1.1.0."""
    image = fw.parse(_image())
    return fw.encode(dataclasses.replace(image, header=dataclasses.replace(image.header, version="9.0.0")))


def _swapped_payload() -> bytes:
    """Another payload behind a validly signed manifest, length and all."""
    image = fw.parse(_image())
    return fw.encode(dataclasses.replace(image, payload=bytes(reversed(PAYLOAD))))


REFUSALS = [
    ("unsigned", lambda: _image(key=None), Refusal.UNSIGNED),
    ("signed by another key", lambda: _image(key=OTHER_KEY), Refusal.BAD_SIGNATURE),
    ("manifest changed after signing", _tampered_manifest, Refusal.BAD_SIGNATURE),
    ("payload bit flipped", _tampered_payload, Refusal.DIGEST_MISMATCH),
    ("payload swapped", _swapped_payload, Refusal.DIGEST_MISMATCH),
    ("another vendor's", lambda: _image(vendor="Other"), Refusal.WRONG_VENDOR),
    ("another model's", lambda: _image(model="T-2"), Refusal.WRONG_MODEL),
    ("older", lambda: _image("0.9.9"), Refusal.NOT_NEWER),
    ("the installed version again", lambda: _image("1.0.0"), Refusal.NOT_NEWER),
    ("the installed version, written short", lambda: _image("1.0"), Refusal.NOT_NEWER),
    ("cut in the payload", lambda: _image()[:-1], Refusal.TRUNCATED),
    ("cut in the signature", lambda: _image()[:60], Refusal.TRUNCATED),
    ("empty", lambda: b"", Refusal.TRUNCATED),
    ("not an image", lambda: b"MZ\x90\x00" + bytes(60), Refusal.MALFORMED),
    ("of an unknown format", lambda: b"IRFW\x02" + _image()[5:], Refusal.MALFORMED),
    ("with octets after the payload", lambda: _image() + b"\x00", Refusal.MALFORMED),
]


@pytest.mark.parametrize(("image", "reason"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(image, reason: Refusal) -> None:
    with pytest.raises(ImageRefused) as refused:
        _check(image())
    assert refused.value.reason is reason
    assert isinstance(refused.value, ProtocolError)  # a finding about the image, not a bench bug


def test_every_truncation_is_refused_as_truncated() -> None:
    data = _image()
    for cut in range(len(data)):
        with pytest.raises(ImageRefused) as refused:
            fw.parse(data[:cut])
        assert refused.value.reason in (Refusal.TRUNCATED, Refusal.MALFORMED), cut
        if cut >= len(fw.MAGIC) + 1:  # past the magic and format, every cut is a truncation
            assert refused.value.reason is Refusal.TRUNCATED, cut


def test_a_signature_length_other_than_0_or_64_is_malformed() -> None:
    data = bytearray(fw.build(vendor="V", model="M", version="1.2", payload=b"abc", key=None))
    data[-4] = 32
    with pytest.raises(ImageRefused) as refused:
        fw.parse(bytes(data))
    assert refused.value.reason is Refusal.MALFORMED


def test_a_version_that_is_not_dotted_decimal_is_malformed() -> None:
    data = h(GOLDEN_UNSIGNED.replace("03312e32", "03312e78"))  # "1.x"
    with pytest.raises(ImageRefused) as refused:
        fw.parse(data)
    assert refused.value.reason is Refusal.MALFORMED


@pytest.mark.parametrize(
    ("older", "newer"),
    [("1.0.0", "1.0.1"), ("1.9", "1.10"), ("1.2", "1.2.0.1"), ("0.9.9", "1.0"), ("2", "10")],
)
def test_versions_compare_numerically(older: str, newer: str) -> None:
    assert fw.version_key(older) < fw.version_key(newer)


def test_versions_compare_equal_with_missing_parts_as_zero() -> None:
    assert fw.version_key("1.2") == fw.version_key("1.2.0.0")


@pytest.mark.parametrize(
    "fields",
    [
        {"vendor": "V" * 256, "model": "M", "version": "1"},
        {"vendor": "V", "model": "M", "version": "v1"},
        {"vendor": "V", "model": "M", "version": ""},
    ],
)
def test_the_bench_cannot_build_an_image_the_format_cannot_carry(fields: dict[str, str]) -> None:
    with pytest.raises(BenchUsageError):
        fw.build(payload=b"", key=None, **fields)


def test_the_reference_declaration_names_the_twin_vendors_public_key() -> None:
    declared = bytes.fromhex(load_declaration().firmware.signing_public_key)
    assert TWIN_VENDOR_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == declared


@given(st.binary(max_size=200))
def test_random_bytes_are_refused_never_crash(data: bytes) -> None:
    with pytest.raises(ImageRefused):
        _check(data)


@given(st.binary(max_size=120))
def test_random_bytes_after_the_magic_are_refused_never_crash(tail: bytes) -> None:
    with pytest.raises(ImageRefused):
        _check(fw.MAGIC + b"\x01" + tail)
