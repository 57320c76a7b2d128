"""AES-CMAC (RFC 4493) and EAX (Bellare, Rogaway, Wagner, "The EAX Mode of Operation").

CMAC comes straight from ``cryptography``. ``cryptography`` has no EAX mode, so EAX is
composed here from its AES-CTR and CMAC primitives, exactly as the EAX paper defines it:

    N' = OMAC^0_K(N),  H' = OMAC^1_K(H),  C = CTR_K(start=N', M),  C' = OMAC^2_K(C)
    Tag = first tau bytes of (N' xor H' xor C')

where OMAC^t_K(X) = CMAC_K([t]_16 || X), [t]_16 being t as a 16-byte big-endian block.
EAP-PSK (RFC 4764 section 3.3) uses EAX with AES-128 for its protected channel.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols.errors import BenchUsageError, IntegrityError

BLOCK_SIZE = 16
_AES_KEY_SIZES = frozenset({16, 24, 32})


def _check_key(key: bytes) -> None:
    if len(key) not in _AES_KEY_SIZES:
        raise BenchUsageError(f"an AES key has 16, 24 or 32 bytes, not {len(key)}")


def cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC of ``data`` under ``key`` (RFC 4493), the full 16-byte tag."""
    _check_key(key)
    mac = _cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def _omac_t(key: bytes, t: int, data: bytes) -> bytes:
    # The EAX paper's tweaked OMAC: the tweak t is prepended as a full block.
    return cmac(key, t.to_bytes(BLOCK_SIZE, "big") + data)


def _ctr(key: bytes, initial_counter: bytes, data: bytes) -> bytes:
    # cryptography's CTR increments the whole 128-bit block, as EAX requires.
    transform = Cipher(algorithms.AES(key), modes.CTR(initial_counter)).encryptor()
    return transform.update(data) + transform.finalize()


def _check_tag_length(tag_length: int) -> None:
    if not 1 <= tag_length <= BLOCK_SIZE:
        raise BenchUsageError(f"an EAX tag has 1 to 16 bytes, not {tag_length}")


def _tag(key: bytes, n_prime: bytes, header: bytes, ciphertext: bytes) -> bytes:
    h_prime = _omac_t(key, 1, header)
    c_prime = _omac_t(key, 2, ciphertext)
    return bytes(a ^ b ^ c for a, b, c in zip(n_prime, h_prime, c_prime, strict=True))


def eax_encrypt(
    key: bytes, nonce: bytes, header: bytes, plaintext: bytes, tag_length: int = 16
) -> tuple[bytes, bytes]:
    """Encrypt and authenticate with EAX.

    Args:
        key: the AES key.
        nonce: the EAX nonce, of any length (RFC 4764 uses 16 bytes).
        header: data authenticated but not encrypted.
        plaintext: data encrypted and authenticated.
        tag_length: bytes of tag kept, 1 to 16.

    Returns:
        ``(ciphertext, tag)``; the ciphertext has the plaintext's length.
    """
    _check_key(key)
    _check_tag_length(tag_length)
    n_prime = _omac_t(key, 0, nonce)
    ciphertext = _ctr(key, n_prime, plaintext)
    return ciphertext, _tag(key, n_prime, header, ciphertext)[:tag_length]


def eax_decrypt(key: bytes, nonce: bytes, header: bytes, ciphertext: bytes, tag: bytes) -> bytes:
    """Check the tag, then decrypt; the tag's length is the one it was made with.

    Raises:
        IntegrityError: the tag does not verify (compared in constant time); nothing
            is decrypted then.
    """
    _check_key(key)
    _check_tag_length(len(tag))
    n_prime = _omac_t(key, 0, nonce)
    expected = _tag(key, n_prime, header, ciphertext)[: len(tag)]
    if not hmac.compare_digest(expected, tag):
        raise IntegrityError("EAX tag does not verify")
    return _ctr(key, n_prime, ciphertext)
