"""What the EAP-PSK tests share: recorded interop vectors and a peer-server pair.

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

from conformance.protocols import eap
from conformance.protocols.eap import EapCode
from conformance.protocols.eap_psk import (
    EapPskPeer,
    EapPskServer,
    PChannelPayload,
    PskExtension,
    PskFourthMessage,
    PskSecondMessage,
    PskThirdMessage,
    build_protected_packet,
    compute_mac_s,
    decode_message,
    derive_ak_kdk,
    derive_tek_msk_emsk,
    open_pchannel,
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
