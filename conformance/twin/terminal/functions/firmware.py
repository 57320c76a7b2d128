"""The reference terminal's firmware update (NAT-3.1-T6: 「脆弱性に対応するため、無線端末の
ファームウェア更新が行えること」).

An image arrives on the maintenance port (the operator updates, 「ファームウェア更新は利用事業者
が実施すること」). The terminal installs it only if it is signed with its vendor's key (the
public half is in the declaration), its payload is the one the signed manifest names, it
is for this vendor's model, and it is strictly newer than what runs
(``conformance.protocols.firmware_image``). Every installation and every refusal goes to
the event log. After installing, the terminal reboots: off for ``install_s``, then on,
and it rejoins and resumes metering with its stored values and settings intact.
"""

from __future__ import annotations

import base64
import binascii

from conformance.protocols import firmware_image
from conformance.protocols.firmware_image import FirmwareHeader, ImageRefused, Refusal
from conformance.twin.terminal.functions import TerminalFunction

REBOOT_AFTER_S = 0.5  # the answer goes out before the terminal goes down
INSTALL_S = 20.0  # writing the image to flash and booting it


class FirmwareFunction(TerminalFunction):
    install_s = INSTALL_S

    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        declaration = terminal.config.declaration
        self.vendor = declaration.identity.vendor
        self.model = declaration.identity.model
        self.version = declaration.identity.firmware_version  # non-volatile: what runs
        self.public_key = bytes.fromhex(declaration.firmware.signing_public_key)

    def maintenance(self, words: list[str]) -> list[str] | None:
        if words == ["FIRMWARE?"]:
            return [f"OK {self.version}"]
        if len(words) == 2 and words[0] == "FIRMWARE":
            return self.update(words[1])
        return None

    def update(self, encoded: str) -> list[str]:
        try:
            header = self.check(base64.b64decode(encoded, validate=True))
        except binascii.Error:
            return self._refuse(ImageRefused(Refusal.MALFORMED, "the image is not base64"))
        except ImageRefused as refused:
            return self._refuse(refused)
        previous, self.version = self.version, header.version
        self.terminal.report_event("firmware-installed", f"{header.version} (was {previous})")
        self.reboot()
        return [f"OK {header.version}"]

    def _refuse(self, refused: ImageRefused) -> list[str]:
        self.log_refusal(refused)
        return [f"ERR REFUSED {refused.reason}"]

    # -- policy (faulty twins change one of these) -------------------------------------

    def check(self, data: bytes) -> FirmwareHeader:
        return firmware_image.check(
            data, public_key=self.public_key, vendor=self.vendor, model=self.model, installed=self.version
        )

    def log_refusal(self, refused: ImageRefused) -> None:
        self.terminal.report_event("firmware-refused", f"{refused.reason}: {refused.detail}")

    def reboot(self) -> None:
        self.terminal.restart(after_s=REBOOT_AFTER_S, down_s=self.install_s)


FUNCTION = FirmwareFunction
