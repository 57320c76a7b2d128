"""A PaC and a PAA wired through a lossy fake link on a virtual clock, with a toy EAP method.

The pair helper of h11's ``ConnectionPair``, for the session tests: ``SessionPair`` delivers
what each end sends to the other after a delay, drops or alters datagrams on request, and
advances the clock to the next deadline.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.protocols import pana
from conformance.protocols.errors import DecodeError
from conformance.protocols.pana import (
    PaaSession,
    PaaState,
    PacSession,
    PacState,
    PanaMessage,
    SessionEvent,
    message_kind,
)

# --- A toy EAP method: Identity, then an HMAC challenge; MSK = SHA-512(PSK | challenge) ---

TOY_TYPE = 255  # RFC 3748 section 5: the Experimental type


def _eap(code: int, identifier: int, eap_type: int | None = None, data: bytes = b"") -> bytes:
    body = b"" if eap_type is None else bytes((eap_type,)) + data
    return bytes((code, identifier)) + (4 + len(body)).to_bytes(2, "big") + body


class ToyEapServer:
    """Server side of the toy method."""

    def __init__(
        self, *, psk_for: Callable[[bytes], bytes | None], randbytes: Callable[[int], bytes]
    ) -> None:
        self._psk_for = psk_for
        self._randbytes = randbytes
        self._identifier = 0
        self.start()

    def start(self) -> bytes:
        self.msk: bytes | None = None
        self.succeeded = self.failed = False
        self.peer_id: bytes | None = None
        self._stage = "identity"
        self._identifier = (self._identifier + 1) & 0xFF
        return _eap(1, self._identifier, 1)

    def receive(self, eap: bytes) -> bytes:
        if len(eap) < 5 or eap[0] != 2 or eap[1] != self._identifier or int.from_bytes(eap[2:4]) != len(eap):
            raise DecodeError("not the expected EAP Response")
        self._identifier = (self._identifier + 1) & 0xFF
        if self._stage == "identity":
            self.peer_id = eap[5:]
            self._psk = self._psk_for(self.peer_id)
            if self._psk is None:
                self.failed = True
                return _eap(4, self._identifier)
            self._challenge = self._randbytes(16)
            self._stage = "challenge"
            return _eap(1, self._identifier, TOY_TYPE, self._challenge)
        if hmac.compare_digest(eap[5:], hmac.new(self._psk, self._challenge, "sha256").digest()):
            self.succeeded = True
            self.msk = hashlib.sha512(self._psk + self._challenge).digest()
            return _eap(3, self._identifier)
        self.failed = True
        return _eap(4, self._identifier)


class ToyEapPeer:
    """Peer side of the toy method; a Request/Identity restarts it (re-authentication)."""

    def __init__(self, *, identity: bytes, psk: bytes) -> None:
        self.identity, self.psk = identity, psk
        self.msk: bytes | None = None
        self._challenge: bytes | None = None

    def receive(self, eap: bytes) -> bytes | None:
        if len(eap) < 4 or int.from_bytes(eap[2:4]) != len(eap):
            raise DecodeError("malformed EAP packet")
        if eap[0] == 1 and len(eap) >= 5 and eap[4] == 1:
            self.msk, self._challenge = None, None
            return _eap(2, eap[1], 1, self.identity)
        if eap[0] == 1 and len(eap) >= 5 and eap[4] == TOY_TYPE:
            self._challenge = eap[5:]
            return _eap(2, eap[1], TOY_TYPE, hmac.new(self.psk, self._challenge, "sha256").digest())
        if eap[0] == 3 and self._challenge is not None:
            self.msk = hashlib.sha512(self.psk + self._challenge).digest()
            return None
        if eap[0] == 4:
            return None
        raise DecodeError("unexpected EAP packet")


PSK = bytes(range(16))
IDENTITY = b"terminal-0001"
SESSION_ID = 0x00C0FFEE
FIRST_KEY_ID = 7


# --- The pair: two ends, a lossy link, a virtual clock ----------------------------------


@dataclass
class Sent:
    """One datagram put on the link."""

    at: float
    sender: str
    data: bytes
    delivered: bool

    @property
    def message(self) -> PanaMessage:
        return pana.decode(self.data)

    @property
    def kind(self) -> str:
        return message_kind(self.message)


@dataclass
class SessionPair:
    """A PaC and a PAA joined by a link with latency and deterministic loss."""

    loss: float = 0.0
    seed: int = 0
    latency: float = 0.01
    lifetime: int = 3600
    psk: bytes = PSK
    eap_peer: object | None = None  # default: ToyEapPeer(identity=IDENTITY, psk=psk)
    eap_server: object | None = None  # default: a ToyEapServer that knows IDENTITY
    pac_options: dict = field(default_factory=dict)
    paa_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = 0.0
        self.group_key = (1, bytes(range(0x10, 0x20)))
        self.rng = random.Random(self.seed)
        self.pac = PacSession(
            eap_peer=self.eap_peer or ToyEapPeer(identity=IDENTITY, psk=self.psk),
            randbytes=random.Random(self.seed + 1000).randbytes,
            **self.pac_options,
        )
        self.paa = PaaSession(
            session_id=SESSION_ID,
            eap_server=self.eap_server
            or ToyEapServer(
                psk_for=lambda peer: PSK if peer == IDENTITY else None,
                randbytes=random.Random(self.seed + 2000).randbytes,
            ),
            randbytes=random.Random(self.seed + 3000).randbytes,
            session_lifetime=self.lifetime,
            group_key=lambda: self.group_key,
            key_id=FIRST_KEY_ID,
            **self.paa_options,
        )
        self.sent: list[Sent] = []
        self.pac_events: list[SessionEvent] = []
        self.paa_events: list[SessionEvent] = []
        self.link_up = True
        self.tamper: Callable[[str, bytes], bytes] | None = None
        self._in_flight: list[tuple[float, int, str, bytes]] = []
        self._order = 0

    def send(self, sender: str, datagrams: list[bytes]) -> None:
        for data in datagrams:
            delivered = self.link_up and self.rng.random() >= self.loss
            self.sent.append(Sent(self.now, sender, data, delivered))
            if delivered:
                if self.tamper is not None:
                    data = self.tamper(sender, data)
                self._order += 1
                receiver = "paa" if sender == "pac" else "pac"
                heapq.heappush(self._in_flight, (self.now + self.latency, self._order, receiver, data))

    def start(self) -> SessionPair:
        self.send("pac", self.pac.start(self.now))
        return self

    def _collect(self) -> None:
        self.pac_events += self.pac.pop_events()
        self.paa_events += self.paa.pop_events()

    def step(self, limit: float) -> bool:
        """Advance to the next delivery or deadline (not beyond ``limit``); False if none."""
        times = [t for t in (self.pac.next_deadline, self.paa.next_deadline) if t is not None]
        if self._in_flight:
            times.append(self._in_flight[0][0])
        if not times or min(times) > limit:
            return False
        self.now = max(self.now, min(times))
        if self._in_flight and self._in_flight[0][0] <= self.now:
            _, _, receiver, data = heapq.heappop(self._in_flight)
            if receiver == "paa":
                self.send("paa", self.paa.receive(data, self.now))
            else:
                self.send("pac", self.pac.receive(data, self.now))
        for name, end in (("pac", self.pac), ("paa", self.paa)):
            deadline = end.next_deadline
            if deadline is not None and deadline <= self.now:
                self.send(name, end.on_timer(self.now))
        self._collect()
        return True

    def run_until(self, done: Callable[[], bool], limit: float = 1000.0) -> None:
        while not done():
            if not self.step(limit):
                raise AssertionError(
                    f"not done by t={self.now:.2f}; PaC {self.pac.state}, PAA {self.paa.state}"
                )

    def run_for(self, duration: float) -> None:
        end = self.now + duration
        while self.step(end):
            pass
        self.now = end

    def authenticate(self) -> SessionPair:
        self.start()
        self.run_until(self.both_open)
        self.run_for(1.0)  # let the last answers land
        return self

    def both_open(self) -> bool:
        return self.pac.state is PacState.OPEN and self.paa.state is PaaState.OPEN

    def kinds(self, *, sender: str | None = None, since: float = 0.0) -> list[str]:
        return [s.kind for s in self.sent if s.at >= since and (sender is None or s.sender == sender)]

    def first(self, kind: str, sender: str | None = None) -> Sent:
        return next(s for s in self.sent if s.kind == kind and (sender is None or s.sender == sender))


def events_of(events: list[SessionEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]
