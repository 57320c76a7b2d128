"""Redaction by structure: however a vendor writes the password in the declaration, the
bundle's declaration.yaml holds it in no form (before: a YAML escape, a folded line or
``!!binary`` got past the text substitution). And the scan finds what it looks for."""

from __future__ import annotations

import base64
import tarfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.ics import DEFAULT_DECLARATION, load_declaration
from reports.bundle import REDACTED, create
from tests.reports.secret_forms import _FOLDS, leaks, unfolded
from tests.reports.test_bundle_verify import small_run

PASSWORD = "7Wq4Kp2Zr9Tx6Lm3"  # the reference declaration's
LINE = f"  password: {PASSWORD}"
WRITTEN = {
    "plain": LINE,
    "a YAML hex escape": '  password: "7Wq4Kp2Zr9Tx6Lm\\x33"',
    "every character escaped": '  password: "' + "".join(f"\\x{ord(c):02x}" for c in PASSWORD) + '"',
    "a unicode escape": '  password: "\\u0037Wq4Kp2Zr9Tx6Lm3"',
    "folded over two lines": '  password: "7Wq4Kp2Z\\\n    r9Tx6Lm3"',
    "!!binary": f"  password: !!binary {base64.b64encode(PASSWORD.encode()).decode()}",
    "!!binary over lines": "  password: !!binary |\n    "
    + "\n    ".join(base64.b64encode(PASSWORD.encode()).decode()[i : i + 8] for i in range(0, 24, 8)),
    "a block scalar": "  password: |-\n    7Wq4Kp2Zr9Tx6Lm3",
    "single quotes": "  password: '7Wq4Kp2Zr9Tx6Lm3'",
}


@pytest.mark.parametrize("way", list(WRITTEN))
def test_a_password_however_written_never_reaches_the_bundle(tmp_path: Path, way: str) -> None:
    text = DEFAULT_DECLARATION.read_text()
    assert LINE in text
    declaration = tmp_path / "terminal.yaml"
    declaration.write_text(text.replace(LINE, WRITTEN[way]))
    assert load_declaration(declaration).credentials.password.get_secret_value() == PASSWORD
    archive = create(small_run(tmp_path / "out"), ics=declaration, key=tmp_path / "key.pem")
    with tarfile.open(archive) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert yaml.safe_load(files["declaration.yaml"])["credentials"]["password"] == REDACTED
    for name, body in files.items():
        assert not leaks(body, [PASSWORD.encode()]), f"{name} reveals the password ({way})"


@pytest.mark.parametrize(
    "content",
    [
        *(body.encode() for body in WRITTEN.values()),
        b"payload " + base64.b64encode(b"x" + PASSWORD.encode() + b"yz"),  # embedded at an odd offset
        b"payload " + base64.b64encode(b"xy" + PASSWORD.encode()),
        b"key=" + PASSWORD.encode().hex().upper().encode(),
        b"pw=%37%57q4Kp2Zr9Tx6Lm3",
    ],
)
def test_the_scan_finds_each_form_a_user_could_write(content: bytes) -> None:
    assert leaks(content, [PASSWORD.encode()])


def test_the_scan_does_not_see_secrets_that_are_not_there() -> None:
    assert not leaks(
        DEFAULT_DECLARATION.read_bytes().replace(PASSWORD.encode(), REDACTED.encode()), [PASSWORD.encode()]
    )


FOLD_OCTETS = [b"\\", b"\r", b"\n", b" ", b"\t", b"a", b"%", b"x"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(FOLD_OCTETS), max_size=40).map(b"".join))
def test_the_scan_unfolds_exactly_as_its_fold_pattern_says(content: bytes) -> None:
    """The scan's quick unfolding removes what ``_FOLDS`` matches, octet for octet."""
    assert unfolded(content) == _FOLDS.sub(b"", content)
