"""One redactor knows the run's secrets, and every message a rig part produces passes
through it (DESIGN.md rule 8)."""

from __future__ import annotations

import base64

import pytest

from conformance import redaction
from conformance.ics import load_declaration
from conformance.redaction import REDACTED, Redactor
from rigs import RigError

PASSWORD = load_declaration().credentials.password.get_secret_value()  # loading registers it


def test_loading_the_declaration_makes_its_password_a_secret_of_the_run() -> None:
    assert redaction.redact(f"echo {PASSWORD}") == f"echo {REDACTED}"


def test_a_module_echo_with_a_noise_byte_does_not_put_the_password_in_the_verdict() -> None:
    # Before: "\x01SKSETPWD C <password>" was no echo the driver knew, so it went into the
    # broken verdict's message as the last malformed line.
    echoed = "\x01" + f"SKSETPWD C {PASSWORD}"
    error = RigError(
        "wisun-radio on /dev/pts/3",
        "SKRESET",
        f"no answer within 2.0 s; 1 malformed lines, last: {echoed!r}",
    )
    assert PASSWORD not in str(error) and PASSWORD not in error.problem
    assert REDACTED in str(error) and "SKSETPWD C" in str(error)


def test_a_new_password_the_hes_sets_becomes_a_secret_too() -> None:
    from tests.twin.hes.test_metering import TERMINAL, Harness

    harness = Harness()
    harness.hes.set_password(TERMINAL, "N3w-Passw0rd-77")
    assert "N3w-Passw0rd-77" not in str(RigError("psu", "VOLT?", "answered 'N3w-Passw0rd-77'"))


@pytest.mark.parametrize("form", ["text", "hex", "HEX", "base64"])
def test_the_forms_the_bench_writes_are_redacted(form: str) -> None:
    redactor = Redactor()
    secret = b"s3cret-Pa55"
    redactor.add(secret)
    written = {
        "text": secret.decode(),
        "hex": secret.hex(),
        "HEX": secret.hex().upper(),
        "base64": base64.b64encode(secret).decode(),
    }[form]
    assert redactor(f"before {written} after") == f"before {REDACTED} after"


def test_a_secret_too_short_to_search_for_is_left_alone() -> None:
    redactor = Redactor()
    redactor.add("ab")
    assert redactor("a tab") == "a tab"
