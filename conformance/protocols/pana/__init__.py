"""PANA (RFC 5191) with RFC 6786 AVP encryption: the codec and the sans-IO sessions.

The package is cut by role, as h11 cuts HTTP:

* ``messages``: the header, the AVPs and their codec (RFC 5191 section 6), the bench's
  GROUP_KEY AVP and ``PANA_PORT``;
* ``keys``: prf+, PANA_AUTH_KEY and the AUTH AVP (section 5.3), the RFC 6786 encryption
  keys and the Encryption-Encap AVP;
* ``events``: what the sessions report;
* ``session``: what the two ends share (sequencing, retransmission of section 9, the
  answer cache, AUTH checks, key derivation, discards);
* ``pac`` and ``paa``: the two state machines, the terminal's and the smart meter's.

Every public name is re-exported here, so ``from conformance.protocols import pana`` and
``pana.PacSession`` or ``pana.decode`` are all a caller needs.
"""

from __future__ import annotations

from .events import (
    Authenticated,
    AuthenticationFailed,
    GroupKeyUpdated,
    MessageDiscarded,
    PeerAuthenticated,
    PeerReauthenticated,
    PeerRejected,
    Reauthenticated,
    RetransmissionExhausted,
    SessionEvent,
    SessionTerminated,
)
from .keys import (
    ENCR_KEY_LABELS,
    PANA_AUTH_KEY_LABEL,
    auth_key_length,
    auth_value_length,
    compute_auth,
    derive_auth_key,
    derive_encr_key,
    encryption_encap,
    initial_counter_block,
    open_encryption_encap,
    prf,
    prf_plus,
    sign,
    verify,
)
from .messages import (
    AVP_FLAG_VENDOR,
    AVP_HEADER_LENGTH,
    BENCH_VENDOR_ID,
    GROUP_KEY_LENGTH,
    HEADER_LENGTH,
    MAX_MESSAGE_LENGTH,
    NO_FLAGS,
    PANA_PORT,
    VENDOR_ID_LENGTH,
    Avp,
    AvpCode,
    BenchAvpCode,
    EncryptionAlgorithm,
    Flag,
    IntegrityAlgorithm,
    MessageType,
    PanaMessage,
    PrfAlgorithm,
    ResultCode,
    Role,
    TerminationCause,
    decode,
    decode_avps,
    encode,
    encode_avps,
    group_key_avp,
    message_name,
    parse_group_key,
)
from .paa import (
    PaaSession,
    PaaState,
)
from .pac import (
    PacSession,
    PacState,
)
from .session import (
    NONCE_LENGTH,
    PCI_TIMERS,
    REQ_TIMERS,
    EapPeerMethod,
    EapServerMethod,
    RetransmissionTimers,
    message_kind,
)

__all__ = [
    "AVP_FLAG_VENDOR",
    "AVP_HEADER_LENGTH",
    "BENCH_VENDOR_ID",
    "ENCR_KEY_LABELS",
    "GROUP_KEY_LENGTH",
    "HEADER_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "NONCE_LENGTH",
    "NO_FLAGS",
    "PANA_AUTH_KEY_LABEL",
    "PANA_PORT",
    "PCI_TIMERS",
    "REQ_TIMERS",
    "VENDOR_ID_LENGTH",
    "Authenticated",
    "AuthenticationFailed",
    "Avp",
    "AvpCode",
    "BenchAvpCode",
    "EapPeerMethod",
    "EapServerMethod",
    "EncryptionAlgorithm",
    "Flag",
    "GroupKeyUpdated",
    "IntegrityAlgorithm",
    "MessageDiscarded",
    "MessageType",
    "PaaSession",
    "PaaState",
    "PacSession",
    "PacState",
    "PanaMessage",
    "PeerAuthenticated",
    "PeerReauthenticated",
    "PeerRejected",
    "PrfAlgorithm",
    "Reauthenticated",
    "ResultCode",
    "RetransmissionExhausted",
    "RetransmissionTimers",
    "Role",
    "SessionEvent",
    "SessionTerminated",
    "TerminationCause",
    "auth_key_length",
    "auth_value_length",
    "compute_auth",
    "decode",
    "decode_avps",
    "derive_auth_key",
    "derive_encr_key",
    "encode",
    "encode_avps",
    "encryption_encap",
    "group_key_avp",
    "initial_counter_block",
    "message_kind",
    "message_name",
    "open_encryption_encap",
    "parse_group_key",
    "prf",
    "prf_plus",
    "sign",
    "verify",
]
