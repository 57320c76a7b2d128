"""EAP-PSK (RFC 4764): key derivation, messages, protected channel, peer and server.

Independent reference: the "recorded" vectors below come from interop runs of these
machines against hostapd/wpa_supplicant 2.10 (Debian hostapd and eapoltest
2:2.10-12+deb12u3) over a loopback RADIUS link: hostapd as the EAP-PSK server for our
peer, eapol_test as the EAP-PSK peer for our server. Both ended in success with the MSK
confirmed through MS-MPPE keys; the key values are hostapd's and wpa_supplicant's own
debug output (-dd -K), not ours.
"""

from __future__ import annotations

import random
from collections.abc import Callable

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
    ProtectedChannel,
    PskExtension,
    PskFirstMessage,
    PskFourthMessage,
    PskMessage,
    PskResult,
    PskSecondMessage,
    PskThirdMessage,
    ServerState,
    build_protected_packet,
    compute_mac_p,
    compute_mac_s,
    decode_message,
    derive_ak_kdk,
    derive_tek_msk_emsk,
    open_pchannel,
    seal_pchannel,
)
from conformance.protocols.errors import (
    BenchUsageError,
    DecodeError,
    IntegrityError,
    ProtocolError,
)

h = bytes.fromhex

PSK = h("000102030405060708090a0b0c0d0e0f")
ID_P = b"terminal@iot.example"
ID_S = b"smartmeter.example"

# Recorded: hostapd 2.10 as server, our peer (RAND_P fixed below).
HOSTAPD_AK = h("18b62d2c84c5e4571afc41a29db71f4d")
HOSTAPD_KDK = h("97b704350085028363924612565b9b0d")
HOSTAPD_RAND_S = h("f04f14aaca9a3f42255c6fac58eab9f2")
HOSTAPD_RAND_P = h("38b4e652e44da7f2370d9e260e271365")
HOSTAPD_MAC_P = h("436be02c6ebce6b8f7526e8093decd6d")
HOSTAPD_TEK = h("d97c603b4e77edb45921923e94ce1bac")
HOSTAPD_MSK = h(
    "a83e3a566a28438ed0a5d0c88a1bc71c4b55cabc0a59eb4f9251ab00b2cd4ec5"
    "042cbc31c0c0d97d3c1fc4b2cbc3bdf229119ac30f9f0c182b3f45eb6f4aa7a4"
)
HOSTAPD_EMSK = h(
    "92003ddb415617db1b72a4f04aaed18353d526cf9cf0bd6a5c3ece7cb00acd00"
    "0ec4230627d6129e21cc4e2a31b6eec804b00b56b30b6fbc49a106e8ecb0aee6"
)
HOSTAPD_TRANSCRIPT = [  # server, peer, server, peer, server
    h("010100282f00f04f14aaca9a3f42255c6fac58eab9f2736d6172746d657465722e6578616d706c65"),
    h(
        "0201004a2f40f04f14aaca9a3f42255c6fac58eab9f238b4e652e44da7f2370d9e260e271365"
        "436be02c6ebce6b8f7526e8093decd6d7465726d696e616c40696f742e6578616d706c65"
    ),
    h(
        "0102003b2f80f04f14aaca9a3f42255c6fac58eab9f2d959183b2034684b6119d45abf195180"
        "00000000046e560f40ba8d64541b8bf76478a267f8"
    ),
    h("0202002b2fc0f04f14aaca9a3f42255c6fac58eab9f200000001ef33a5320274124dd083fcf90ab251b0b5"),
    h("03020004"),
]

# Recorded: our server (RAND_S fixed below, first identifier 0x8d), wpa_supplicant as peer.
SUPPLICANT_RAND_S = h("fd3feb3c9250b7974a9b528b69636321")
SUPPLICANT_MSK = h(
    "746fac4198e1bd4fd84f4ff663337cbeeb64952786a3cace5ce61207e5953c20"
    "c8b878c0695e6d05419cec32d0b7d0aa9d1863ee6b2be758156e35004d4a6eaf"
)
SUPPLICANT_EMSK = h(
    "6cc01a67eddbc0ef1816c64f527baf57421e0ba39d7442c5d97b5ebb63f6a12e"
    "d4323fbf68d5037db4398b13a484b5fbb373b35e56be0516f1a6332b6d02a95a"
)
SUPPLICANT_TRANSCRIPT = [  # peer, server, peer, server, peer, server
    h("028d0019017465726d696e616c40696f742e6578616d706c65"),
    h("018e00282f00fd3feb3c9250b7974a9b528b69636321736d6172746d657465722e6578616d706c65"),
    h(
        "028e004a2f40fd3feb3c9250b7974a9b528b69636321bf15ada90eafb890b2617fa21462c5b4"
        "99d60034aedf65ec9ca33f1e53fe2bd57465726d696e616c40696f742e6578616d706c65"
    ),
    h(
        "018f003b2f80fd3feb3c9250b7974a9b528b69636321e4441682937357d944ed5aafdd09ad69"
        "00000000a8322988a4fb04e40c8558596f97dc3448"
    ),
    h("028f002b2fc0fd3feb3c9250b7974a9b528b696363210000000128922bae19ddf06468b668413b5f5a2301"),
    h("038f0004"),
]

# Offsets inside the EAP packets of the third and fourth messages (RFC 4764 5.3, 5.4).
FLAGS, RAND_S_AT, MAC_S_AT = 5, 6, 22
THIRD_NONCE_AT, THIRD_TAG_AT, THIRD_PAYLOAD_AT = 38, 42, 58
FOURTH_NONCE_AT, FOURTH_TAG_AT, FOURTH_PAYLOAD_AT = 22, 26, 42


def fixed(value: bytes) -> Callable[[int], bytes]:
    return lambda n: value[:n]


def flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[index] ^= mask
    return bytes(changed)


def make_peer(seed: int = 0, psk: bytes = PSK) -> EapPskPeer:
    return EapPskPeer(id_p=ID_P, psk=psk, randbytes=random.Random(seed).randbytes)


def make_server(
    seed: int = 1,
    psk: bytes = PSK,
    *,
    first_identifier: int = 1,
    extension: PskExtension | None = None,
) -> EapPskServer:
    return EapPskServer(
        id_s=ID_S,
        psk_for={ID_P: psk}.get,
        randbytes=random.Random(seed).randbytes,
        first_identifier=first_identifier,
        extension=extension,
    )


def run_exchange(peer: EapPskPeer, server: EapPskServer) -> list[bytes]:
    """Shuttle packets between the two ends until the peer has nothing to send."""
    transcript = [server.start()]
    while (response := peer.receive(transcript[-1])) is not None:
        transcript.append(response)
        transcript.append(server.receive(response))
    return transcript


class Pair:
    """A peer and a server driven step by step, keeping every packet."""

    def __init__(self, *, peer_psk: bytes = PSK, extension: PskExtension | None = None) -> None:
        self.peer = make_peer(psk=peer_psk)
        self.server = make_server(extension=extension)
        self.identity_request = self.server.start()
        self.identity_response = self.peer.receive(self.identity_request)
        assert self.identity_response is not None
        self.first = self.server.receive(self.identity_response)

    def second(self) -> bytes:
        second = self.peer.receive(self.first)
        assert second is not None
        return second

    def third(self) -> bytes:
        self.second_packet = self.second()
        return self.server.receive(self.second_packet)

    def fourth(self) -> bytes:
        fourth = self.peer.receive(self.third())
        assert fourth is not None
        return fourth

    def rand_p(self) -> bytes:
        second = decode_message(eap.decode(self.second_packet).type_data)
        assert isinstance(second, PskSecondMessage)
        return second.rand_p

    def tek(self) -> bytes:
        _, kdk = derive_ak_kdk(PSK)
        return derive_tek_msk_emsk(kdk, self.rand_p())[0]


def forged_third(pair: Pair, payload: PChannelPayload, *, nonce: int = 0) -> bytes:
    """A third message a (faulty) server holding the right PSK would send."""
    second = pair.second()
    pair.second_packet = second
    message = decode_message(eap.decode(second).type_data)
    assert isinstance(message, PskSecondMessage)
    ak, _ = derive_ak_kdk(PSK)
    return build_protected_packet(
        EapCode.REQUEST,
        eap.decode(second).identifier + 1,
        flags=0x80,
        rand_s=message.rand_s,
        tek=pair.tek(),
        nonce=nonce,
        payload=payload,
        mac_s=compute_mac_s(ak, id_s=ID_S, rand_p=message.rand_p),
    )


def forged_answer(pair: Pair, request: bytes, payload: PChannelPayload, *, nonce: int) -> bytes:
    """A T=3 Response a (faulty) peer holding the right keys would send."""
    packet = eap.decode(request)
    return build_protected_packet(
        EapCode.RESPONSE,
        packet.identifier,
        flags=0xC0,
        rand_s=packet.type_data[1:17],
        tek=pair.tek(),
        nonce=nonce,
        payload=payload,
    )


def read_pchannel(pair: Pair, packet: bytes) -> PChannelPayload:
    message = decode_message(eap.decode(packet).type_data)
    assert isinstance(message, PskThirdMessage | PskFourthMessage)
    return open_pchannel(pair.tek(), header=packet[:22], pchannel=message.pchannel)


# --- key derivation (sections 3.1, 3.2) against hostapd ------------------------------


def test_key_setup_matches_hostapd() -> None:
    assert derive_ak_kdk(PSK) == (HOSTAPD_AK, HOSTAPD_KDK)


def test_session_keys_match_hostapd() -> None:
    assert derive_tek_msk_emsk(HOSTAPD_KDK, HOSTAPD_RAND_P) == (
        HOSTAPD_TEK,
        HOSTAPD_MSK,
        HOSTAPD_EMSK,
    )


def test_mac_p_matches_hostapd() -> None:
    mac_p = compute_mac_p(HOSTAPD_AK, id_p=ID_P, id_s=ID_S, rand_s=HOSTAPD_RAND_S, rand_p=HOSTAPD_RAND_P)
    assert mac_p == HOSTAPD_MAC_P


@pytest.mark.parametrize("length", [0, 15, 17, 32])
def test_psk_of_wrong_length_is_bench_misuse(length: int) -> None:
    with pytest.raises(BenchUsageError):
        derive_ak_kdk(bytes(length))


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


# --- messages (section 5) ---------------------------------------------------------------

GOLDEN_MESSAGES: list[tuple[bytes, PskMessage]] = [
    (
        HOSTAPD_TRANSCRIPT[0][5:],
        PskFirstMessage(rand_s=HOSTAPD_RAND_S, id_s=ID_S),
    ),
    (
        HOSTAPD_TRANSCRIPT[1][5:],
        PskSecondMessage(rand_s=HOSTAPD_RAND_S, rand_p=HOSTAPD_RAND_P, mac_p=HOSTAPD_MAC_P, id_p=ID_P),
    ),
    (
        HOSTAPD_TRANSCRIPT[2][5:],
        PskThirdMessage(
            rand_s=HOSTAPD_RAND_S,
            mac_s=h("d959183b2034684b6119d45abf195180"),
            pchannel=ProtectedChannel(
                nonce=0,
                tag=h("046e560f40ba8d64541b8bf76478a267"),
                encrypted_payload=h("f8"),
            ),
        ),
    ),
    (
        HOSTAPD_TRANSCRIPT[3][5:],
        PskFourthMessage(
            rand_s=HOSTAPD_RAND_S,
            pchannel=ProtectedChannel(
                nonce=1,
                tag=h("ef33a5320274124dd083fcf90ab251b0"),
                encrypted_payload=h("b5"),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("type_data", "message"), GOLDEN_MESSAGES)
def test_message_golden_encode(type_data: bytes, message: PskMessage) -> None:
    assert message.encode() == type_data


@pytest.mark.parametrize(("type_data", "message"), GOLDEN_MESSAGES)
def test_message_golden_decode(type_data: bytes, message: PskMessage) -> None:
    assert decode_message(type_data) == message
    assert type(message).decode(type_data) == message


def test_reserved_flag_bits_survive_a_round_trip() -> None:
    # Figure 12: Reserved is ignored on reception, so the codec keeps what it got.
    message = PskFirstMessage(flags=0x3F, rand_s=bytes(16), id_s=b"s")
    assert decode_message(message.encode()) == message


def test_the_hostapd_pchannels_decrypt_to_done_success() -> None:
    for packet in HOSTAPD_TRANSCRIPT[2:4]:
        message = decode_message(eap.decode(packet).type_data)
        assert isinstance(message, PskThirdMessage | PskFourthMessage)
        payload = open_pchannel(HOSTAPD_TEK, header=packet[:22], pchannel=message.pchannel)
        assert payload == PChannelPayload(result=PskResult.DONE_SUCCESS)


@pytest.mark.parametrize(
    "build",
    [
        lambda: PskFirstMessage(flags=0x40, rand_s=bytes(16), id_s=b""),
        lambda: PskFirstMessage(flags=0x100, rand_s=bytes(16), id_s=b""),
        lambda: PskFirstMessage(rand_s=bytes(15), id_s=b""),
        lambda: PskFirstMessage(rand_s=bytes(16), id_s=bytes(967)),
        lambda: PskSecondMessage(rand_s=bytes(16), rand_p=bytes(16), mac_p=bytes(17), id_p=b""),
        lambda: PskSecondMessage(flags=0, rand_s=bytes(16), rand_p=bytes(16), mac_p=bytes(16), id_p=b""),
        lambda: PskThirdMessage(
            rand_s=bytes(16),
            mac_s=bytes(16),
            pchannel=ProtectedChannel(nonce=0, tag=bytes(16), encrypted_payload=b"x"),
            flags=0xC0,
        ),
        lambda: ProtectedChannel(nonce=2**32, tag=bytes(16), encrypted_payload=b"x"),
        lambda: ProtectedChannel(nonce=0, tag=bytes(15), encrypted_payload=b"x"),
        lambda: ProtectedChannel(nonce=0, tag=bytes(16), encrypted_payload=b""),
        lambda: PskExtension(ext_type=0),
        lambda: PskExtension(ext_type=256),
        lambda: PskExtension(ext_type=1, payload=bytes(961)),
        lambda: PChannelPayload(result=PskResult.CONT, reserved=32),
        lambda: PChannelPayload(result=2),
    ],
)
def test_invalid_fields_are_bench_misuse(build: Callable[[], object]) -> None:
    with pytest.raises(BenchUsageError):
        build()


PCHANNEL_PAYLOADS = [
    ("40", PChannelPayload(result=PskResult.CONT)),
    ("80", PChannelPayload(result=PskResult.DONE_SUCCESS)),
    ("c0", PChannelPayload(result=PskResult.DONE_FAILURE)),
    ("9f", PChannelPayload(result=PskResult.DONE_SUCCESS, reserved=0x1F)),
    (
        "60ff0102",
        PChannelPayload(result=PskResult.CONT, extension=PskExtension(ext_type=255, payload=h("0102"))),
    ),
    ("a007", PChannelPayload(result=PskResult.DONE_SUCCESS, extension=PskExtension(ext_type=7))),
]


@pytest.mark.parametrize(("wire", "payload"), PCHANNEL_PAYLOADS)
def test_pchannel_payload_golden(wire: str, payload: PChannelPayload) -> None:
    assert payload.encode() == h(wire)
    assert PChannelPayload.decode(h(wire)) == payload


@pytest.mark.parametrize(
    "wire",
    ["", "00", "20", "8000", "a0", "a000", "a0ff" + "00" * 961],
)
def test_malformed_pchannel_payload_is_a_decode_error(wire: str) -> None:
    with pytest.raises(DecodeError):
        PChannelPayload.decode(h(wire))


@pytest.mark.parametrize("length", [0, 16, 20])
def test_short_pchannel_is_a_decode_error(length: int) -> None:
    with pytest.raises(DecodeError):
        ProtectedChannel.decode(bytes(length))


def test_seal_and_open_are_inverse_and_bind_the_header() -> None:
    header = bytes(range(22))
    extension = PskExtension(ext_type=9, payload=b"x")
    payload = PChannelPayload(result=PskResult.CONT, extension=extension)
    sealed = seal_pchannel(HOSTAPD_TEK, header=header, nonce=7, payload=payload)
    assert sealed.nonce == 7
    assert open_pchannel(HOSTAPD_TEK, header=header, pchannel=sealed) == payload
    with pytest.raises(IntegrityError):
        open_pchannel(HOSTAPD_TEK, header=flip(header, 3), pchannel=sealed)
    with pytest.raises(BenchUsageError):
        seal_pchannel(HOSTAPD_TEK, header=header[:21], nonce=0, payload=payload)


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


# --- properties: decoders and machines meet arbitrary bytes --------------------------

messages = st.one_of(
    st.builds(
        PskFirstMessage,
        flags=st.integers(0, 0x3F),
        rand_s=st.binary(min_size=16, max_size=16),
        id_s=st.binary(max_size=40),
    ),
    st.builds(
        PskSecondMessage,
        flags=st.integers(0x40, 0x7F),
        rand_s=st.binary(min_size=16, max_size=16),
        rand_p=st.binary(min_size=16, max_size=16),
        mac_p=st.binary(min_size=16, max_size=16),
        id_p=st.binary(max_size=40),
    ),
    st.builds(
        PskThirdMessage,
        flags=st.integers(0x80, 0xBF),
        rand_s=st.binary(min_size=16, max_size=16),
        mac_s=st.binary(min_size=16, max_size=16),
        pchannel=st.builds(
            ProtectedChannel,
            nonce=st.integers(0, 2**32 - 1),
            tag=st.binary(min_size=16, max_size=16),
            encrypted_payload=st.binary(min_size=1, max_size=30),
        ),
    ),
)


@given(messages)
def test_message_decode_inverts_encode(message: PskMessage) -> None:
    assert decode_message(message.encode()) == message


@given(st.binary(max_size=80))
def test_random_type_data_decodes_or_raises_decode_error(data: bytes) -> None:
    for decode in (decode_message, PChannelPayload.decode, ProtectedChannel.decode):
        try:
            decoded = decode(data)
        except DecodeError:
            continue
        assert decoded.encode() == data


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
