"""How a secret can sit in a file, for the leak scans: as the bench writes it and as a
user could (DESIGN.md rule 8).

``leaks`` looks for each secret raw, in hex, in base64 at each of the three alignments a
longer base64 text can give it (RFC 4648 §4: ``!!binary``, an embedded attachment), and in
the content after undoing what a writer may have done to it: YAML, JSON and Python escapes
(``\\x33``, ``\\u0033``), URL escapes (``%33``) and lines folded anywhere (an escaped line
break and the indentation after it, YAML 1.2 §7.3.1, or a wrapped base64 block).
"""

from __future__ import annotations

import base64
import functools
import re

_ESCAPES = re.compile(rb"\\x([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|%([0-9A-Fa-f]{2})")
_FOLDS = re.compile(rb"\\?\r?\n[ \t]*|[ \t]+")


def _unescaped(match: re.Match[bytes]) -> bytes:
    hex_digits = next(group for group in match.groups() if group is not None)
    value = int(hex_digits, 16)
    return bytes([value]) if len(hex_digits) == 2 else chr(value).encode("utf-8", "surrogatepass")


def unfolded(content: bytes) -> bytes:
    """``_FOLDS.sub(b"", content)``, the same octets, without a pattern that can start with
    any octet tried at every one of them (a conformance run's 30 MB report took 2.4 s that
    way, issue 14): every blank goes, and every line break with the ``\\`` and ``\r``
    just before it."""
    lines = content.split(b"\n")
    for index, line in enumerate(lines[:-1]):
        line = line.removesuffix(b"\r")
        lines[index] = line.removesuffix(b"\\")
    return b"".join(lines).translate(None, b" \t")


def normalised(content: bytes) -> bytes:
    """``content`` with escapes undone and every fold and blank removed."""
    return unfolded(_ESCAPES.sub(_unescaped, content))


def base64_forms(secret: bytes) -> list[bytes]:
    """The base64 characters that stand for ``secret`` wherever it starts in a longer text."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + secret + bytes(2))
        first = -(-shift * 8 // 6)  # the first character made of the secret's bits only
        last = (shift + len(secret)) * 8 // 6  # one past the last such character
        forms.append(encoded[first:last])
    return forms


@functools.cache
def forms(secret: bytes) -> tuple[bytes, ...]:
    found = {secret, secret.hex().encode(), secret.hex().upper().encode(), *base64_forms(secret)}
    return tuple(form for form in found if len(form) >= 6)


@functools.cache
def _folded_forms(secret: bytes) -> tuple[bytes, ...]:
    """The forms of ``secret`` as they read in normalised content."""
    folded = (unfolded(form) for form in forms(secret))
    return tuple(form for form in folded if len(form) >= 6)


def leaks(content: bytes, secrets: list[bytes]) -> list[bytes]:
    """The secrets ``content`` reveals, in any of the forms above."""
    flat = normalised(content)
    found = []
    for secret in secrets:
        if any(form in content for form in forms(secret)) or any(
            form in flat for form in _folded_forms(secret)
        ):
            found.append(secret)
    return found
