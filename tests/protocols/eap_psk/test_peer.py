"""The EAP-PSK peer facing a faulty server (RFC 4764 sections 4.1, 6, 8.8; RFC 3748)."""

from __future__ import annotations

import random

import pytest

from conformance.protocols.eap_psk import EapPskPeer, PChannelPayload, PeerState, PskExtension, PskResult
from conformance.protocols.errors import BenchUsageError, IntegrityError, ProtocolError
from tests.protocols.eap_psk.support import (
    FLAGS,
    HOSTAPD_TRANSCRIPT,
    ID_P,
    MAC_S_AT,
    PSK,
    RAND_S_AT,
    THIRD_PAYLOAD_AT,
    THIRD_TAG_AT,
    Pair,
    flip,
    forged_third,
    h,
    make_peer,
    make_server,
    read_pchannel,
    run_exchange,
)

# --- the peer facing a faulty server -------------------------------------------------


def test_tampered_mac_s_fails_the_peer() -> None:
    pair = Pair()
    with pytest.raises(IntegrityError):
        pair.peer.receive(flip(pair.third(), MAC_S_AT + 3))
    assert pair.peer.state is PeerState.FAILED
    assert "MAC_S" in (pair.peer.failure_reason or "")
    assert pair.peer.msk is None


@pytest.mark.parametrize("index", [THIRD_TAG_AT, THIRD_TAG_AT + 15, THIRD_PAYLOAD_AT, FLAGS, 1], ids=str)
def test_tampered_third_pchannel_or_header_fails_the_peer(index: int) -> None:
    # Section 3.3: the tag covers H (Code, Identifier, Length, Type, Flags, RAND_S).
    pair = Pair()
    with pytest.raises(IntegrityError):
        pair.peer.receive(flip(pair.third(), index))
    assert pair.peer.state is PeerState.FAILED


def test_rand_s_mismatch_in_third_fails_the_peer() -> None:
    pair = Pair()
    with pytest.raises(ProtocolError, match="RAND_S") as raised:
        pair.peer.receive(flip(pair.third(), RAND_S_AT))
    assert raised.type is ProtocolError
    assert pair.peer.state is PeerState.FAILED


def test_peer_insists_on_nonce_zero_in_third() -> None:
    # Section 8.4: "The EAP peer must check that the Nonce is indeed initialized to 0".
    pair = Pair()
    third = forged_third(pair, PChannelPayload(result=PskResult.DONE_SUCCESS), nonce=2)
    with pytest.raises(ProtocolError, match="nonce"):
        pair.peer.receive(third)


def test_peer_echoes_done_failure_then_fails() -> None:
    # Section 6.1.3: the peer replies DONE_FAILURE and fails.
    pair = Pair()
    fourth = pair.peer.receive(forged_third(pair, PChannelPayload(result=PskResult.DONE_FAILURE)))
    assert fourth is not None
    assert read_pchannel(pair, fourth) == PChannelPayload(result=PskResult.DONE_FAILURE)
    assert pair.peer.state is PeerState.WAIT_RESULT
    assert pair.peer.receive(h("04020004")) is None
    assert pair.peer.state is PeerState.FAILED and pair.peer.msk is None


def test_peer_refuses_success_after_done_failure() -> None:
    pair = Pair()
    pair.peer.receive(forged_third(pair, PChannelPayload(result=PskResult.DONE_FAILURE)))
    with pytest.raises(ProtocolError):
        pair.peer.receive(h("03020004"))
    assert pair.peer.state is PeerState.FAILED and pair.peer.msk is None


def test_peer_answers_cont_without_extension_with_done_failure() -> None:
    pair = Pair()
    fourth = pair.peer.receive(forged_third(pair, PChannelPayload(result=PskResult.CONT)))
    assert fourth is not None
    assert read_pchannel(pair, fourth).result is PskResult.DONE_FAILURE


def test_peer_answers_unknown_extension_with_empty_ext() -> None:
    # Section 6.2: same EXT_Type, empty EXT_Payload; success allowed by policy.
    pair = Pair()
    extension = PskExtension(ext_type=255, payload=b"experimental")
    third = forged_third(pair, PChannelPayload(result=PskResult.DONE_SUCCESS, extension=extension))
    fourth = pair.peer.receive(third)
    assert fourth is not None
    assert read_pchannel(pair, fourth) == PChannelPayload(
        result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=255)
    )


def test_extension_started_with_empty_payload_fails_the_peer() -> None:
    pair = Pair()
    payload = PChannelPayload(result=PskResult.CONT, extension=PskExtension(ext_type=5))
    with pytest.raises(ProtocolError, match="empty EXT_Payload"):
        pair.peer.receive(forged_third(pair, payload))


def test_success_with_another_identifier_fails_the_peer() -> None:
    pair = Pair()
    pair.fourth()
    with pytest.raises(ProtocolError, match="Identifier"):
        pair.peer.receive(h("03090004"))
    assert pair.peer.state is PeerState.FAILED and pair.peer.msk is None


def test_early_success_fails_the_peer() -> None:
    peer = make_peer()
    with pytest.raises(ProtocolError):
        peer.receive(h("03010004"))
    assert peer.state is PeerState.FAILED


def test_peer_naks_other_methods_proposing_eap_psk() -> None:
    peer = make_peer()
    # RFC 3748 5.3.1 Legacy Nak to an MD5-Challenge; 5.3.2 Expanded Nak to type 254.
    assert peer.receive(h("010500060400")) == h("02050006032f")
    assert peer.receive(h("0106000dfe00000000000001ff")) == h("02060014fe00000000000003fe0000000000002f")
    assert peer.state is PeerState.IDLE


def test_notification_is_acknowledged_only_before_eap_psk_starts() -> None:
    pair_peer = make_peer()
    assert pair_peer.receive(h("01040007026869")) == h("0204000502")
    pair = Pair()
    pair.second()
    with pytest.raises(ProtocolError):
        pair.peer.receive(h("01090007026869"))


@pytest.mark.parametrize(
    "packet",
    [
        h("0201000501"),  # a Response sent to the peer
        h("0101000503"),  # Nak in a Request
    ],
)
def test_peer_rejects_packets_no_server_may_send(packet: bytes) -> None:
    with pytest.raises(ProtocolError):
        make_peer().receive(packet)


def test_peer_answers_retransmitted_requests_identically() -> None:
    # RFC 3748 4.1: a retransmitted Request gets the original Response again.
    pair = Pair()
    second = pair.second()
    assert pair.peer.receive(pair.first) == second
    third = pair.server.receive(second)
    fourth = pair.peer.receive(third)
    assert pair.peer.receive(third) == fourth
    assert pair.peer.state is PeerState.WAIT_RESULT


def test_peer_after_success_rejects_more_and_keeps_its_keys() -> None:
    peer, server = make_peer(), make_server()
    run_exchange(peer, server)
    for stray in (h("010900060400"), h("03030004")):  # MD5-Challenge, a second Success
        with pytest.raises(ProtocolError):
            peer.receive(stray)
    assert peer.state is PeerState.DONE_SUCCESS and peer.msk == server.msk


def test_peer_misuse() -> None:
    with pytest.raises(BenchUsageError):
        EapPskPeer(id_p=ID_P, psk=bytes(15), randbytes=random.Random(0).randbytes)
    with pytest.raises(BenchUsageError):
        EapPskPeer(id_p=bytes(967), psk=PSK, randbytes=random.Random(0).randbytes)
    peer = EapPskPeer(id_p=ID_P, psk=PSK, randbytes=lambda n: bytes(n - 1))
    with pytest.raises(BenchUsageError):
        peer.receive(HOSTAPD_TRANSCRIPT[0])
