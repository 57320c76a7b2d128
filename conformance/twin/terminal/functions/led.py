"""The reference terminal's connection LED (NAT-2.5-LED: 「電力SMシステムとの正常な接続に
ついて、LEDの点灯パターン等により確認できること」; THK-8-LED: 「SM通信NWまたは接続サーバまで
の接続について」).

It blinks from power-on while the terminal looks for a smart meter, authenticates or
waits to retry, and is steady while a PANA session is open; it goes back to blinking
the moment the session ends or a re-authentication fails. The twin reports the pattern
on the maintenance port (``LED?``); on a rig a photodiode on an I/O input sees it. The
patterns are the ones the reference declaration's ``led`` section names.
"""

from __future__ import annotations

from conformance.twin.terminal.functions import TerminalFunction

CONNECTED = "steady"
LOOKING = "blinking"
DARK = "off"


class LedFunction(TerminalFunction):
    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        self.pattern = DARK

    def powered_on(self) -> None:
        self.pattern = LOOKING

    def powered_off(self) -> None:
        self.pattern = DARK

    def joined(self, meter: bytes) -> None:
        self.pattern = CONNECTED

    def session_ended(self, reason: str) -> None:
        self.pattern = LOOKING

    def authentication_failed(self, meter: bytes, reason: str) -> None:
        self.pattern = LOOKING

    def shown(self) -> str:
        """What a person sees (faulty twins change this)."""
        return self.pattern

    def maintenance(self, words: list[str]) -> list[str] | None:
        if words == ["LED?"]:
            return [f"OK {self.shown()}"]
        return None


FUNCTION = LedFunction
