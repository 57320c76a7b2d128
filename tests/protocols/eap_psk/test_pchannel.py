"""The EAP-PSK protected channel (RFC 4764 section 3.3): hostapd's PCHANNELs open; seal inverts open."""

from __future__ import annotations

import pytest

from conformance.protocols import eap
from conformance.protocols.eap_psk import (
    PChannelPayload,
    PskExtension,
    PskFourthMessage,
    PskResult,
    PskThirdMessage,
    decode_message,
    open_pchannel,
    seal_pchannel,
)
from conformance.protocols.errors import BenchUsageError, IntegrityError
from tests.protocols.eap_psk.support import HOSTAPD_TEK, HOSTAPD_TRANSCRIPT, flip


def test_the_hostapd_pchannels_decrypt_to_done_success() -> None:
    for packet in HOSTAPD_TRANSCRIPT[2:4]:
        message = decode_message(eap.decode(packet).type_data)
        assert isinstance(message, PskThirdMessage | PskFourthMessage)
        payload = open_pchannel(HOSTAPD_TEK, header=packet[:22], pchannel=message.pchannel)
        assert payload == PChannelPayload(result=PskResult.DONE_SUCCESS)


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
