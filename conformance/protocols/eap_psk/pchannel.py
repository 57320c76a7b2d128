"""The EAP-PSK protected channel, PCHANNEL (RFC 4764 section 3.3).

PCHANNEL is EAX under the TEK: the 4-byte nonce N, padded with 96 zero bits, is the EAX
nonce; the header H is the first 22 bytes of the EAP packet that carries it (Code,
Identifier, Length, Type, Flags, RAND_S), so the Length field is authenticated too; the
16-byte tag follows the nonce. ``build_protected_packet`` builds a whole third or later
message around a sealed channel, since H depends on the packet's length.
"""

from __future__ import annotations

from conformance.protocols.aes_modes import eax_decrypt, eax_encrypt
from conformance.protocols.eap import EapCode
from conformance.protocols.eap_psk.messages import (
    HEADER_H_LENGTH,
    NONCE_LENGTH,
    TAG_LENGTH,
    PChannelPayload,
    ProtectedChannel,
    PskFourthMessage,
    PskMessage,
    PskThirdMessage,
    encode_packet,
)
from conformance.protocols.errors import BenchUsageError


def _eax_nonce(nonce: int) -> bytes:
    # Section 3.3: the 4-byte N "is padded with 96 zero bits for its high-order bits".
    return bytes(12) + nonce.to_bytes(NONCE_LENGTH, "big")


def _check_header(header: bytes) -> None:
    if len(header) != HEADER_H_LENGTH:
        raise BenchUsageError(f"the PCHANNEL header H has 22 bytes, not {len(header)}")


def seal_pchannel(tek: bytes, *, header: bytes, nonce: int, payload: PChannelPayload) -> ProtectedChannel:
    """Encrypt and authenticate ``payload`` with EAX under the TEK (section 3.3).

    ``header`` is H, the first 22 bytes of the EAP packet that will carry the result
    (Code, Identifier, Length, Type, Flags, RAND_S), Length included.
    """
    _check_header(header)
    ciphertext, tag = eax_encrypt(tek, _eax_nonce(nonce), header, payload.encode())
    return ProtectedChannel(nonce=nonce, tag=tag, encrypted_payload=ciphertext)


def open_pchannel(tek: bytes, *, header: bytes, pchannel: ProtectedChannel) -> PChannelPayload:
    """Verify the tag, then decrypt and parse (section 3.3).

    Raises:
        IntegrityError: the tag does not verify.
        DecodeError: the decrypted payload is not a valid R/E/EXT structure.
    """
    _check_header(header)
    plaintext = eax_decrypt(tek, _eax_nonce(pchannel.nonce), header, pchannel.encrypted_payload, pchannel.tag)
    return PChannelPayload.decode(plaintext)


def build_protected_packet(
    code: EapCode,
    identifier: int,
    *,
    flags: int,
    rand_s: bytes,
    tek: bytes,
    nonce: int,
    payload: PChannelPayload,
    mac_s: bytes | None = None,
) -> bytes:
    """An EAP packet carrying a third (``mac_s`` given) or a T=3 message, sealed.

    H covers the Length field, which depends on the PCHANNEL size; the ciphertext has
    the plaintext's length, so a placeholder channel of that size gives the right H.
    """

    def message(pchannel: ProtectedChannel) -> PskMessage:
        if mac_s is None:
            return PskFourthMessage(flags=flags, rand_s=rand_s, pchannel=pchannel)
        return PskThirdMessage(flags=flags, rand_s=rand_s, mac_s=mac_s, pchannel=pchannel)

    plaintext_length = len(payload.encode())
    placeholder = ProtectedChannel(
        nonce=nonce, tag=bytes(TAG_LENGTH), encrypted_payload=bytes(plaintext_length)
    )
    header = encode_packet(code, identifier, message(placeholder))[:HEADER_H_LENGTH]
    sealed = seal_pchannel(tek, header=header, nonce=nonce, payload=payload)
    return encode_packet(code, identifier, message(sealed))
