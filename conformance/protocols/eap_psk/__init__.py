"""EAP-PSK (RFC 4764): messages, key hierarchy, protected channel and sans-IO machines.

Theory of operation (RFC 4764 section 4.1, standard authentication):

    peer                                        server
     |<-- Request/Identity -----------------------|  (RFC 3748, optional)
     |--- Response/Identity (ID_P) -------------->|
     |<-- 1: Flags(T=0) RAND_S ID_S --------------|
     |--- 2: Flags(T=1) RAND_S RAND_P MAC_P ID_P->|  MAC_P = CMAC(AK, ID_P||ID_S||RAND_S||RAND_P)
     |<-- 3: Flags(T=2) RAND_S MAC_S PCHANNEL ----|  MAC_S = CMAC(AK, ID_S||RAND_P), N=0
     |--- 4: Flags(T=3) RAND_S PCHANNEL --------->|  N=1
     |<-- EAP-Success / EAP-Failure --------------|

AK and KDK come from the PSK (section 3.1); TEK, MSK and EMSK from KDK and RAND_P
(section 3.2). PCHANNEL is EAX under the TEK (section 3.3) and carries the protected
result indication R (section 6.1). If the server starts an extension (E=1, section 6.2),
the peer, which implements none, answers with the same EXT_Type and an empty payload;
after a CONT the dialog runs one more round trip (messages 5 and 6, N=2 and N=3).

Errors versus outcomes. RFC 4764 (sections 4.1 and 8.8) lets an implementation silently
discard invalid messages or treat them as fatal. A bench must *see* them, so both
machines treat them as fatal: a malformed packet, a message the state does not expect,
a RAND_S or nonce mismatch, or a MAC_S or PCHANNEL tag that does not verify moves the
machine to FAILED, records ``failure_reason`` and raises the ProtocolError subclass
(DecodeError, IntegrityError or ProtocolError) from ``receive()``. Authentication
*outcomes* the protocol answers in band do not raise: an unknown ID_P, a MAC_P that does
not verify (wrong PSK), a Nak, or a DONE_FAILURE make the server answer EAP-Failure; an
EAP-Failure or a DONE_FAILURE make the peer fail. BenchUsageError means the bench itself
called the machine wrongly. A byte-identical retransmission of the packet last answered
is answered again with the same bytes (RFC 3748 section 4.1), so lossy links work.
A finished machine can run a new conversation (PANA re-authentication, RFC 5191 4.3):
``start()`` again on the server; on the peer, a new Request/Identity or first message.

The package is cut by role: ``keys`` (the key hierarchy, sections 3.1-3.2, and the MACs),
``messages`` (section 5), ``pchannel`` (section 3.3), ``peer`` and ``server`` (the two
machines, each a state table) and ``common`` (what the two machines share). Every public
name is re-exported here: ``from conformance.protocols import eap_psk`` is enough.
"""

from __future__ import annotations

from .keys import (
    EMSK_LENGTH,
    MAC_LENGTH,
    MSK_LENGTH,
    PSK_LENGTH,
    RAND_LENGTH,
    TEK_LENGTH,
    compute_mac_p,
    compute_mac_s,
    derive_ak_kdk,
    derive_tek_msk_emsk,
)
from .messages import (
    HEADER_H_LENGTH,
    MAX_EXT_PAYLOAD_LENGTH,
    MAX_NAI_LENGTH,
    NONCE_LENGTH,
    TAG_LENGTH,
    PChannelPayload,
    ProtectedChannel,
    PskExtension,
    PskFirstMessage,
    PskFourthMessage,
    PskMessage,
    PskResult,
    PskSecondMessage,
    PskThirdMessage,
    decode_message,
    encode_packet,
)
from .pchannel import (
    build_protected_packet,
    open_pchannel,
    seal_pchannel,
)
from .peer import (
    EapPskPeer,
    PeerState,
)
from .server import (
    EapPskServer,
    ServerState,
)

__all__ = [
    "EMSK_LENGTH",
    "HEADER_H_LENGTH",
    "MAC_LENGTH",
    "MAX_EXT_PAYLOAD_LENGTH",
    "MAX_NAI_LENGTH",
    "MSK_LENGTH",
    "NONCE_LENGTH",
    "PSK_LENGTH",
    "RAND_LENGTH",
    "TAG_LENGTH",
    "TEK_LENGTH",
    "EapPskPeer",
    "EapPskServer",
    "PChannelPayload",
    "PeerState",
    "ProtectedChannel",
    "PskExtension",
    "PskFirstMessage",
    "PskFourthMessage",
    "PskMessage",
    "PskResult",
    "PskSecondMessage",
    "PskThirdMessage",
    "ServerState",
    "build_protected_packet",
    "compute_mac_p",
    "compute_mac_s",
    "decode_message",
    "derive_ak_kdk",
    "derive_tek_msk_emsk",
    "encode_packet",
    "open_pchannel",
    "seal_pchannel",
]
