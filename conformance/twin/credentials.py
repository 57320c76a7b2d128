"""How the twins turn a terminal's password into the EAP-PSK pre-shared key.

The IoT-route application specification that fixes this mapping is not public. The
twin's model: PSK = the first 16 octets of SHA-256 over the UTF-8 password. Both the
smart-meter twin and the terminal twins use this one function, so a wrong password
gives a wrong PSK and EAP-PSK fails on MAC_P exactly as on a real network. On a rig
the Wi-SUN module derives the PSK its own way from the password given to SKSETPWD.
"""

from __future__ import annotations

import hashlib

PSK_LENGTH = 16  # RFC 4764 §2: the PSK is 16 octets


def psk_from_password(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()[:PSK_LENGTH]
