"""The one redactor that knows the run's secrets (DESIGN.md rule 8).

Secrets enter the bench through its loaders (the declaration's password) and through the
settings the bench makes (a new password the HES sets); each registers them here. Every
message a rig part produces passes through :func:`redact` on its way to a verdict or an
attachment (``rigs.RigError``, the maintenance-port transcript), so a module that echoes
``SKSETPWD`` with a noise byte in front, or a terminal that prints its password, does not
put the password into the report.

Files the bench hands over (the declaration and the rig file in the evidence bundle) are
not redacted here, by text: they are re-emitted from the validated model with the secret
fields replaced (``reports.bundle``), which no way of writing a value can get around.

A secret shorter than ``MIN_SECRET_CHARS`` is not searched for in text: replacing every
"a" of a message would destroy it and protect nothing (such a password is guessed, not
read).
"""

from __future__ import annotations

import base64
import contextlib
import threading

REDACTED = "********"
MIN_SECRET_CHARS = 4


class Redactor:
    """Replaces every known secret, in the forms the bench itself writes, by ``REDACTED``."""

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._lock = threading.Lock()  # driver threads redact while the main thread registers

    def add(self, secret: str | bytes) -> None:
        """Know ``secret`` from now on: as text, as hex (both cases) and as base64."""
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(raw) < MIN_SECRET_CHARS:
            return
        forms = {raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode()}
        with contextlib.suppress(UnicodeDecodeError):  # a key is bytes, a password text
            forms.add(raw.decode())
        with self._lock:
            self._forms |= forms

    def __call__(self, text: str) -> str:
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def clear(self) -> None:
        with self._lock:
            self._forms.clear()


RUN_SECRETS = Redactor()


def register(secret: str | bytes) -> None:
    """Make ``secret`` one of the run's secrets."""
    RUN_SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every secret of the run replaced."""
    return RUN_SECRETS(text)
