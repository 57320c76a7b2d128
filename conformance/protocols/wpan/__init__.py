"""IEEE 802.15.4-2015 MAC frames: header, Information Elements, auxiliary security, CCM*.

Theory of operation. A ``Frame`` is the MPDU as the standard draws it (7.2): Frame
Control, Sequence Number, addressing fields, Auxiliary Security Header, Header IEs, then
the MAC payload (Payload IEs, the Command ID of a MAC command frame, the payload proper)
and the FCS. ``encode`` and ``decode`` are exact inverses for plaintext frames; ``secure``
and ``unsecure`` are exact inverses for secured frames (9.3). Secured frames follow the
2015 split of the MAC payload: Payload IEs and, for frame version 2, the Command ID are
private (encrypted at levels 4-7); Header IEs are authenticated in the clear. ``decode``
of a secured frame leaves the private payload and MIC as they came.

The package is cut by role: ``frame`` (the MPDU as data, the FCS), ``ies`` (Information
Elements on the air, the Pairing ID IE), ``codec`` (encode and decode), ``security``
(CCM*) and ``fast_path`` (the twins' usual secured frame at fixed offsets). Every public
name is re-exported here: ``from conformance.protocols import wpan`` is enough.
"""

from __future__ import annotations

from .codec import (
    ack,
    data_frame,
    decode,
    encode,
)
from .frame import (
    BROADCAST_PAN,
    BROADCAST_SHORT,
    CMD_ENHANCED_BEACON_REQUEST,
    AuxSecurityHeader,
    Frame,
    FrameType,
    HeaderIE,
    PayloadIE,
    compute_fcs,
)
from .ies import (
    PAIRING_ID_OUI,
    PAYLOAD_IE_GROUP_VENDOR,
    enhanced_beacon,
    enhanced_beacon_request,
    pairing_id_ie,
    pairing_id_of,
    vendor_payload_ie,
)
from .security import (
    secure,
    unsecure,
)

__all__ = [
    "BROADCAST_PAN",
    "BROADCAST_SHORT",
    "CMD_ENHANCED_BEACON_REQUEST",
    "PAIRING_ID_OUI",
    "PAYLOAD_IE_GROUP_VENDOR",
    "AuxSecurityHeader",
    "Frame",
    "FrameType",
    "HeaderIE",
    "PayloadIE",
    "ack",
    "compute_fcs",
    "data_frame",
    "decode",
    "encode",
    "enhanced_beacon",
    "enhanced_beacon_request",
    "pairing_id_ie",
    "pairing_id_of",
    "secure",
    "unsecure",
    "vendor_payload_ie",
]
