"""The EAP-PSK key hierarchy (RFC 4764 sections 3.1, 3.2) and MAC_P, against hostapd's values."""

from __future__ import annotations

import pytest

from conformance.protocols.eap_psk import compute_mac_p, derive_ak_kdk, derive_tek_msk_emsk
from conformance.protocols.errors import BenchUsageError
from tests.protocols.eap_psk.support import (
    HOSTAPD_AK,
    HOSTAPD_EMSK,
    HOSTAPD_KDK,
    HOSTAPD_MAC_P,
    HOSTAPD_MSK,
    HOSTAPD_RAND_P,
    HOSTAPD_RAND_S,
    HOSTAPD_TEK,
    ID_P,
    ID_S,
    PSK,
)

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
