"""The EAP-PSK server facing a faulty peer (RFC 4764 sections 4.1, 6, 8.8; RFC 3748)."""

from __future__ import annotations

import random

import pytest

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.eap_psk import EapPskServer, PChannelPayload, PskExtension, PskResult, ServerState
from conformance.protocols.errors import BenchUsageError, IntegrityError, ProtocolError
from tests.protocols.eap_psk.support import (
    FLAGS,
    FOURTH_PAYLOAD_AT,
    FOURTH_TAG_AT,
    ID_S,
    RAND_S_AT,
    Pair,
    flip,
    forged_answer,
    h,
    make_peer,
    make_server,
    run_exchange,
)

# --- the server facing a faulty peer -------------------------------------------------


@pytest.mark.parametrize("index", [FOURTH_TAG_AT, FOURTH_PAYLOAD_AT, FLAGS], ids=str)
def test_tampered_fourth_fails_the_server(index: int) -> None:
    pair = Pair()
    fourth = pair.fourth()
    with pytest.raises(IntegrityError):
        pair.server.receive(flip(fourth, index))
    assert pair.server.state is ServerState.FAILED and pair.server.msk is None
    assert pair.server.abort() == eap.encode(EapPacket(code=EapCode.FAILURE, identifier=3))


def test_rand_s_mismatch_in_second_fails_the_server() -> None:
    pair = Pair()
    with pytest.raises(ProtocolError, match="RAND_S"):
        pair.server.receive(flip(pair.second(), RAND_S_AT + 15))
    assert pair.server.state is ServerState.FAILED


def test_server_insists_on_nonce_one_in_fourth() -> None:
    pair = Pair()
    third = pair.third()
    fourth = forged_answer(pair, third, PChannelPayload(result=PskResult.DONE_SUCCESS), nonce=0)
    with pytest.raises(ProtocolError, match="nonce"):
        pair.server.receive(fourth)


def test_peer_done_failure_gets_eap_failure() -> None:
    pair = Pair()
    third = pair.third()
    answer = pair.server.receive(
        forged_answer(pair, third, PChannelPayload(result=PskResult.DONE_FAILURE), nonce=1)
    )
    assert eap.decode(answer) == EapPacket(code=EapCode.FAILURE, identifier=3)
    assert pair.server.state is ServerState.FAILED


def test_peer_cont_without_extension_gets_eap_failure() -> None:
    pair = Pair()
    third = pair.third()
    answer = pair.server.receive(forged_answer(pair, third, PChannelPayload(result=PskResult.CONT), nonce=1))
    assert eap.decode(answer).code is EapCode.FAILURE


def test_peer_may_not_start_an_extension() -> None:
    # Section 6.2: "An extended authentication can only be started by the server."
    pair = Pair()
    third = pair.third()
    payload = PChannelPayload(result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=1, payload=b"x"))
    with pytest.raises(ProtocolError, match="E=1"):
        pair.server.receive(forged_answer(pair, third, payload, nonce=1))


def test_nak_to_eap_psk_gets_eap_failure() -> None:
    server = make_server()
    server.start()
    server.receive(h("0201000501"))
    answer = server.receive(h("020200060304"))
    assert eap.decode(answer) == EapPacket(code=EapCode.FAILURE, identifier=2)
    assert "Nak" in (server.failure_reason or "")


@pytest.mark.parametrize(
    "packet",
    [
        h("0202000501"),  # another Identifier than the outstanding Request's
        h("0101000501"),  # a Request sent to the server
        h("02010006032f"),  # a Nak to the Identity Request
        h("0201000a040102030405"),  # another method's Response
    ],
)
def test_server_rejects_unexpected_responses(packet: bytes) -> None:
    server = make_server()
    server.start()
    with pytest.raises(ProtocolError):
        server.receive(packet)
    assert server.state is ServerState.FAILED
    assert eap.decode(server.abort()).code is EapCode.FAILURE


def test_server_answers_duplicate_responses_identically() -> None:
    pair = Pair()
    second = pair.second()
    third = pair.server.receive(second)
    assert pair.server.receive(second) == third
    fourth = pair.peer.receive(third)
    assert fourth is not None
    success = pair.server.receive(fourth)
    assert pair.server.receive(fourth) == success
    assert pair.server.state is ServerState.DONE_SUCCESS


def test_server_after_success_rejects_more_and_keeps_its_keys() -> None:
    peer, server = make_peer(), make_server()
    run_exchange(peer, server)
    with pytest.raises(ProtocolError):
        server.receive(h("0203000501"))
    assert server.state is ServerState.DONE_SUCCESS and server.msk == peer.msk
    with pytest.raises(BenchUsageError):
        server.abort()


def test_server_misuse() -> None:
    server = make_server()
    with pytest.raises(BenchUsageError):
        server.receive(h("0201000501"))
    with pytest.raises(BenchUsageError):
        make_server(first_identifier=256)
    with pytest.raises(BenchUsageError):
        make_server(extension=PskExtension(ext_type=1))
    bad_psk = EapPskServer(id_s=ID_S, psk_for=lambda _: bytes(15), randbytes=random.Random(0).randbytes)
    peer = make_peer()
    with pytest.raises(BenchUsageError):
        run_exchange(peer, bad_psk)
