"""A programmable step attenuator on SCPI between the bench's radio and the terminal: it
sets how strong the bench's smart meter appears to the terminal (NAT-2.3-B, the best signal).

The command set is the Keysight (Agilent) 11713C attenuator/switch driver's, as its user's
and programming guide names it: ``ATTenuator:BANK<1|2>:<X|Y> <dB>`` sets the attenuation of
the step attenuator wired to that bank and output, ``ATTenuator:BANK<n>:<X|Y>?`` reads it
back, and the IEEE 488.2 common commands and ``SYSTem:ERRor?`` queue of SCPI-99 report a
value the attenuator cannot take. Step attenuators move in fixed steps (an 8494 in 1 dB,
an 8496 in 10 dB): the driver rounds to the rig file's ``step_db``, never beyond
``max_db``, and returns what was set, so the scenario records the level it really made.

The terminal's apparent RSSI is ``rssi_at_0_db_dbm - attenuation``: the rig file states
the level the terminal sees with no attenuation, measured once for the rig (the shield
box's and cables' loss folded in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rigs import RigError
from rigs.drivers.scpisession import ScpiSession
from rigs.resources import VisaInstrument

if TYPE_CHECKING:
    from rigs.roles import AttenuatorEntry  # the table imports this driver


class ScpiAttenuator:
    """Implements :class:`~rigs.protocols.AttenuatorProtocol`."""

    def __init__(
        self,
        name: str,
        instrument: VisaInstrument,
        *,
        bank: int = 1,
        output: str = "X",
        step_db: float = 1.0,
        max_db: float = 121.0,
        rssi_at_0_db_dbm: float = -40.0,
    ) -> None:
        self.session = ScpiSession(name, instrument)
        self.path = f"ATT:BANK{bank}:{output}"
        self.step_db, self.max_db = step_db, max_db
        self.rssi_at_0_db_dbm = rssi_at_0_db_dbm

    @classmethod
    def from_entry(cls, name: str, entry: AttenuatorEntry) -> ScpiAttenuator:
        return cls(
            name,
            entry.visa,
            bank=entry.bank,
            output=entry.output,
            step_db=entry.step_db,
            max_db=entry.max_db,
            rssi_at_0_db_dbm=entry.rssi_at_0_db_dbm,
        )

    def open(self) -> str:
        """Open the attenuator; return its ``*IDN?`` identity."""
        return self.session.open()

    def close(self) -> None:
        self.session.close()

    def set_attenuation_db(self, attenuation_db: float) -> float:
        """Set the nearest step to ``attenuation_db``; return the attenuation read back."""
        steps = round(attenuation_db / self.step_db)
        wanted = steps * self.step_db
        if not 0.0 <= wanted <= self.max_db:
            raise RigError(
                self.session.name, f"{self.path} {wanted:g}", f"outside the rig's 0..{self.max_db:g} dB"
            )
        self.session.write(f"{self.path} {wanted:g}")
        return self.attenuation_db()

    def attenuation_db(self) -> float:
        return self.session.query_float(f"{self.path}?")

    def set_rssi_dbm(self, rssi_dbm: float) -> float:
        """Make the terminal see the bench's radio at ``rssi_dbm``; return the level made
        (the nearest step). A level the attenuator cannot make is a ``RigError``."""
        made = self.set_attenuation_db(self.rssi_at_0_db_dbm - rssi_dbm)
        return self.rssi_at_0_db_dbm - made

    def reaches(self, rssi_dbm: float) -> bool:
        """Whether the attenuator can make ``rssi_dbm`` within half a step."""
        needed = self.rssi_at_0_db_dbm - rssi_dbm
        return -self.step_db / 2 <= needed <= self.max_db + self.step_db / 2

    def __enter__(self) -> ScpiAttenuator:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
