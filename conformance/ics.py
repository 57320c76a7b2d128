"""The terminal's declaration (ICS, implementation conformance statement).

The vendor states what the terminal is and what it claims; the bench configures the
smart meter and HES from it and judges the terminal against it. Validation is strict:
an unknown field, a missing one or a value of the wrong kind stops the run with the
file, line and field (DESIGN.md rule 7). Nothing falls back to a default silently:
every field below is required unless it says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from conformance.redaction import register
from conformance.yamlfile import load_document

DEFAULT_DECLARATION = Path(__file__).parent / "declarations" / "reference-terminal.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Identity(_Strict):
    vendor: str
    model: str
    firmware_version: str
    # The IEEE EUI-64 of the terminal's 920 MHz interface, as printed on its label;
    # the bench recognises the terminal's frames on the air by it.
    mac_address: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{16}$")]

    @property
    def eui64(self) -> bytes:
        return bytes.fromhex(self.mac_address)


class Credentials(_Strict):
    # NAT seed 2-5 ※3: 認証パスワードは設定変更可とし、認証ID(無線端末ID)は設定変更不可とする
    authentication_id: Annotated[str, Field(min_length=1, max_length=64)]
    password: SecretStr
    # Only its type is checked here: whether it has the guideline's format is a
    # conformance question (NAT-2.3-C), answered by a scenario, not by the loader.
    pairing_id: str


class Join(_Strict):
    # NAT-2.1-A: after a smart meter refuses it (full), the terminal retries no later
    # than this; the bench waits this long plus the join limit for it to come back.
    retry_interval_max_s: Annotated[float, Field(gt=0, le=3600)]


class Metering(_Strict):
    # NAT seed 2-5 「00分、30分毎」: 1800 s; THK seed ch. 7 「1時間値」: 3600 s; 900 s after
    # the switch to 15-minute values (「検針粒度が15分に変更となった場合、切替が可能」).
    granularity_s: Literal[900, 1800, 3600]
    # How often the terminal uploads its new values: with each value (specified metering)
    # or once a day (THK seed ch. 7 「1日/回」: 86400).
    upload_interval_s: Annotated[int, Field(ge=300, le=86400)]
    # THK seed ch. 7 「無線端末：7日分以上」: how many days of values the terminal keeps.
    storage_days: Annotated[int, Field(ge=1, le=400)]
    # NAT seed 2-5 「特例計量器等との時刻同期が必要がある場合」: whether the terminal sets the
    # meter's clock over ECHONET Lite.
    meter_time_sync: bool
    # The interface to the metering device: ECHONET Lite on the home network (NAT seed 2-5
    # 「ECHONET Liteで受信すること」) or Modbus RTU on RS-485 (THK seed ch. 8, wired meters).
    meter_interface: Literal["echonet-lite", "modbus-rtu"]


EOJ = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{6}$")]
EPC = Annotated[int, Field(ge=0x80, le=0xFF)]
PORT = Annotated[int, Field(ge=1, le=65535)]


class EchonetObject(_Strict):
    """An ECHONET Lite object the terminal serves on its home side, and which of its
    properties it answers (NAT-3.1-T2: 「ECHONET Liteのコマンドを制限」)."""

    object: EOJ  # class group, class, instance in hex, e.g. 0EF001 (node profile)
    get: list[EPC]
    set: list[EPC]


class HomeSide(_Strict):
    echonet_whitelist: list[EchonetObject]
    # How the terminal refuses a request outside the whitelist: an ECHONET Lite "not
    # possible" response (ESV 0x5x) or silence.
    refusal: Literal["not-possible", "silence"]
    # NAT-3.1-T2 「不要なポートを閉塞」: the ports that answer, per side.
    open_udp_ports: list[PORT]
    iot_route_open_udp_ports: list[PORT]


class Security(_Strict):
    # NAT-3.1-T4 「DoS攻撃を検知する機能」: how soon the terminal reports a flood.
    dos_detection_s: Annotated[float, Field(gt=0, le=3600)]
    # THK-13-HOP 「一定程度の通信品質を確保」: the share of values still delivered while
    # the channel in use is jammed.
    min_delivery_ratio: Annotated[float, Field(gt=0, le=1)]


class Logs(_Strict):
    # NAT-3.1-T5 「アクセスログやイベントログ等を証跡として保持」: how much the logs keep.
    access_log_entries: Annotated[int, Field(ge=1)]
    event_log_entries: Annotated[int, Field(ge=1)]
    retention_days: Annotated[int, Field(ge=1)]


class Firmware(_Strict):
    # NAT-3.1-T6: the Ed25519 public key (hex) the terminal checks update images with.
    signing_public_key: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{64}$")]


class Operator(_Strict):
    # THK-14-REPORT: 「事業者名（お客さま名称）、事業者ID、無線端末ID」 in an incident record.
    company_name: str
    company_id: str


LedPattern = Literal["off", "steady", "blinking", "fast-blinking", "double-blinking"]


class Led(_Strict):
    # NAT-2.5-LED 「電力SMシステムとの正常な接続について、LEDの点灯パターン等により確認できること」:
    # the pattern that shows a person the terminal is connected, and those that show it is not.
    connected: LedPattern
    not_connected: Annotated[list[LedPattern], Field(min_length=1)]

    @field_validator("not_connected")
    @classmethod
    def _distinct(cls, value: list[str], info) -> list[str]:
        if info.data.get("connected") in value:
            raise ValueError("the connected pattern cannot also mean not connected")
        return value


class Battery(_Strict):
    # THK seed ch. 8 「電池容量は、各メーターの検定満了までの期間、機能を維持できること」: the
    # pack's rated capacity and the years it must last (the meter's verification period).
    capacity_mah: Annotated[float, Field(gt=0, le=1_000_000)]
    required_years: Annotated[float, Field(gt=0, le=30)]


class Declaration(_Strict):
    version: Literal[1]
    identity: Identity
    credentials: Credentials
    join: Join
    metering: Metering
    home_side: HomeSide
    security: Security
    logs: Logs
    firmware: Firmware
    operator: Operator
    led: Led
    # Optional: None (or absent) for a mains-powered terminal; THK-8-BATT is then not applicable.
    battery: Battery | None = None
    # The bench declares nothing it has not measured; a vendor's notes travel to the report.
    notes: str = ""

    @field_validator("notes")
    @classmethod
    def _single_paragraph(cls, value: str) -> str:
        return value.strip()


def load_declaration(path: Path | None = None) -> Declaration:
    """Load and validate a declaration; ``None`` loads the reference terminal's.

    Its password becomes one of the run's secrets (``conformance.redaction``)."""
    declaration = load_document(path or DEFAULT_DECLARATION, Declaration)
    register(declaration.credentials.password.get_secret_value())
    return declaration
