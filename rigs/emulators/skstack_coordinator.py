"""What an emulated module in the PaC role (``--role pac``) finds on the air: one smart
meter's B-route coordinator, so that a public SKSTACK-IP client written for the B route
(nbtk/momonga, from PyPI) can drive the emulator unmodified, as a second check of its lines
that the bench's own driver did not write (DESIGN.md rule 10).

The coordinator is scripted at the level the module reports it, not simulated frame by
frame: an active scan with the module's Pairing ID (S0A, the last 8 characters of the ID
SKSETRBID registered) hears it (``EVENT 20``, ``EPANDESC``, then ``EVENT 22``; 3.9, 4.5);
SKJOIN against its address with the credentials it was given ends in ``EVENT 25``, with
others in ``EVENT 24`` (3.4); SKSENDTO to it carries ECHONET Lite to the smart meter twin's
B-route node (``conformance/twin/meter/b_route.py``), whose answer comes back as ERXUDP from
UDP 3610 (4.1), secured while the session is up; SKTERM ends the session with ``EVENT 27``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.protocols import echonet, sixlowpan
from conformance.protocols import skstack as sk
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.twin.meter.b_route import BRouteMeter, b_route_address

if TYPE_CHECKING:
    from rigs.emulators.skstack_module import EmulatedModule

COORDINATOR_MAC = bytes.fromhex("02123400000000B1")  # locally administered, like the twin's meters
COORDINATOR_CHANNEL = 0x21  # channel 33, SKSREG S02's first value
COORDINATOR_PAN_ID = 0x8888
COORDINATOR_RSSI_DBM = -55.0
PANA_TIME_S = 2.0  # PCI to EAP success, about what public B-route logs show
SCAN_SLOT_S = 0.0096  # 3.9: 9.6 ms x (2^DURATION + 1) per channel
FIRST_CHANNEL = 0x21  # bit 0 of SKSCAN's channel mask


class BRouteCoordinator:
    def __init__(self, module: EmulatedModule, *, rbid: str, password: str) -> None:
        self._module = module
        self._rbid, self._password = rbid, password
        self.mac = COORDINATOR_MAC
        self.address = sixlowpan.link_local_from_eui64(self.mac)
        self.joined = False
        self._active = True
        self._link = HomeNetwork(module.scheduler)
        self._meter_node = b_route_address(0, 1)
        self._module_node = b_route_address(0, 2)
        BRouteMeter(scheduler=module.scheduler, link=self._link, address=self._meter_node)
        self._link.listen(self._module_node, echonet.ECHONET_PORT, self._from_meter)

    def close(self) -> None:
        """SKRESET: the module forgets the session; late timers of this one do nothing."""
        self._active = False
        self.joined = False

    def _later(self, delay_s: float, action, *args) -> None:
        def fire() -> None:
            if self._active:
                action(*args)

        self._module.scheduler.call_later(delay_s, fire)

    def _event(self, number: int, sender: bytes, *, param: int | None = None) -> sk.Event:
        return sk.Event(number=number, sender=sender, param=param, side=self._module.layout.default_side)

    # -- SKSCAN -----------------------------------------------------------------------------

    def scan(self, channel_mask: int, duration: int) -> None:
        slot = SCAN_SLOT_S * (2**duration + 1)
        index = COORDINATOR_CHANNEL - FIRST_CHANNEL
        pairing_id = self._module.registers.get("S0A")
        if channel_mask >> index & 1 and pairing_id == self._rbid[-8:]:
            self._later(slot * (index + 1), self._beacon)
        channels = bin(channel_mask).count("1")
        done = self._event(sk.EventNumber.ACTIVE_SCAN_DONE, self._module.link_local)
        self._later(slot * channels, self._module._print, done)

    def _beacon(self) -> None:
        module = self._module
        module._print(self._event(sk.EventNumber.BEACON_RECEIVED, self.address))
        module._print(
            sk.PanDescriptor(
                channel=COORDINATOR_CHANNEL,
                channel_page=9,
                pan_id=COORDINATOR_PAN_ID,
                addr=self.mac,
                lqi=_lqi(COORDINATOR_RSSI_DBM),
                side=module.layout.default_side,
                pair_id=self._rbid[-8:],
            )
        )

    # -- SKJOIN, SKTERM -----------------------------------------------------------------------

    def join(self, peer: bytes) -> None:
        module = self._module
        ok = (
            peer == self.address
            and module.registers.get("S02") == COORDINATOR_CHANNEL
            and module.registers.get("S03") == COORDINATOR_PAN_ID
            and module.credentials == (self._rbid, self._password)
        )
        number = sk.EventNumber.PANA_DONE if ok else sk.EventNumber.PANA_FAILED
        self._later(PANA_TIME_S, self._joined, ok, self._event(number, peer))

    def _joined(self, ok: bool, event: sk.Event) -> None:
        self.joined = ok
        self._module._print(event)

    def terminate(self) -> bool:
        if not self.joined:
            return False
        self.joined = False
        self._later(0.1, self._module._print, self._event(sk.EventNumber.TERMINATION_DONE, self.address))
        return True

    # -- SKSENDTO and what comes back ---------------------------------------------------------

    def send(self, dest: bytes, src_port: int, dst_port: int, secured: bool, data: bytes) -> None:
        module = self._module
        reachable = dest == self.address and (self.joined or not secured)
        result = sk.UDP_SENT_OK if reachable else sk.UDP_SENT_FAILED
        module._print(self._event(sk.EventNumber.UDP_SENT, dest, param=result))
        if reachable and dst_port == echonet.ECHONET_PORT:
            self._link.send(
                src=self._module_node,
                src_port=src_port,
                dst=self._meter_node,
                dst_port=dst_port,
                payload=data,
            )

    def _from_meter(self, datagram: HomeDatagram) -> None:
        if not self._active:
            return
        module = self._module
        module._print(
            sk.UdpReceived(
                sender=self.address,
                dest=module.link_local,
                rport=datagram.src_port,
                lport=datagram.dst_port,
                sender_lla=self.mac,
                secured=self.joined,
                data=datagram.payload,
                rssi=module.rssi_column(COORDINATOR_RSSI_DBM),
                side=module.layout.default_side,
            )
        )


def _lqi(rssi_dbm: float) -> int:
    """ROHM's LQI scale, RSSI = 0.275 x LQI - 104.27 dBm (as momonga and smdn convert it)."""
    return max(0, min(255, round((rssi_dbm + 104.27) / 0.275)))
