"""EAP-PSK peer and server together: the recorded interop transcripts, whole exchanges,
new conversations (PANA re-authentication), extensions (RFC 4764 section 6.2), and the
machines meeting arbitrary bytes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.eap_psk import (
    EapPskPeer,
    EapPskServer,
    PChannelPayload,
    PeerState,
    PskExtension,
    PskFourthMessage,
    PskResult,
    PskThirdMessage,
    ServerState,
    decode_message,
)
from conformance.protocols.errors import ProtocolError
from tests.protocols.eap_psk.support import (
    HOSTAPD_EMSK,
    HOSTAPD_MSK,
    HOSTAPD_RAND_P,
    HOSTAPD_TRANSCRIPT,
    ID_P,
    ID_S,
    PSK,
    SUPPLICANT_EMSK,
    SUPPLICANT_MSK,
    SUPPLICANT_RAND_S,
    SUPPLICANT_TRANSCRIPT,
    Pair,
    fixed,
    flip,
    forged_answer,
    h,
    make_peer,
    make_server,
    run_exchange,
)

# --- recorded interop transcripts -----------------------------------------------------


def test_peer_reproduces_its_exchange_with_hostapd() -> None:
    peer = EapPskPeer(id_p=ID_P, psk=PSK, randbytes=fixed(HOSTAPD_RAND_P))
    first, second, third, fourth, success = HOSTAPD_TRANSCRIPT
    assert peer.receive(first) == second
    assert peer.receive(third) == fourth
    assert peer.state is PeerState.WAIT_RESULT
    assert peer.receive(success) is None
    assert peer.state is PeerState.DONE_SUCCESS
    assert (peer.msk, peer.emsk, peer.id_s) == (HOSTAPD_MSK, HOSTAPD_EMSK, ID_S)


def test_server_reproduces_its_exchange_with_wpa_supplicant() -> None:
    server = EapPskServer(
        id_s=ID_S,
        psk_for={ID_P: PSK}.get,
        randbytes=fixed(SUPPLICANT_RAND_S),
        first_identifier=0x8D,
    )
    assert server.start() == h("018d000501")
    identity, first, second, third, fourth, success = SUPPLICANT_TRANSCRIPT
    assert server.receive(identity) == first
    assert server.receive(second) == third
    assert server.receive(fourth) == success
    assert server.state is ServerState.DONE_SUCCESS
    assert (server.msk, server.emsk) == (SUPPLICANT_MSK, SUPPLICANT_EMSK)
    assert (server.identity, server.peer_id) == (ID_P, ID_P)


# --- the exchange --------------------------------------------------------------------


def test_full_exchange_gives_equal_keys_on_both_sides() -> None:
    peer, server = make_peer(), make_server()
    transcript = run_exchange(peer, server)
    assert [eap.decode(p).identifier for p in transcript] == [1, 1, 2, 2, 3, 3, 3]
    assert eap.decode(transcript[-1]).code is EapCode.SUCCESS
    assert (peer.state, server.state) == (PeerState.DONE_SUCCESS, ServerState.DONE_SUCCESS)
    assert peer.msk is not None and len(peer.msk) == 64
    assert peer.emsk is not None and len(peer.emsk) == 64
    assert (peer.msk, peer.emsk) == (server.msk, server.emsk)
    assert peer.failure_reason is None and server.failure_reason is None
    assert (server.identity, server.peer_id, peer.id_s) == (ID_P, ID_P, ID_S)


def test_identifiers_wrap_after_255() -> None:
    transcript = run_exchange(make_peer(), make_server(first_identifier=255))
    assert [eap.decode(p).identifier for p in transcript] == [255, 255, 0, 0, 1, 1, 1]


def test_each_seed_gives_fresh_session_keys() -> None:
    keys = set()
    for seed in range(3):
        peer = make_peer(seed)
        run_exchange(peer, make_server(seed + 10))
        keys.add(peer.msk)
    assert len(keys) == 3


def test_keys_are_withheld_until_success() -> None:
    # RFC 4764 8.7: no keys from a dialog that has not succeeded.
    pair = Pair()
    fourth = pair.fourth()
    assert pair.peer.state is PeerState.WAIT_RESULT and pair.peer.msk is None
    assert pair.server.state is ServerState.WAIT_PCHANNEL and pair.server.msk is None
    pair.peer.receive(pair.server.receive(fourth))
    assert pair.peer.msk is not None and pair.peer.msk == pair.server.msk


def test_wrong_psk_fails_on_both_sides() -> None:
    pair = Pair(peer_psk=bytes(16))
    answer = pair.server.receive(pair.second())
    assert eap.decode(answer) == EapPacket(code=EapCode.FAILURE, identifier=2)
    assert pair.server.state is ServerState.FAILED
    assert "MAC_P" in (pair.server.failure_reason or "")
    assert pair.peer.receive(answer) is None
    assert pair.peer.state is PeerState.FAILED
    assert pair.peer.msk is pair.server.msk is None


def test_unknown_identity_gets_eap_failure() -> None:
    peer = EapPskPeer(id_p=b"stranger", psk=PSK, randbytes=random.Random(0).randbytes)
    transcript = run_exchange(peer, make_server())
    assert eap.decode(transcript[-1]).code is EapCode.FAILURE
    assert peer.state is PeerState.FAILED


# --- new conversations (PANA re-authentication) -----------------------------------


def test_reauthentication_runs_a_new_conversation_with_fresh_keys() -> None:
    peer, server = make_peer(), make_server()
    run_exchange(peer, server)
    assert peer.succeeded and server.succeeded and not (peer.failed or server.failed)
    old_msk = server.msk
    transcript = [server.start()]
    assert eap.decode(transcript[0]).identifier == 4
    assert server.msk is None and server.state is ServerState.WAIT_IDENTITY
    while (response := peer.receive(transcript[-1])) is not None:
        transcript.append(response)
        transcript.append(server.receive(response))
    assert peer.succeeded and server.succeeded
    assert peer.msk == server.msk != old_msk


def test_server_restart_abandons_a_conversation_in_flight() -> None:
    pair = Pair()
    pair.third()
    restart = pair.server.start()
    assert eap.decode(restart).identifier == 4
    assert pair.server.state is ServerState.WAIT_IDENTITY


def test_failed_peer_accepts_a_new_first_message() -> None:
    pair = Pair(peer_psk=bytes(16))
    pair.peer.receive(pair.server.receive(pair.second()))
    assert pair.peer.failed
    server = make_server(seed=5)
    server.start()
    first = server.receive(h("0201000501"))
    assert pair.peer.receive(first) is not None
    assert pair.peer.state is PeerState.WAIT_THIRD and pair.peer.failure_reason is None


def test_late_first_message_does_not_restart_a_finished_peer() -> None:
    pair = Pair()
    pair.peer.receive(pair.server.receive(pair.fourth()))
    msk = pair.peer.msk
    with pytest.raises(ProtocolError, match="late first message"):
        pair.peer.receive(flip(pair.first, 1))  # another Identifier, same RAND_S
    assert pair.peer.succeeded and pair.peer.msk == msk


# --- extended authentication (section 6.2) -------------------------------------------


def test_extension_runs_one_more_round_trip_and_succeeds() -> None:
    extension = PskExtension(ext_type=255, payload=b"experimental")
    peer, server = make_peer(), make_server(extension=extension)
    transcript = run_exchange(peer, server)
    psk_packets = [p for p in transcript[2:] if eap.decode(p).type == eap.EAP_TYPE_PSK]
    decoded = [decode_message(eap.decode(p).type_data) for p in psk_packets]
    protected = (PskThirdMessage, PskFourthMessage)
    nonces = [m.pchannel.nonce for m in decoded if isinstance(m, protected)]
    assert nonces == [0, 1, 2, 3]
    assert (peer.state, server.state) == (PeerState.DONE_SUCCESS, ServerState.DONE_SUCCESS)
    assert peer.msk == server.msk is not None


def test_extension_cont_answered_by_done_success_is_a_violation() -> None:
    # Section 6.1.2: the peer may send DONE_SUCCESS only after receiving one.
    pair = Pair(extension=PskExtension(ext_type=255, payload=b"x"))
    third = pair.third()
    payload = PChannelPayload(result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=255))
    with pytest.raises(ProtocolError, match="DONE_SUCCESS"):
        pair.server.receive(forged_answer(pair, third, payload, nonce=1))


def test_extension_declined_by_peer_gets_eap_failure() -> None:
    pair = Pair(extension=PskExtension(ext_type=255, payload=b"x"))
    third = pair.third()
    payload = PChannelPayload(result=PskResult.DONE_FAILURE, extension=PskExtension(ext_type=255))
    answer = pair.server.receive(forged_answer(pair, third, payload, nonce=1))
    assert eap.decode(answer).code is EapCode.FAILURE


@pytest.mark.parametrize(
    "sixth",
    [
        PChannelPayload(result=PskResult.CONT, extension=PskExtension(ext_type=255)),
        PChannelPayload(result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=255, payload=b"x")),
    ],
)
def test_extension_sixth_message_must_be_done_success_with_empty_ext(
    sixth: PChannelPayload,
) -> None:
    pair = Pair(extension=PskExtension(ext_type=255, payload=b"x"))
    fifth = pair.server.receive(pair.fourth())
    with pytest.raises(ProtocolError, match="message 6"):
        pair.server.receive(forged_answer(pair, fifth, sixth, nonce=3))


def test_extension_answer_without_ext_is_a_violation() -> None:
    pair = Pair(extension=PskExtension(ext_type=255, payload=b"x"))
    third = pair.third()
    payload = PChannelPayload(result=PskResult.CONT)
    with pytest.raises(ProtocolError, match="EXT_Type"):
        pair.server.receive(forged_answer(pair, third, payload, nonce=1))


def _stage(stage: str) -> tuple[EapPskPeer | EapPskServer, bytes]:
    """A machine at ``stage`` and the genuine packet it expects there."""
    pair = Pair(extension=PskExtension(ext_type=255, payload=b"x") if "ext" in stage else None)
    if stage == "server-identity":
        server = make_server()
        server.start()
        return server, pair.identity_response
    if stage == "peer-first":
        return pair.peer, pair.first
    if stage == "server-second":
        return pair.server, pair.second()
    third = pair.third()
    if stage in ("peer-third", "peer-third-ext"):
        return pair.peer, third
    fourth = pair.peer.receive(third)
    assert fourth is not None
    if stage in ("server-fourth", "server-fourth-ext"):
        return pair.server, fourth
    answer = pair.server.receive(fourth)
    if stage == "peer-fifth-ext":
        return pair.peer, answer
    if stage in ("peer-done", "server-done"):
        assert pair.peer.receive(answer) is None and pair.peer.succeeded
        return (pair.peer if stage == "peer-done" else pair.server), answer
    raise AssertionError(stage)


STAGES = [
    "server-identity",
    "peer-first",
    "server-second",
    "peer-third",
    "peer-third-ext",
    "server-fourth",
    "server-fourth-ext",
    "peer-fifth-ext",
]


@settings(max_examples=80, deadline=None)
@given(stage=st.sampled_from([*STAGES, "peer-done", "server-done"]), data=st.binary(max_size=80))
def test_machines_meet_random_bytes_with_protocol_errors_only(stage: str, data: bytes) -> None:
    machine, _ = _stage(stage)
    try:
        machine.receive(data)
    except ProtocolError:
        assert machine.state.name == "FAILED" or machine.state.name == "DONE_SUCCESS"


@settings(max_examples=150, deadline=None)
@given(
    stage=st.sampled_from(STAGES),
    index=st.integers(0, 200),
    mask=st.integers(1, 255),
    cut=st.integers(-3, 3),
)
def test_machines_meet_mutated_packets_with_protocol_errors_only(
    stage: str, index: int, mask: int, cut: int
) -> None:
    machine, genuine = _stage(stage)
    mutated = flip(genuine, index % len(genuine), mask)
    if cut < 0:
        mutated = mutated[:cut]
    elif cut > 0:
        mutated += bytes(cut)
    try:
        machine.receive(mutated)
    except ProtocolError:
        return
    if "third" in stage or "fourth" in stage or "fifth" in stage:
        # Every octet of a protected message is covered by MAC_S, the tag or H,
        # and the Length field pins the size: no change may be accepted.
        raise AssertionError(f"mutated {stage} accepted")


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_accepts_its_genuine_packet(stage: str) -> None:
    machine, genuine = _stage(stage)
    machine.receive(genuine)
    assert machine.state.name != "FAILED"
