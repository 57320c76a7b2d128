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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator

from conformance.protocols.dlms.objects import CosemAttribute
from conformance.protocols.dlms.profile import DEFAULT_MODEL, EntryColumn, ObjectModel, ReportField
from conformance.redaction import register
from conformance.yamlfile import DocumentError, load_document

DEFAULT_DECLARATION = Path(__file__).parent / "declarations" / "reference-terminal.yaml"
DEFAULT_OBJECT_MODEL = Path(__file__).parent / "declarations" / "object-model.yaml"
# An example of another operator's model (other OBIS codes and layout), for vendors and tests.
OTHER_OPERATOR_OBJECT_MODEL = Path(__file__).parent / "declarations" / "object-model-other-operator.yaml"


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
    # Optional (absent: no). NAT seed 2-5 「電力SMシステムと時刻同期」: whether the SM system may
    # set the terminal's clock at any time (a DLMS SET of the clock object). On a rig the bench
    # then sets it just before the slot boundaries a scenario waits for, instead of waiting
    # out the hours between them (rigs/profile/bench.py).
    clock_set_by_sm_system: bool = False


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


class CosemObject(_Strict):
    """One Cosem-Attribute-Descriptor of the object model (IEC 62056-5-3)."""

    class_id: Annotated[int, Field(ge=0, le=0xFFFF)]
    obis: Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){5}$")]
    attribute: Annotated[int, Field(ge=-128, le=127)]  # Integer8: negative ids are manufacturer-specific

    @field_validator("obis")
    @classmethod
    def _groups(cls, value: str) -> str:
        if any(int(group) > 255 for group in value.split(".")):
            raise ValueError("an OBIS group is above 255")
        return value


class CosemObjects(_Strict):
    clock: CosemObject
    meter_id: CosemObject
    terminal_id: CosemObject
    import_energy: CosemObject
    export_energy: CosemObject
    profile_buffer: CosemObject
    capture_period: CosemObject
    upload_interval: CosemObject
    auth_password: CosemObject

    @model_validator(mode="after")
    def _one_profile_object(self) -> CosemObjects:
        if self.profile_buffer.obis != self.capture_period.obis:
            raise ValueError("profile_buffer and capture_period must be attributes of one profile object")
        return self


class ObjectModelFile(_Strict):
    """The operator's DLMS/COSEM object model as data (``dlms.profile.ObjectModel``)."""

    version: Literal[1]
    name: str
    objects: CosemObjects
    load_profile_columns: Annotated[list[EntryColumn], Field(min_length=3, max_length=3)]
    report_fields: Annotated[list[ReportField], Field(min_length=3, max_length=3)]

    @field_validator("load_profile_columns", "report_fields")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each name may appear once")
        return value

    def to_model(self) -> ObjectModel:
        objects = {name: CosemAttribute(o.class_id, o.obis, o.attribute) for name, o in self.objects}
        return ObjectModel(
            name=self.name,
            **objects,
            columns=tuple(self.load_profile_columns),
            report_fields=tuple(self.report_fields),
        )


def load_object_model(path: Path | None = None) -> ObjectModel:
    """Load an object model file; ``None`` loads the bench's default."""
    return load_document(path or DEFAULT_OBJECT_MODEL, ObjectModelFile).to_model()


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
    # Optional: the DLMS/COSEM object model of the operator's profile the terminal is built
    # for, a YAML file (path relative to this declaration); absent, the bench's default
    # (declarations/object-model.yaml). The HES twin and the smart meter judge the terminal in it.
    object_model: str | None = None
    # The bench declares nothing it has not measured; a vendor's notes travel to the report.
    notes: str = ""
    _object_model: ObjectModel | None = PrivateAttr(default=None)

    @property
    def dlms_model(self) -> ObjectModel:
        """The object model the terminal speaks, as loaded with the declaration."""
        return self._object_model or DEFAULT_MODEL

    @field_validator("notes")
    @classmethod
    def _single_paragraph(cls, value: str) -> str:
        return value.strip()


def load_declaration(path: Path | None = None) -> Declaration:
    """Load and validate a declaration; ``None`` loads the reference terminal's.

    Its password becomes one of the run's secrets (``conformance.redaction``)."""
    path = Path(path or DEFAULT_DECLARATION)
    declaration = load_document(path, Declaration)
    register(declaration.credentials.password.get_secret_value())
    if declaration.object_model is not None:
        model_path = path.parent / declaration.object_model
        if not model_path.is_file():
            raise DocumentError(path, None, "object_model", f"no file {model_path}")
        declaration._object_model = load_object_model(model_path)
    return declaration
