"""The reference terminal's ECHONET Lite transaction IDs wrap after 65,535.

ECHONET Lite Specification Part II, 3.2.3 (Transaction ID, TID): "TID ... 2 bytes" (the
frame's third and fourth octets): a terminal's request counter runs 0x0000-0xFFFF and starts
again at 0x0000. A terminal reading at :00 and :30 (plus retries and clock settings) reaches
the 65,536th request after about 3.7 years, longer than any scenario runs, so this test
drives the counter to the edge directly (mutation testing: ``_next_tid`` modulo 65,537).
"""

from __future__ import annotations

from conformance.protocols import echonet
from conformance.sim.scheduler import Scheduler
from conformance.twin.terminal.metering import TERMINAL_EOJ, MeteringApp, MeteringSettings

TID_OCTETS = 2  # Part II 3.2.3
TID_SPACE = 1 << (8 * TID_OCTETS)


def _app() -> MeteringApp:
    settings = MeteringSettings(
        granularity_s=1800, upload_interval_s=1800, storage_days=7, meter_time_sync=False
    )
    return MeteringApp(
        scheduler=Scheduler(),
        network=None,
        address="fe80::1",
        settings=settings,
        send_dlms=lambda wrapped: None,
        authentication_id="T",
        on_password=lambda password: None,
    )


def test_the_tid_after_65535_is_0_and_every_tid_fits_its_two_octets() -> None:
    app = _app()
    app._tid = TID_SPACE - 3  # the bench's own test may set the twin's counter
    tids = [app._next_tid() for _ in range(4)]
    assert tids == [TID_SPACE - 2, TID_SPACE - 1, 0, 1]
    for tid in tids:
        frame = echonet.Frame(
            tid=tid,
            seoj=TERMINAL_EOJ,
            deoj=echonet.DG_METER,
            esv=echonet.Esv.GET,
            properties=(echonet.Property(epc=0xE0),),
        )
        assert echonet.decode(echonet.encode(frame)).tid == tid
