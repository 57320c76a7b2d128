"""What a PANA session reports through ``pop_events()`` (RFC 5191 section 4 outcomes).

Events are facts about the peer or the session, never errors: a PaC reports that it is
authenticated (section 4.1), re-authenticated (section 4.3), or that the session ended
(section 4.4); a PAA reports the peer it authenticated or rejected; either end reports a
request that went unanswered (section 9) and every message it discarded, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEvent:
    """Base of everything ``pop_events`` returns."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Authenticated(SessionEvent):
    """PaC: the PAR(C) with PANA_SUCCESS verified; the session is open."""

    session_id: int
    key_id: int
    lifetime: int | None
    group_key_index: int | None
    group_key: bytes | None = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reauthenticated(SessionEvent):
    """PaC: a re-authentication succeeded under a new Key-Id."""

    session_id: int
    key_id: int
    lifetime: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationFailed(SessionEvent):
    """PaC: the authentication (or re-authentication) did not succeed."""

    reason: str
    result_code: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupKeyUpdated(SessionEvent):
    """PaC: the PAA delivered a group key other than the one held."""

    key_index: int
    key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTerminated(SessionEvent):
    """Either side: the session ended (PTR/PTA, or lifetime expiry as SESSION_TIMEOUT)."""

    session_id: int | None
    cause: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetransmissionExhausted(SessionEvent):
    """Either side: a request went unanswered past REQ_MRC/MRD; the session is closed."""

    message_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDiscarded(SessionEvent):
    """Either side: a received message was dropped; ``reason`` says why."""

    reason: str
    message_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerAuthenticated(SessionEvent):
    """PAA: the PAN(C) closing a successful authentication verified."""

    peer_id: bytes | None
    session_id: int
    key_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerReauthenticated(SessionEvent):
    """PAA: the PAN(C) closing a successful re-authentication verified."""

    peer_id: bytes | None
    session_id: int
    key_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerRejected(SessionEvent):
    """PAA: the PAA sent PAR(C) with PANA_AUTHENTICATION_REJECTED."""

    peer_id: bytes | None
    reason: str
