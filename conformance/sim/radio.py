"""The 920 MHz radio medium of the twin: channels, per-link RSSI and loss, a jammer.

Frames travel as bytes (the MPDU with its FCS), exactly as a sniffer would see them, so
every observation the bench makes of the air is made by decoding real frames.
Channel plan (ARIB STD-T108 as used by Wi-SUN HAN in Japan): channels 33-60 at
922.5-927.9 MHz in 0.2 MHz steps, channel page 9.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from conformance.errors import BenchError
from conformance.sim.scheduler import Scheduler

FIRST_CHANNEL = 33
LAST_CHANNEL = 60
CHANNELS = tuple(range(FIRST_CHANNEL, LAST_CHANNEL + 1))
CHANNEL_PAGE = 9
BITRATE_BPS = 100_000  # Wi-SUN HAN 2FSK 100 kbps
PHY_OVERHEAD_OCTETS = 8  # preamble, SFD and PHR ahead of the PSDU
DEFAULT_RSSI_DBM = -60.0


def channel_frequency_mhz(channel: int) -> float:
    """Centre frequency of a 920 MHz band channel."""
    check_channel(channel)
    return round(922.5 + (channel - FIRST_CHANNEL) * 0.2, 1)


def check_channel(channel: int) -> None:
    if channel not in CHANNELS:
        raise BenchError(f"channel {channel} is outside the IoT-route band {FIRST_CHANNEL}-{LAST_CHANNEL}")


def airtime_s(frame_len: int) -> float:
    return (frame_len + PHY_OVERHEAD_OCTETS) * 8 / BITRATE_BPS


@dataclass(frozen=True, slots=True)
class AirRecord:
    """One transmission as a sniffer on the channel sees it."""

    time: float
    channel: int
    rssi_dbm: float
    frame: bytes


Receiver = Callable[[bytes, float, int], None]  # (frame, rssi_dbm, channel)


class RadioPort:
    """A node's attachment to the medium: its address, its channel, its receiver."""

    def __init__(self, medium: RadioMedium, name: str, receiver: Receiver, channel: int) -> None:
        check_channel(channel)
        self.medium = medium
        self.name = name
        self.receiver = receiver
        self.channel = channel
        self.attached = True

    def tune(self, channel: int) -> None:
        check_channel(channel)
        if channel != self.channel:  # the bench's injector retunes before every frame it sends
            self.channel = channel
            self.medium.regroup()

    def transmit(self, frame: bytes) -> None:
        self.medium.transmit(self, frame)

    def detach(self) -> None:
        self.attached = False
        self.medium.regroup()


@dataclass(slots=True)
class _Link:
    rssi_dbm: float = DEFAULT_RSSI_DBM
    loss: float = 0.0


@dataclass(frozen=True, slots=True)
class _Audience:
    """The ports that hear one sender on one channel, each with its link to the sender."""

    listeners: tuple[tuple[RadioPort, _Link], ...]
    heard: float  # the RSSI of the strongest of those links: what the air record carries


class RadioMedium:
    """Delivers each transmission to every other port on the same channel.

    A frame is lost for a receiver when its channel is jammed, or with the link's loss
    probability combined with the medium-wide loss (drawn from the seeded stream). A jammer
    may be pulsed: it then destroys each frame on its channel with the probability ``duty``
    (pulses short against a frame, so a frame that meets one is lost for every receiver).
    """

    def __init__(self, scheduler: Scheduler, rng: random.Random) -> None:
        self._scheduler = scheduler
        self._rng = rng
        self._ports: list[RadioPort] = []
        self._links: dict[frozenset[str], _Link] = {}
        self._pairs: dict[tuple[str, str], _Link] = {}  # (sender, receiver) -> link, for transmit
        # Who hears a sender on a channel, with each link, and the strongest RSSI a sniffer
        # there records: the same for every frame until a port attaches, retunes or detaches,
        # or a link changes, so it is worked out once, not per transmission (see regroup).
        self._audiences: dict[tuple[RadioPort, int], _Audience] = {}
        self._jammed: dict[int, float] = {}  # channel -> the jammer's duty (1.0: always on)
        self._monitors: list[Callable[[AirRecord], None]] = []
        self.background_loss = 0.0

    def attach(self, name: str, receiver: Receiver, *, channel: int = FIRST_CHANNEL) -> RadioPort:
        if any(p.name == name and p.attached for p in self._ports):
            raise BenchError(f"radio port {name!r} is attached twice")
        port = RadioPort(self, name, receiver, channel)
        self._ports.append(port)
        self.regroup()
        return port

    def regroup(self) -> None:
        """Forget every sender's audience: a port attached, retuned or detached, or a link changed."""
        self._audiences.clear()

    def set_link(self, a: str, b: str, *, rssi_dbm: float | None = None, loss: float | None = None) -> None:
        link = self._links.setdefault(frozenset((a, b)), _Link())
        self._pairs.clear()  # a pair may have had no link of its own until now
        self.regroup()
        if rssi_dbm is not None:
            link.rssi_dbm = rssi_dbm
        if loss is not None:
            if not 0.0 <= loss <= 1.0:
                raise BenchError(f"loss probability {loss} is not within 0..1")
            link.loss = loss

    def link(self, a: str, b: str) -> _Link:
        return self._links.get(frozenset((a, b)), _Link())

    def _pair(self, sender: str, receiver: str) -> _Link:
        """``link`` for one direction, looked up once per pair instead of once per frame.
        The default link is kept too: only ``set_link`` adds links, and it starts afresh."""
        found = self._pairs.get((sender, receiver))
        if found is None:
            found = self._pairs[(sender, receiver)] = self.link(sender, receiver)
        return found

    def jam(self, channel: int, *, duty: float = 1.0) -> None:
        check_channel(channel)
        if not 0.0 < duty <= 1.0:
            raise BenchError(f"jammer duty {duty} is not within (0, 1]")
        self._jammed[channel] = duty

    def unjam(self, channel: int) -> None:
        self._jammed.pop(channel, None)

    def add_monitor(self, monitor: Callable[[AirRecord], None]) -> None:
        self._monitors.append(monitor)

    def transmit(self, sender: RadioPort, frame: bytes) -> None:
        if not sender.attached:
            return
        channel = sender.channel
        audience = self._audiences.get((sender, channel))
        if audience is None:
            audience = self._audiences[(sender, channel)] = self._audience(sender, channel)
        record = AirRecord(self._scheduler.now, channel, audience.heard, frame)
        for monitor in self._monitors:
            monitor(record)
        duty = self._jammed.get(channel)
        if duty is not None and (duty >= 1.0 or self._rng.random() < duty):
            return
        delay = airtime_s(len(frame))
        for port, link in audience.listeners:
            if self._lost(link.loss):
                continue
            self._scheduler.call_later(delay, self._deliver, port, frame, link.rssi_dbm, channel)

    def _audience(self, sender: RadioPort, channel: int) -> _Audience:
        # In attachment order: the loss draws from the seeded stream follow it.
        listeners = tuple(
            (port, self._pair(sender.name, port.name))
            for port in self._ports
            if port is not sender and port.attached and port.channel == channel
        )
        heard = max([link.rssi_dbm for _, link in listeners], default=DEFAULT_RSSI_DBM)
        return _Audience(listeners, heard)

    def _lost(self, link_loss: float) -> bool:
        survive = (1.0 - link_loss) * (1.0 - self.background_loss)
        return self._rng.random() >= survive

    @staticmethod
    def _deliver(port: RadioPort, frame: bytes, rssi_dbm: float, channel: int) -> None:
        # The receiver may have retuned or been powered off while the frame was in flight.
        if port.attached and port.channel == channel:
            port.receiver(frame, rssi_dbm, channel)
