"""The module models and how their lines differ (the bench's reading of the public sources;
``tests/protocols/skstack_transcripts.py`` quotes each one).

Two families print different lines for the same command:

=====================  ===============================  ===================================
                       A1 family: BP35A1, RL7023        C family: BP35C0, BP35C2, RL7023
                       Stick-D/IPS (BP35A1 inside)      Stick-D/DSS (BP35C2 inside)
=====================  ===============================  ===================================
EINFO                  ``... <PANID> <ADDR16>``         ``... <PANID> <SIDE>`` (no ADDR16)
EVENT with a sender    ``EVENT <NUM> <SENDER> [PARAM]`` ``EVENT <NUM> <SENDER> <SIDE>
                                                        [PARAM]``
ERXUDP                 ``... <SENDERLLA> <SECURED>      ``... <SENDERLLA> [<RSSI>]
                       <DATALEN> <DATA>``               <SECURED> <SIDE> <DATALEN> <DATA>``,
                                                        RSSI only while register SA2 is 1
SKSENDTO, SKSCAN       no SIDE argument                 SIDE after SEC / after DURATION
ROPT / WOPT            answered ``OK xx`` + CR alone    FAIL ER04 on some firmware (momonga);
                       (BP35A1 reference 3.30-3.31)     answered on others (RATOC's sample)
ERXUDP data            binary until ``WOPT 01``         hex ASCII where ROPT is refused
=====================  ===============================  ===================================

SKTERM takes no argument on either (BP35A1 reference 3.6: the PAA holds one session).
Which family a module belongs to, it tells itself: EINFO's fifth field is a 4-digit ADDR16
on the A1 family and a 1-digit SIDE on the C family (momonga's ``detect_device``).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.protocols.errors import BenchUsageError


@dataclass(frozen=True, slots=True)
class Layout:
    """What a model's lines carry."""

    family: str  # "A1" or "C"
    side: bool  # SIDE in EINFO, EVENT, ERXUDP; an argument of SKSENDTO and SKSCAN
    has_ropt: bool  # answers ROPT/WOPT (product configuration commands, CR-terminated)
    rssi_register: bool  # register SA2 switches an RSSI column into ERXUDP

    @property
    def default_side(self) -> int | None:
        """The SIDE the bench names (0: the 920 MHz side of a dual-side C module)."""
        return 0 if self.side else None


A1 = Layout(family="A1", side=False, has_ropt=True, rssi_register=False)
C = Layout(family="C", side=True, has_ropt=False, rssi_register=True)

MODELS: dict[str, Layout] = {
    "BP35A1": A1,
    "RL7023-IPS": A1,  # Tessera RL7023 Stick-D/IPS carries a BP35A1 (momonga DeviceType)
    "BP35C0": C,  # no public transcript; taken to print as BP35C2 does
    "BP35C2": C,
    "RL7023-DSS": C,  # Tessera RL7023 Stick-D/DSS carries a BP35C2 (momonga DeviceType)
}


def layout_of(model: str) -> Layout:
    """The layout of a model name (case and a ``/`` instead of ``-`` do not matter)."""
    key = model.upper().replace("/", "-").replace("_", "-").replace("STICK-D-", "")
    if key not in MODELS:
        raise BenchUsageError(f"unknown SKSTACK-IP module model {model!r} (known: {', '.join(MODELS)})")
    return MODELS[key]
