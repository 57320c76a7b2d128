"""EAP over RADIUS (RFC 3579) on loopback, to meet hostapd and eapol_test with the bench's EAP-PSK.

The bench's EAP-PSK machines are sans-IO; hostapd's EAP server and wpa_supplicant's
``eapol_test`` peer only speak EAP through RADIUS. This module is the pass-through
authenticator in between (RFC 3579 section 2):

- ``authenticate_over_radius`` plays the NAS for an ``EapPskPeer``: it asks the peer for
  its EAP-Response/Identity as a NAS does (RFC 3579 2.1), sends each Response in an
  Access-Request and feeds the peer the EAP packet of each Access-Challenge, -Accept or
  -Reject, echoing the State (RFC 2865 5.24).
- ``RadiusEapServer`` is a RADIUS server on 127.0.0.1 that runs one ``EapPskServer`` per
  conversation and answers Access-Challenge, Access-Accept (with EAP-Success and the MSK
  in MS-MPPE-Recv-Key and MS-MPPE-Send-Key) or Access-Reject (with EAP-Failure).

Both sides split EAP packets over EAP-Message attributes of at most 253 octets (RFC 3579
3.1), sign every packet with a Message-Authenticator and drop a packet whose
Message-Authenticator is missing or wrong (RFC 3579 3.2). The MSK travels as the two
MS-MPPE keys, Recv-Key = MSK[0:32] and Send-Key = MSK[32:64] (RFC 5216 section 2.3
gives the split; the salted encryption is RFC 2548 2.4.2 and 2.4.3), which is how
hostapd sends it and how ``eapol_test`` checks it ("MPPE keys OK").

pyrad encodes the packets: Request and Response Authenticators, Message-Authenticator,
Vendor-Specific attributes and the salt encryption (RFC 2868 3.5 with the key-length
octet of RFC 2548). Decryption must chain on the ciphertext blocks (RFC 2868 3.5);
pyrad 2.6.0, the release checked here against hostapd, notes that it fixed a decryption
that chained on its own output and so broke every value longer than one block (a 32-octet
MS-MPPE key is three), hence ``pyrad>=2.6``. pyrad's blocking ``Client`` is not used: it
has no public way to close its socket, and the send-and-verify loop is a few lines.
There are no retransmissions: on loopback a lost datagram is a bug.
"""

from __future__ import annotations

import io
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pyrad import packet as radius
from pyrad.dictionary import Dictionary

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.eap_psk import EapPskPeer, EapPskServer
from conformance.protocols.errors import ProtocolError

MAX_ATTRIBUTE_VALUE = 253  # RFC 2865 section 5: Length is one octet and counts Type and Length
MPPE_KEY_LENGTH = 32
LOOPBACK = "127.0.0.1"

# Only the attributes EAP over RADIUS needs (RFC 2865, RFC 3579, RFC 2548). Message-Authenticator
# (80) is handled by pyrad by its code.
_DICTIONARY_TEXT = """\
ATTRIBUTE User-Name 1 octets
ATTRIBUTE State 24 octets
ATTRIBUTE EAP-Message 79 octets
VENDOR Microsoft 311
BEGIN-VENDOR Microsoft
ATTRIBUTE MS-MPPE-Send-Key 16 octets encrypt=2
ATTRIBUTE MS-MPPE-Recv-Key 17 octets encrypt=2
END-VENDOR Microsoft
"""
DICTIONARY = Dictionary(io.StringIO(_DICTIONARY_TEXT))


class RadiusError(Exception):
    """The RADIUS exchange itself went wrong (no reply, a reply that does not verify)."""


def split_eap_message(data: bytes) -> list[bytes]:
    """The values of the EAP-Message attributes carrying ``data`` (RFC 3579 3.1)."""
    return [data[i : i + MAX_ATTRIBUTE_VALUE] for i in range(0, len(data), MAX_ATTRIBUTE_VALUE)]


def _eap_message(pkt: radius.Packet) -> bytes:
    return b"".join(pkt.get("EAP-Message", []))


def _msk_from_mppe_keys(reply: radius.Packet) -> bytes | None:
    recv, send = reply.get("MS-MPPE-Recv-Key"), reply.get("MS-MPPE-Send-Key")
    if not recv or not send:
        return None
    return recv[0] + send[0]


# -- the NAS side, for an EapPskPeer


@dataclass(frozen=True, slots=True, kw_only=True)
class RadiusOutcome:
    """How a RADIUS authentication ended, as the NAS saw it."""

    code: int  # pyrad.packet.AccessAccept or AccessReject
    msk: bytes | None  # MS-MPPE-Recv-Key || MS-MPPE-Send-Key of an Access-Accept
    round_trips: int

    @property
    def accepted(self) -> bool:
        return self.code == radius.AccessAccept


def authenticate_over_radius(
    peer: EapPskPeer,
    *,
    port: int,
    secret: bytes,
    timeout: float = 5.0,
    max_round_trips: int = 10,
) -> RadiusOutcome:
    """Run ``peer`` against the RADIUS server on 127.0.0.1:``port`` until Accept or Reject.

    Raises:
        RadiusError: no reply within ``timeout``, a reply that does not verify, or a
            conversation that does not end within ``max_round_trips``.
        ProtocolError: from the peer, if the server's EAP packets break EAP-PSK.
    """
    # The NAS, not the server, asks for the identity (RFC 3579 2.1); the identifier is ours.
    identity_request = EapPacket(code=EapCode.REQUEST, identifier=0, type=eap.EAP_TYPE_IDENTITY)
    response = peer.receive(eap.encode(identity_request))
    assert response is not None
    user_name = eap.decode(response).type_data
    state: bytes | None = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.settimeout(timeout)
        for round_trip in range(1, max_round_trips + 1):
            request = radius.AuthPacket(
                code=radius.AccessRequest,
                id=round_trip % 0x100,
                secret=secret,
                dict=DICTIONARY,
                message_authenticator=True,
            )
            request["User-Name"] = [user_name]
            request["EAP-Message"] = split_eap_message(response)
            if state is not None:
                request["State"] = [state]
            sock.sendto(request.RequestPacket(), (LOOPBACK, port))
            reply = _receive_reply(sock, request, port)
            eap_in = _eap_message(reply)
            if reply.code == radius.AccessChallenge:
                state = (reply.get("State") or [None])[0]
                response = peer.receive(eap_in)
                if response is None:
                    raise RadiusError(f"Access-Challenge carried no EAP Request: {eap_in.hex()}")
                continue
            if reply.code not in (radius.AccessAccept, radius.AccessReject):
                raise RadiusError(f"unexpected RADIUS code {reply.code}")
            if eap_in:
                peer.receive(eap_in)  # EAP-Success or EAP-Failure
            msk = _msk_from_mppe_keys(reply) if reply.code == radius.AccessAccept else None
            return RadiusOutcome(code=reply.code, msk=msk, round_trips=round_trip)
    raise RadiusError(f"no Access-Accept or Access-Reject after {max_round_trips} round trips")


def _receive_reply(sock: socket.socket, request: radius.AuthPacket, port: int) -> radius.Packet:
    try:
        raw, _ = sock.recvfrom(4096)
    except TimeoutError:
        raise RadiusError(f"no RADIUS reply from {LOOPBACK}:{port}") from None
    try:
        reply = request.CreateReply(packet=raw)
    except radius.PacketError as exc:
        raise RadiusError(f"undecodable RADIUS reply ({exc}): {raw.hex()}") from None
    # RFC 3579 3.2: a reply with an EAP-Message must carry a valid Message-Authenticator.
    if not request.VerifyReply(reply, raw, enforce_ma=True):
        raise RadiusError(f"RADIUS reply does not verify (secret?): {raw.hex()}")
    reply.request_authenticator = request.authenticator  # the salt of MS-MPPE keys uses it
    return reply


# -- the server side, for an EapPskServer


@dataclass(slots=True)
class Conversation:
    """One EAP conversation of the RADIUS server, identified by its State attribute."""

    state: bytes
    eap_server: EapPskServer
    codes: list[int] = field(default_factory=list)  # RADIUS codes answered, in order
    protocol_error: str | None = None  # the ProtocolError that aborted the exchange


class RadiusEapServer:
    """RADIUS server on 127.0.0.1 (OS-chosen port) running an ``EapPskServer`` per conversation.

    ``new_eap_server(first_identifier)`` makes the EAP server of a new conversation. The
    client opens a conversation with an Access-Request carrying the EAP-Response/Identity
    it got for its own Request/Identity (RFC 3579 2.1), so the EAP server is started with
    that Request's identifier and handed the Response as if it had asked itself. EAP-Start
    (an empty EAP-Message) is not supported. Use as a context manager; the server thread
    stops on exit.
    """

    def __init__(self, *, secret: bytes, new_eap_server: Callable[[int], EapPskServer]) -> None:
        self._secret = secret
        self._new_eap_server = new_eap_server
        self.conversations: list[Conversation] = []
        self.discarded: list[str] = []  # why packets were silently dropped
        self._by_state: dict[bytes, Conversation] = {}
        self._replies: dict[tuple[tuple[str, int], int, bytes], bytes] = {}
        self._lock = threading.Lock()
        server = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                answer = server._answer(data, self.client_address)
                if answer is not None:
                    sock.sendto(answer, self.client_address)

        self._udp = socketserver.UDPServer((LOOPBACK, 0), _Handler)
        self._thread = threading.Thread(target=self._udp.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def port(self) -> int:
        return self._udp.server_address[1]

    def __enter__(self) -> RadiusEapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._udp.shutdown()
            self._thread.join(timeout=5)
        self._udp.server_close()

    def _answer(self, data: bytes, client: tuple[str, int]) -> bytes | None:
        with self._lock:
            try:
                request = radius.AuthPacket(secret=self._secret, dict=DICTIONARY, packet=data)
            except radius.PacketError as exc:
                self.discarded.append(f"undecodable RADIUS packet: {exc}")
                return None
            if request.code != radius.AccessRequest:
                self.discarded.append(f"RADIUS code {request.code} is not Access-Request")
                return None
            # RFC 3579 3.2: silently discard without a valid Message-Authenticator.
            if not request.message_authenticator or not request.verify_message_authenticator():
                self.discarded.append("missing or wrong Message-Authenticator")
                return None
            # RFC 2865 4.1 / RFC 5080 2.2.2: a retransmission gets the same reply.
            key = (client, request.id, request.authenticator)
            if key in self._replies:
                return self._replies[key]
            reply = self._reply(request)
            if reply is None:
                return None
            self._replies[key] = raw = reply.ReplyPacket()
            return raw

    def _reply(self, request: radius.AuthPacket) -> radius.AuthPacket | None:
        eap_in = _eap_message(request)
        state = request.get("State")
        if state:
            conversation = self._by_state.get(state[0])
            if conversation is None:
                self.discarded.append(f"unknown State {state[0].hex()}")
                return None
        elif len(eap_in) >= 2:
            conversation = Conversation(state=os.urandom(8), eap_server=self._new_eap_server(eap_in[1]))
            conversation.eap_server.start()
            self.conversations.append(conversation)
            self._by_state[conversation.state] = conversation
        else:
            self.discarded.append("Access-Request without State nor EAP-Response/Identity")
            return None
        try:
            eap_out = conversation.eap_server.receive(eap_in)
        except ProtocolError as exc:
            conversation.protocol_error = str(exc)
            eap_out = conversation.eap_server.abort()
        reply = request.CreateReply()
        reply.request_authenticator = request.authenticator  # the salt of MS-MPPE keys uses it
        reply["EAP-Message"] = split_eap_message(eap_out)
        code = eap.decode(eap_out).code
        if code is EapCode.REQUEST:
            reply.code = radius.AccessChallenge
            reply["State"] = [conversation.state]
        elif code is EapCode.SUCCESS:
            msk = conversation.eap_server.msk
            assert msk is not None
            reply.code = radius.AccessAccept
            reply["MS-MPPE-Recv-Key"] = [msk[:MPPE_KEY_LENGTH]]
            reply["MS-MPPE-Send-Key"] = [msk[MPPE_KEY_LENGTH : 2 * MPPE_KEY_LENGTH]]
        else:
            reply.code = radius.AccessReject
        conversation.codes.append(reply.code)
        return reply
