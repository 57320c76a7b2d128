"""Twin of the head-end system (HES): the registry of terminals and their join records.

The smart meter acts as PANA authentication agent, but the credentials belong to the
SM system: the HES registers each terminal's authentication ID and password, can
invalidate them (NAT-3.4-CUT) and records every join the meters report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.twin.credentials import psk_from_password


@dataclass(slots=True)
class Registration:
    authentication_id: str
    password: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class JoinRecord:
    time: float
    authentication_id: str
    meter: str
    terminal: bytes  # the EUI-64 the terminal joined with: where the SM system reaches it


class HeadEndSystem:
    def __init__(self) -> None:
        self._registrations: dict[str, Registration] = {}
        self.join_records: list[JoinRecord] = []
        self.on_join: Callable[[JoinRecord], None] = lambda record: None

    def register(self, authentication_id: str, password: str) -> None:
        self._registrations[authentication_id] = Registration(authentication_id, password)

    def set_enabled(self, authentication_id: str, enabled: bool) -> None:
        self._registrations[authentication_id].enabled = enabled

    def psk_for(self, identity: bytes) -> bytes | None:
        """The EAP-PSK key for a peer identity, or None when unknown or disabled."""
        registration = self._registrations.get(identity.decode("ascii", "replace"))
        if registration is None or not registration.enabled:
            return None
        return psk_from_password(registration.password)

    def record_join(self, time: float, authentication_id: str, meter: str, terminal: bytes) -> None:
        record = JoinRecord(time, authentication_id, meter, terminal)
        self.join_records.append(record)
        self.on_join(record)

    def secrets(self) -> list[str]:
        """Every password the HES holds, for the evidence scanners that prove none leaked."""
        return [r.password for r in self._registrations.values()]
