"""Faulty terminal twins of metering (features/metering/).

Each metering fault is a ``MeteringApp`` with one policy changed, carried by a terminal
class that is otherwise the reference.
"""

from __future__ import annotations

from functools import cache

from conformance.ics import OTHER_OPERATOR_OBJECT_MODEL, load_object_model
from conformance.protocols import dlms, echonet
from conformance.twin.faults import Fault
from conformance.twin.terminal.metering import MeteringApp, ValueStore
from conformance.twin.terminal.reference import ReferenceTerminal


def _with_metering(app: type[MeteringApp]) -> type[ReferenceTerminal]:
    return type(f"TerminalWith{app.__name__}", (ReferenceTerminal,), {"metering_class": app})


class TakesUpper8Digits(MeteringApp):
    """Drops the last digit instead of the first: 「下8桁」 read as the upper eight."""

    def make_entry(self, slot, imported, exported):
        return super().make_entry(slot, imported // 10, exported // 10)


class SkipsHalfHour(MeteringApp):
    """Reads the meter on the hour only: no :30 values."""

    def takes_slot(self, slot: int) -> bool:
        return slot % 3600 == 0


class ReportsWhAsKwh(MeteringApp):
    """Labels the Wh count as kWh (scaler 3): every value 1000 times too large."""

    def scaler_unit(self) -> dict[str, int]:
        return {"scaler": 3, "unit": 30}


class SwapsImportExport(MeteringApp):
    """Wires AC input to the export register and AC output to the import register."""

    def make_entry(self, slot, imported, exported):
        return super().make_entry(slot, exported, imported)


class IgnoresCompletion(MeteringApp):
    """Answers a range request with an empty buffer."""

    def completion_entries(self, start: int, end: int) -> list:
        return []


class KeepsFirstMeterId(MeteringApp):
    """Reads the device ID once and reports it forever, so a swapped meter goes unseen."""

    def reported_meter_id(self, read: bytes) -> bytes:
        return self.meter_id or read


class LetsAuthenticationIdChange(MeteringApp):
    """Accepts a new authentication ID from the HES or the maintenance port."""

    def apply_terminal_id(self, requested: str):
        self.authentication_id = requested
        return dlms.DataAccessResult.SUCCESS


class NeverSyncsClock(MeteringApp):
    """Acknowledges the SM system's clock but keeps its own."""

    def apply_clock(self, when) -> None:
        return None


class NeverSetsMeterClock(MeteringApp):
    """Leaves the meter's clock alone although the declaration says it must set it."""

    def sync_meter_clock(self) -> None:
        return None


class IgnoresGranularity(MeteringApp):
    """Says yes to a new granularity and keeps taking 30-minute values."""

    def apply_granularity(self, seconds: int):
        return dlms.DataAccessResult.SUCCESS


class UploadsEverySlot(MeteringApp):
    """Uploads each value as it is taken, whatever upload interval was set."""

    def _maybe_upload(self, slot: int) -> None:
        self.upload(after=self._last_uploaded)
        self._last_uploaded = slot


class AnswersLate(MeteringApp):
    """Takes 100 s to answer a request from the SM system."""

    def answer_later(self, response) -> None:
        self._later(100.0, super().answer_later, response)


class LeavesOutAccessResult(MeteringApp):
    """Answers a Get of an object it does not hold with a Get-Response-Normal that chooses
    data-access-result and carries none (the enum octet of object-undefined left out): the
    mutant ``MeteringApp._get _42`` (error=None) as a terminal would send it."""

    def answer_later(self, response) -> None:
        if (
            isinstance(response, dlms.GetResponse)
            and response.error is dlms.DataAccessResult.OBJECT_UNDEFINED
        ):
            self._send_dlms(dlms.wrap(dlms.encode(response)[:-1]))
            return
        super().answer_later(response)


class KeepsOldPassword(MeteringApp):
    """Acknowledges a new password and keeps authenticating with the old one."""

    def __init__(self, **kwargs) -> None:
        kwargs["on_password"] = lambda password: None
        super().__init__(**kwargs)


class PortKeepsOldPassword(ReferenceTerminal):
    """Its maintenance port answers OK to a new password and changes nothing: the handy
    terminal's menu writes the settings it shows, not the credentials the terminal
    authenticates with. A new password from the SM system still takes; NAT seed 2-5 asks
    for both (「ハンディターミナル等により、機器情報の設定・変更等ができること」, ※3
    「認証パスワードは設定変更可」)."""

    def maintenance_command(self, line: str) -> list[str]:
        words = line.split()
        if len(words) == 3 and words[:2] == ["SETTING", "password"]:
            self.metering.on_setting("password", "maintenance port")
            return ["OK"]
        return super().maintenance_command(line)


# A ring of 1,024 values: 21 days of 30-minute values, 42 days of hourly ones.
RING_VALUES = 1024


class _RingErasedAtWrap(ValueStore):
    """The store as a ring in flash whose wrap erases the whole ring, not the oldest value."""

    def __init__(self, days: int) -> None:
        super().__init__(days)
        self._written = 0

    def add(self, posix: int, entry) -> None:
        super().add(posix, entry)
        self._written += 1
        # The erase meant to make room for the next write takes the whole ring, after the
        # write that filled it: at least that value is lost, whatever the upload schedule.
        if self._written % RING_VALUES == 0:
            self._entries.clear()


class ErasesStoreAtWrap(MeteringApp):
    """Keeps its values in a ring of 1,024 and, when the write index wraps, erases the ring
    (the value just written included) instead of overwriting the oldest value: every value
    not yet uploaded is lost, and for a while it holds far less than 7 days
    (THK seed ch. 7 「無線端末：7日分以上」). With hourly values uploaded once a day the
    wrap comes after about 42 days; with 30-minute values after 21."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = _RingErasedAtWrap(self.settings.storage_days)


class ForwardsEchonetLite(MeteringApp):
    """Sends the meter's ECHONET Lite answer to the SM system instead of DLMS/COSEM."""

    def _on_reading(self, slot, frame) -> None:
        super()._on_reading(slot, frame)
        self._raw = echonet.encode(frame)

    def upload(self, after: int) -> None:
        if self.online and getattr(self, "_raw", None):
            self._send_dlms(dlms.wrap(self._raw))  # the ECHONET Lite frame where DLMS belongs


@cache
def _other_operator_model() -> dlms.ObjectModel:
    return load_object_model(OTHER_OPERATOR_OBJECT_MODEL)


class SpeaksAnotherOperatorsModel(MeteringApp):
    """Built for another operator's object model (other OBIS codes and report layout) while
    its declaration names the bench's default: the SM system cannot read what it sends."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings.model = _other_operator_model()


FAULTS = (
    Fault(
        "stores-5-days",
        "keeps only 5 days of values",
        ("THK-7-STORE",),
        ReferenceTerminal,
        {"metering.storage_days": 5},
    ),
    Fault(
        "erases-store-at-wrap",
        "erases its whole store of values when the ring of 1,024 wraps",
        ("THK-7-STORE",),
        _with_metering(ErasesStoreAtWrap),
    ),
    Fault(
        "upper-8-digits",
        "keeps the upper 8 of 9 digits",
        ("NAT-2.5-ACQ",),
        _with_metering(TakesUpper8Digits),
    ),
    Fault("skips-half-hour", "takes no :30 values", ("NAT-2.5-ACQ",), _with_metering(SkipsHalfHour)),
    Fault("wh-as-kwh", "labels the Wh count as kWh", ("NAT-2.5-UNIT",), _with_metering(ReportsWhAsKwh)),
    Fault(
        "swaps-import-export",
        "forward as export, reverse as import",
        ("NAT-2.5-TYPES",),
        _with_metering(SwapsImportExport),
    ),
    Fault(
        "forwards-echonet-lite",
        "sends ECHONET Lite to the SM system",
        ("NAT-2.5-CONV",),
        _with_metering(ForwardsEchonetLite),
    ),
    Fault(
        "ignores-completion",
        "answers range requests with nothing",
        ("NAT-2.5-GAP", "THK-7-GAPFILL"),
        _with_metering(IgnoresCompletion),
    ),
    Fault(
        "keeps-first-meter-id",
        "reports the first device ID forever",
        ("NAT-3.1-T3",),
        _with_metering(KeepsFirstMeterId),
    ),
    Fault(
        "changeable-authentication-id",
        "lets the authentication ID change",
        ("NAT-2.5-CFG", "THK-8-CFG"),
        _with_metering(LetsAuthenticationIdChange),
    ),
    Fault(
        "keeps-old-password",
        "acknowledges a new password, keeps the old",
        ("NAT-2.5-CFG", "THK-8-CFG"),
        _with_metering(KeepsOldPassword),
    ),
    Fault(
        "port-keeps-old-password",
        "acknowledges a new password on the maintenance port, keeps the old",
        ("NAT-2.5-CFG",),
        PortKeepsOldPassword,
    ),
    Fault(
        "never-syncs-clock",
        "ignores the SM system's clock",
        ("NAT-2.5-TIME", "THK-8-ACC"),
        _with_metering(NeverSyncsClock),
    ),
    Fault(
        "never-sets-meter-clock",
        "leaves the meter's clock wrong",
        ("NAT-2.5-TIME", "THK-8-ACC"),
        _with_metering(NeverSetsMeterClock),
    ),
    Fault(
        "ignores-granularity",
        "keeps 30-minute values whatever is set",
        ("NAT-2.5-15MIN", "THK-7-GRAN"),
        _with_metering(IgnoresGranularity),
    ),
    Fault(
        "uploads-every-slot",
        "uploads every value, whatever is set",
        ("THK-7-FREQ",),
        _with_metering(UploadsEverySlot),
    ),
    Fault(
        "answers-late",
        "takes 100 s to answer the SM system",
        ("THK-7-DELAY",),
        _with_metering(AnswersLate),
    ),
    Fault(
        "leaves-out-access-result",
        "answers a Get of an object outside its model with no data-access-result",
        ("NAT-2.2",),
        _with_metering(LeavesOutAccessResult),
    ),
    Fault(
        "speaks-other-operator-model",
        "built for another operator's DLMS/COSEM object model than it declares",
        ("NAT-2.5-CONV",),
        _with_metering(SpeaksAnotherOperatorsModel),
    ),
)
