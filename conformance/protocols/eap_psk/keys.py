"""EAP-PSK key hierarchy (RFC 4764 section 3) and the MACs of the second and third messages.

The 16-byte PSK gives AK and KDK once (section 3.1, Figure 3); each conversation's RAND_P
gives TEK, MSK and EMSK from KDK (section 3.2, Figure 7). Both use the "modified counter
mode" of AES-128: X = AES(key, input), output block i = AES(key, X xor i). AK authenticates
the exchange: MAC_P and MAC_S are AES-CMAC under AK (section 4.1). The TEK protects the
PCHANNEL (``pchannel``); the MSK is what PANA derives its keys from (RFC 5191 section 5.3).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols.aes_modes import cmac
from conformance.protocols.errors import BenchUsageError

PSK_LENGTH = 16
RAND_LENGTH = 16
MAC_LENGTH = 16
TEK_LENGTH = 16
MSK_LENGTH = 64
EMSK_LENGTH = 64
_BLOCK = 16


# --- key derivation (sections 3.1 and 3.2) -------------------------------------------


def _aes_128(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _counter(i: int) -> bytes:
    # The counters c_i = "i" of Figures 3 and 7: i as a 16-byte big-endian integer.
    return i.to_bytes(_BLOCK, "big")


def _modified_counter_mode(key: bytes, input_block: bytes, blocks: int) -> list[bytes]:
    # Figures 3 and 7: X = AES(key, input); output block i = AES(key, X xor c_i).
    # ECB enciphers each block on its own, so one encryptor takes all the counter blocks in
    # one call: a Cipher costs several times the AES of a block, and a join derives 11 blocks.
    x = _aes_128(key, input_block)
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    counters = b"".join(_xor(x, _counter(i)) for i in range(1, blocks + 1))
    out = encryptor.update(counters) + encryptor.finalize()
    return [out[i : i + _BLOCK] for i in range(0, len(out), _BLOCK)]


def derive_ak_kdk(psk: bytes) -> tuple[bytes, bytes]:
    """The key setup (section 3.1, Figure 3): ``(AK, KDK)`` from the 16-byte PSK."""
    if len(psk) != PSK_LENGTH:
        raise BenchUsageError(f"the EAP-PSK PSK has 16 bytes, not {len(psk)}")
    ak, kdk = _modified_counter_mode(psk, bytes(_BLOCK), 2)
    return ak, kdk


def derive_tek_msk_emsk(kdk: bytes, rand_p: bytes) -> tuple[bytes, bytes, bytes]:
    """Session keys (section 3.2, Figure 7): TEK (16), MSK (64) and EMSK (64) bytes."""
    if len(kdk) != _BLOCK or len(rand_p) != RAND_LENGTH:
        raise BenchUsageError("KDK and RAND_P have 16 bytes each")
    blocks = _modified_counter_mode(kdk, rand_p, 9)
    return blocks[0], b"".join(blocks[1:5]), b"".join(blocks[5:9])


def compute_mac_p(ak: bytes, *, id_p: bytes, id_s: bytes, rand_s: bytes, rand_p: bytes) -> bytes:
    """MAC_P = CMAC-AES-128(AK, ID_P||ID_S||RAND_S||RAND_P) (section 4.1)."""
    return cmac(ak, id_p + id_s + rand_s + rand_p)


def compute_mac_s(ak: bytes, *, id_s: bytes, rand_p: bytes) -> bytes:
    """MAC_S = CMAC-AES-128(AK, ID_S||RAND_P) (section 4.1)."""
    return cmac(ak, id_s + rand_p)
