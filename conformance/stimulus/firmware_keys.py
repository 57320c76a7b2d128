"""The twin vendor's firmware signing key (NAT-3.1-T6).

The reference twin's declaration names the public half; the bench signs the twin's test
images with the private half, derived here from a fixed phrase so every run and every
machine agree. It signs nothing but twin images, so it is not a secret worth hiding.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

TWIN_VENDOR_KEY = Ed25519PrivateKey.from_private_bytes(
    hashlib.sha256(b"IoT-route bench reference terminal firmware signing key").digest()
)
